//! Configuration: flags, each also read from an environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

use crate::fleet::access::Role;

#[derive(Parser, Debug)]
#[command(name = "fleetline", version, about = "Event-sourced vehicle tracking")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// PostgreSQL connection URL. The database is created if it is missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/fleetline",
        global = true
    )]
    pub database_url: String,

    /// Connections in the pool.
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 32,
        global = true
    )]
    pub max_connections: u32,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and the HTTP API (the default).
    Serve,
    /// Rebuild every projection from the event log, with a progress bar. Safe while the app serves.
    RebuildProjections,
    /// Users of the web app.
    #[command(subcommand)]
    User(UserCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Vehicle groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// Old history (GPS fixes).
    #[command(subcommand)]
    History(HistoryCommand),
}

#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// Remove the fixes tracked before a day, in whole weeks (from Monday 00:00 UTC), from the
    /// log and the read models; recorded as an event. The fleet at an earlier moment is then
    /// answered from the keyframes, to the minute. The last day is always kept.
    Purge {
        /// A day (2026-11-01, midnight UTC) or an RFC 3339 moment.
        #[arg(long, value_parser = crate::fleet::purge_history::cli::parse_before)]
        before: chrono::DateTime<chrono::Utc>,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Create a vehicle group; prints its id on standard output.
    Create {
        #[arg(long)]
        name: String,
    },
    /// Place a vehicle (by plate) in a group; it leaves the group it was in.
    Place {
        #[arg(long)]
        group: String,
        #[arg(long)]
        vehicle: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user. The password comes from FLEETLINE_PASSWORD, or is asked for (never a flag).
    Add(UserAccess),
    /// Give a user another role or other vehicle groups (their sessions change at once).
    Change(UserAccess),
    /// Disable a user: no more logins, and their sessions end.
    Disable {
        #[arg(long)]
        email: String,
    },
}

/// A user and what they may do: `--email E --role R [--group G]…`.
#[derive(Args, Debug)]
pub struct UserAccess {
    #[arg(long)]
    pub email: String,
    /// admin, manager or viewer.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Limit the user to this vehicle group (by name; repeat for several; none: the whole
    /// fleet). Admins see all.
    #[arg(long = "group")]
    pub groups: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Issue an API token; prints the token alone on standard output (shown only once).
    Create {
        /// What the token is for ("depot gateway").
        #[arg(long)]
        name: String,
        /// ingest (may only send fixes), viewer, manager or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Days until it expires; no expiry when absent.
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// Limit the token to this vehicle group (by name; repeat for several).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Revoke an API token: refused from the next request on.
    Revoke {
        #[arg(long)]
        token_id: uuid::Uuid,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("{text:?} is not one of admin, manager, viewer, ingest"))
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Where GPS devices send fixes in the OsmAnd protocol (Traccar Client and other tracker
    /// apps); empty or `off` disables it. `POST /` on the main address accepts them too. Use
    /// `0.0.0.0:5055` for devices on the network.
    #[arg(long, env = "FLEETLINE_OSMAND_ADDR", default_value = "127.0.0.1:5055")]
    pub osmand_addr: String,

    /// How often subscribers look for new events when no notification came (milliseconds).
    #[arg(long, env = "FLEETLINE_POLL_INTERVAL_MS", default_value_t = 1000)]
    pub poll_interval_ms: u64,

    /// Map tile URL template; empty for no tiles (a plain background, e.g. offline).
    #[arg(
        long,
        env = "FLEETLINE_TILE_URL",
        default_value = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )]
    pub tile_url: String,

    /// Attribution shown for the tiles.
    #[arg(
        long,
        env = "FLEETLINE_TILE_ATTRIBUTION",
        default_value = "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"
    )]
    pub tile_attribution: String,

    /// A vehicle whose last fix is older than this (minutes) is shown as silent: its tracker has
    /// stopped reporting. Ten minutes is twice the slowest interval common trackers are set to
    /// while moving (Traccar Client's default is 300 s).
    #[arg(long, env = "FLEETLINE_SILENT_AFTER_MINUTES", default_value_t = 10)]
    pub silent_after_minutes: u32,

    /// A web session unused this long ends (hours): a working day and a half, so a dispatcher
    /// who opens the map in the morning is not signed out during the shift.
    #[arg(long, env = "FLEETLINE_SESSION_IDLE_HOURS", default_value_t = 12)]
    pub session_idle_hours: u32,

    /// Fixes timed further ahead of the server's clock than this are refused (seconds): a forged
    /// fix from the future would otherwise pin a vehicle's current position.
    #[arg(long, env = "FLEETLINE_MAX_FIX_AHEAD_SECONDS", default_value_t = 120)]
    pub max_fix_ahead_seconds: u32,

    /// Send the session cookie only over HTTPS: set it when Fleetline is served behind TLS.
    #[arg(long, env = "FLEETLINE_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// On SIGTERM or Ctrl-C, how long requests in flight may take to finish before the server
    /// exits anyway (seconds). Ten is within the grace period service managers allow (systemd
    /// 90 s, Kubernetes 30 s, Docker 10 s) and far above the slowest request (a batch: 0.2 s).
    #[arg(long, env = "FLEETLINE_SHUTDOWN_TIMEOUT_SECONDS", default_value_t = 10)]
    pub shutdown_timeout_seconds: u32,

    /// Live streams (`GET /live`, one per open map) this instance keeps open at once; beyond it,
    /// 503 `too_many_live_streams`.
    #[arg(long, env = "FLEETLINE_MAX_LIVE_STREAMS", default_value_t = crate::fleet::live_updates::LiveStreams::DEFAULT)]
    pub max_live_streams: usize,

    /// Hours of recent fixes the server holds in memory for the fleet at T (older moments come
    /// from the keyframes in PostgreSQL, in a few milliseconds). 6 hours of 1,000 vehicles
    /// reporting every 30 s take 17 MB; memory and start-up grow with this, not with history.
    /// At least 1: a minute's keyframe is written 15 minutes after it, so with less the last
    /// minutes would come from the log's fixes, not from memory.
    #[arg(long, env = "FLEETLINE_MEMORY_HOURS", default_value_t = crate::fleet::fleet_index::DEFAULT_WINDOW_HOURS,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub memory_hours: u32,

    /// Keep this many days of GPS fixes: every hour the server purges the whole weeks (from
    /// Monday 00:00 UTC) older than that, as `fleetline history purge` would. Default: keep
    /// everything.
    #[arg(long, env = "FLEETLINE_RETENTION_DAYS",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub retention_days: Option<u32>,
}

impl ServeArgs {
    /// The OsmAnd listener's address; `None` when disabled (empty or `off`).
    pub fn osmand_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        parse_optional_addr(&self.osmand_addr)
    }
}

/// An address, or `None` for empty or `off`.
pub fn parse_optional_addr(raw: &str) -> anyhow::Result<Option<SocketAddr>> {
    let raw = raw.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| {
        anyhow::anyhow!("--osmand-addr: {raw:?} is not an address like 127.0.0.1:5055 (or off)")
    })
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_optional_addr, Cli};
    use clap::Parser;

    #[test]
    fn the_memory_window_is_at_least_an_hour() {
        let hours = |arg: &str| {
            Cli::try_parse_from(["fleetline", "--memory-hours", arg]).map(|c| c.serve.memory_hours)
        };
        assert_eq!(hours("1").unwrap(), 1);
        assert_eq!(hours("720").unwrap(), 720);
        for refused in ["0", "-1", "six"] {
            assert!(hours(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_osmand_listener_is_an_address_or_off() {
        assert_eq!(
            parse_optional_addr("0.0.0.0:5055").unwrap(),
            Some("0.0.0.0:5055".parse().unwrap())
        );
        for off in ["", " ", "off", "OFF"] {
            assert_eq!(parse_optional_addr(off).unwrap(), None, "{off:?}");
        }
        assert!(parse_optional_addr("localhost").is_err());
    }
}

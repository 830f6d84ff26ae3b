//! Configuration: flags, each also read from an environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

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
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

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

//! The server: configuration, start-up, the router and the CLI's subcommands.

pub mod auth;
pub mod background;
pub mod config;
pub mod hardening;
pub mod health;
pub mod listener;
pub mod page_policy;
pub mod shutdown;
pub mod state;
pub mod supervisor;

#[cfg(test)]
mod outage_tests;
#[cfg(test)]
mod restore_tests;
#[cfg(test)]
mod upgrade_tests;

pub use state::AppState;

use std::time::Duration;

use anyhow::Context;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::{migrate::MigrateDatabase, postgres::PgPoolOptions, Postgres};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

use crate::app::{shell, App, MapSettings};
use crate::fleet::fleet_index::FleetIndex;
use crate::fleet::live_updates::LiveStreams;
use crate::fleet::{osmand, projections};
use config::ServeArgs;
use event_store::{EventStore, Wakeups};

/// How long a request waits for a database connection before it is answered 503
/// `database_unavailable`: the bound for answering while PostgreSQL is down is about 2 s,
/// and a healthy pool hands out a connection in well under a millisecond.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The longest a statement of the serving app may run: the slowest one measured (a vehicle's
/// whole history at 1 M events) takes about 300 ms; one running 100 times longer is stuck, and
/// holds a connection ingest needs.
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections of the appends' own pool, beside the `--max-connections` that reads share: group
/// commit keeps up to 4 transactions in flight, and conditional appends (registrations, device
/// assignments) take one each while they decide; 8 leaves room for both.
pub const WRITE_CONNECTIONS: u32 = 8;

/// Connects to PostgreSQL, creating the database if it is missing, and applies the migrations;
/// statements run for at most [`STATEMENT_TIMEOUT`].
pub async fn open_store(database_url: &str, max_connections: u32) -> anyhow::Result<EventStore> {
    open_store_with(database_url, max_connections, Some(STATEMENT_TIMEOUT)).await
}

/// [`open_store`] with a statement timeout of one's own (`None`: no limit, for a rebuild).
pub async fn open_store_with(
    database_url: &str,
    max_connections: u32,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<EventStore> {
    let exists = Postgres::database_exists(database_url)
        .await
        .with_context(|| {
            format!(
                "cannot reach PostgreSQL at {}",
                config::redact(database_url)
            )
        })?;
    if !exists {
        tracing::info!(url = %config::redact(database_url), "creating the database");
        Postgres::create_database(database_url).await?;
    }
    let timeout = statement_timeout.map_or(0, |timeout| timeout.as_millis());
    let options = database_url
        .parse::<sqlx::postgres::PgConnectOptions>()?
        // No JIT: every statement of the app is a few index lookups, which JIT compiles for
        // longer than they run when their cost is overestimated (15-17 ms of compiling for a
        // 1.5 ms boundary read at 5 M events with no statistics yet).
        .options([
            ("statement_timeout", timeout.to_string()),
            ("jit", "off".to_string()),
        ]);
    let pool = |size| {
        PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
    };
    let store =
        EventStore::with_pools(pool(max_connections).await?, pool(WRITE_CONNECTIONS).await?);
    migrate(&store).await.context("applying migrations")?;
    Ok(store)
}

/// Applies the event store's migrations, then the read models' (`migrations/`). Both share
/// PostgreSQL's migration table: each ignores the other's versions.
///
/// They run on a connection of their own, taken out of the pool and closed afterwards, with no
/// statement timeout: rewriting a table of millions of events takes minutes.
pub async fn migrate(store: &EventStore) -> Result<(), sqlx::migrate::MigrateError> {
    use sqlx::Connection;
    let mut connection = store.pool().acquire().await?.detach();
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut connection)
        .await?;
    // GPS fixes are the history a retention limit removes.
    event_store::migrate_on(&mut connection, &[crate::fleet::events::LOCATION_TRACKED]).await?;
    tower_sessions_sqlx_store::PostgresStore::new(store.pool().clone())
        .migrate()
        .await
        .map_err(|error| sqlx::migrate::MigrateError::Source(Box::new(error)))?;
    let mut read_models = sqlx::migrate!("./migrations");
    read_models.set_ignore_missing(true);
    read_models.run(&mut connection).await?;
    connection.close().await?;
    Ok(())
}

/// The whole app: the JSON API, the server functions and the pages.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let (store, map, index, logins, token_uses) = (
        state.store.clone(),
        state.map.clone(),
        state.fleet_index.clone(),
        state.logins.clone(),
        state.token_uses.clone(),
    );
    let options = state.leptos_options.clone();
    // The pages and their server functions, with the API's body limit.
    let pages = hardening::with_body_limit(Router::new().leptos_routes_with_context(
        &state,
        routes,
        move || {
            provide_context(store.clone());
            provide_context(map.clone());
            provide_context(index.clone());
            provide_context(logins.clone());
            provide_context(token_uses.clone());
        },
        move || shell(options.clone()),
    ));
    let app = Router::new()
        .merge(crate::http::router())
        .merge(pages)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell));
    let app = auth::layers::protect(app, &state);
    hardening::with_security_headers(app)
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves the app until SIGTERM or Ctrl-C, then shuts down gracefully within
/// `--shutdown-timeout-seconds` ([`shutdown`]).
pub async fn serve(
    database_url: &str,
    max_connections: u32,
    args: ServeArgs,
) -> anyhow::Result<()> {
    crate::fleet::fix::set_max_ahead_seconds(i64::from(args.max_fix_ahead_seconds));
    let store = open_store(database_url, max_connections).await?;
    let wakeups = Wakeups::listen(store.pool(), Duration::from_millis(args.poll_interval_ms));
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.site_addr = args.site_addr;
    let map = MapSettings {
        tile_url: args.tile_url.clone(),
        attribution: args.tile_attribution.clone(),
        silent_after_seconds: i64::from(args.silent_after_minutes) * 60,
    };
    let fleet_index =
        FleetIndex::with_window(chrono::Duration::hours(i64::from(args.memory_hours)));
    let mut state = AppState::new(
        store,
        wakeups.clone(),
        fleet_index,
        map,
        Some(leptos_options),
    )
    .await?;
    state.sessions = state::SessionSettings {
        idle: Duration::from_secs(u64::from(args.session_idle_hours.max(1)) * 3600),
        secure_cookies: args.secure_cookies,
    };
    state.live_streams = LiveStreams::new(args.max_live_streams);
    background::start(&state, &wakeups);
    if let Some(days) = args.retention_days {
        tracing::info!(
            "retention: the fixes older than {days} days are purged every hour, by whole weeks"
        );
        tokio::spawn(crate::fleet::purge_history::retention::keep(
            state.store.clone(),
            days,
        ));
    }
    shutdown::cancel_on_signal(state.shutdown.clone());
    crate::fleet::access::secrets::prepare()
        .await
        .map_err(|error| anyhow::anyhow!("{}", error.message))?;
    if !fleet_accounts_exist(&state).await? {
        tracing::warn!(
            "no user yet: open http://{} to create the first administrator, or run `fleetline user add --email you@example.com --role admin`",
            args.site_addr
        );
    }
    let listener = tokio::net::TcpListener::bind(args.site_addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.site_addr))?;
    tracing::info!("listening on http://{}", args.site_addr);
    let devices = match args.osmand_addr()? {
        Some(addr) => serve_osmand(addr, state.clone()).await,
        None => None,
    };
    let shutdown = state.shutdown.clone();
    let (store, deadline) = (
        state.store.clone(),
        Duration::from_secs(u64::from(args.shutdown_timeout_seconds)),
    );
    let web = listener::serve(listener, router(state), shutdown.clone());
    let serving = async {
        web.await;
        if let Some(devices) = devices {
            devices.await?;
        }
        Ok(())
    };
    shutdown::serve_until_deadline(serving, &shutdown, deadline).await?;
    // Every request has been answered: what they appended is committed. (After the deadline, a
    // request still running holds its connection: the close waits a moment, not for ever.)
    drop(wakeups);
    let _ = tokio::time::timeout(Duration::from_secs(2), store.close()).await;
    tracing::info!("stopped");
    Ok(())
}

async fn fleet_accounts_exist(state: &AppState) -> anyhow::Result<bool> {
    crate::fleet::access::accounts::any_user(&state.store)
        .await
        .map_err(|error| anyhow::anyhow!("reading the accounts: {}", error.message))
}

/// Starts the GPS devices' listener (OsmAnd protocol); answers its task, which ends once it has
/// shut down with the rest. A busy port is logged, not fatal: the web app keeps serving, and
/// devices can still post to `POST /` of the main address.
async fn serve_osmand(
    addr: std::net::SocketAddr,
    state: AppState,
) -> Option<tokio::task::JoinHandle<()>> {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%addr, %error, "cannot listen for GPS devices (OsmAnd protocol); POST / on the main address still accepts them");
            return None;
        }
    };
    tracing::info!("GPS devices (OsmAnd protocol, e.g. Traccar Client): http://{addr}");
    let shutdown = state.shutdown.clone();
    let app = osmand::http::router(state);
    Some(tokio::spawn(listener::serve(listener, app, shutdown)))
}

/// After a purge the log no longer holds the purged fixes: a rebuild would lose the keyframes and
/// the activity of the purged weeks, and the position of every vehicle silent since then.
pub async fn refuse_rebuild_after_purge(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    match crate::fleet::retention::purged_before(pool).await? {
        Some(before) => anyhow::bail!(
            "the history before {before} was purged: rebuilding the projections from the log would lose what they keep of it (the keyframes, the timeline's activity, the last position of vehicles silent since); restore a backup taken before the purge to rebuild"
        ),
        None => Ok(()),
    }
}

/// Rebuilds every projection from position 0 with a progress bar, while the app may be serving.
pub async fn rebuild_projections(database_url: &str, max_connections: u32) -> anyhow::Result<()> {
    // Building a copy's indexes over millions of rows takes minutes.
    let store = open_store_with(database_url, max_connections, None).await?;
    refuse_rebuild_after_purge(store.pool()).await?;
    let projections = projections::all();
    let bar = indicatif::ProgressBar::new(0).with_style(
        indicatif::ProgressStyle::with_template(
            "{prefix:>18} [{bar:40}] {pos}/{len} events ({per_sec}, {eta} left)",
        )?
        .progress_chars("=> "),
    );
    bar.set_prefix("projections");
    let applied = event_store::rebuild(store.pool(), &projections, 10_000, |progress| {
        bar.set_length(progress.total.max(progress.applied));
        bar.set_position(progress.applied);
    })
    .await?;
    bar.finish();
    let names: Vec<&str> = projections.iter().map(|p| p.name()).collect();
    tracing::info!(projections = ?names, applied, "rebuilt");
    Ok(())
}

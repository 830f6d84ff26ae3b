//! The server: configuration, start-up, the router and the CLI's subcommands.

pub mod auth;
pub mod config;
pub mod hardening;
pub mod health;
pub mod page_policy;
pub mod state;

pub use state::AppState;

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::{migrate::MigrateDatabase, postgres::PgPoolOptions, PgPool, Postgres};
use tower_http::{compression::CompressionLayer, trace::TraceLayer};

use crate::app::{shell, App, MapSettings};
use crate::fleet::fleet_index::FleetIndex;
use crate::fleet::{osmand, projections};
use config::ServeArgs;
use event_store::{EventStore, ProjectionRunner, Wakeups};

/// Connects to PostgreSQL, creating the database if it is missing, and applies the migrations.
pub async fn open_store(database_url: &str, max_connections: u32) -> anyhow::Result<EventStore> {
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
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(database_url)
        .await?;
    let store = EventStore::new(pool);
    migrate(&store).await.context("applying migrations")?;
    Ok(store)
}

/// Applies the event store's migrations, then the read models' (`migrations/`). Both share
/// PostgreSQL's migration table: each ignores the other's versions.
pub async fn migrate(store: &EventStore) -> Result<(), sqlx::migrate::MigrateError> {
    store.migrate().await?;
    tower_sessions_sqlx_store::PostgresStore::new(store.pool().clone())
        .migrate()
        .await
        .map_err(|error| sqlx::migrate::MigrateError::Source(Box::new(error)))?;
    let mut read_models = sqlx::migrate!("./migrations");
    read_models.set_ignore_missing(true);
    read_models.run(store.pool()).await
}

/// Starts one runner per projection, woken by the store's notifications; answers the wake-ups
/// for other subscribers to share.
pub fn start_projections(pool: &PgPool, poll_interval: Duration) -> Wakeups {
    let wakeups = Wakeups::listen(pool, poll_interval);
    for projection in projections::all() {
        tokio::spawn(ProjectionRunner::new(pool.clone(), projection).run(wakeups.clone()));
    }
    wakeups
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

pub async fn serve(
    database_url: &str,
    max_connections: u32,
    args: ServeArgs,
) -> anyhow::Result<()> {
    crate::fleet::fix::set_max_ahead_seconds(i64::from(args.max_fix_ahead_seconds));
    let store = open_store(database_url, max_connections).await?;
    let wakeups = start_projections(store.pool(), Duration::from_millis(args.poll_interval_ms));
    let fleet_index = FleetIndex::spawn(store.clone(), wakeups.clone());
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.site_addr = args.site_addr;
    let map = MapSettings {
        tile_url: args.tile_url.clone(),
        attribution: args.tile_attribution.clone(),
        silent_after_seconds: i64::from(args.silent_after_minutes) * 60,
    };
    let mut state = AppState::new(store, wakeups, fleet_index, map, Some(leptos_options)).await?;
    state.sessions = state::SessionSettings {
        idle: Duration::from_secs(u64::from(args.session_idle_hours.max(1)) * 3600),
        secure_cookies: args.secure_cookies,
    };
    // Ended sessions are deleted hourly: a row each, and nothing reads an expired one.
    let expired_sessions =
        tower_sessions_sqlx_store::PostgresStore::new(state.store.pool().clone());
    tokio::spawn(
        tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
            expired_sessions,
            tokio::time::Duration::from_secs(3600),
        ),
    );
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
    if let Some(addr) = args.osmand_addr()? {
        serve_osmand(addr, state.clone()).await;
    }
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn fleet_accounts_exist(state: &AppState) -> anyhow::Result<bool> {
    crate::fleet::access::accounts::any_user(&state.store)
        .await
        .map_err(|error| anyhow::anyhow!("reading the accounts: {}", error.message))
}

/// Starts the GPS devices' listener (OsmAnd protocol). A busy port is logged, not fatal: the web
/// app keeps serving, and devices can still post to `POST /` of the main address.
async fn serve_osmand(addr: std::net::SocketAddr, state: AppState) {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%addr, %error, "cannot listen for GPS devices (OsmAnd protocol); POST / on the main address still accepts them");
            return;
        }
    };
    tracing::info!("GPS devices (OsmAnd protocol, e.g. Traccar Client): http://{addr}");
    tokio::spawn(async move {
        let app = osmand::http::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "the GPS devices' listener stopped");
        }
    });
}

/// Rebuilds every projection from position 0 with a progress bar, while the app may be serving.
pub async fn rebuild_projections(database_url: &str, max_connections: u32) -> anyhow::Result<()> {
    let store = open_store(database_url, max_connections).await?;
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

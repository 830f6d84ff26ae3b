#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use clap::Parser;
    use fleetline::server::{
        self,
        config::{Cli, Command},
    };

    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()),
        )
        .init();

    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(&cli.database_url, cli.max_connections, cli.serve).await,
        Command::RebuildProjections => {
            server::rebuild_projections(&cli.database_url, cli.max_connections).await
        }
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser entry point is `fleetline::hydrate`; this binary needs the `ssr` feature.
}

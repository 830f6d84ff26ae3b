#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    use clap::Parser;
    use fleetline::server::{
        self,
        config::{Cli, Command, GroupCommand, HistoryCommand, TokenCommand, UserCommand},
    };

    // The log goes to stderr: stdout carries what a command answers (`token create` prints the
    // token alone, for scripts to capture).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
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
        Command::User(command) => {
            let store = server::open_store(&cli.database_url, 2).await?;
            match command {
                UserCommand::Add(user) => {
                    let (email, groups) = (&user.email, &user.groups);
                    fleetline::fleet::add_user::cli::run(&store, email, user.role, groups).await
                }
                UserCommand::Change(user) => {
                    fleetline::fleet::change_user_access::cli::run(&store, &user).await
                }
                UserCommand::Disable { email } => {
                    fleetline::fleet::disable_user::cli::run(&store, &email).await
                }
            }
        }
        Command::Token(command) => {
            let store = server::open_store(&cli.database_url, 2).await?;
            match command {
                TokenCommand::Create {
                    name,
                    role,
                    expires_in_days,
                    groups,
                } => {
                    fleetline::fleet::issue_token::cli::run(
                        &store,
                        &name,
                        role,
                        expires_in_days,
                        &groups,
                    )
                    .await
                }
                TokenCommand::Revoke { token_id } => {
                    fleetline::fleet::revoke_token::revoke(
                        &store,
                        token_id,
                        &fleetline::fleet::access::CausedBy::cli(),
                    )
                    .await
                    .map_err(|error| anyhow::anyhow!("{}", error.message))?;
                    eprintln!("revoked token {token_id}");
                    Ok(())
                }
            }
        }
        Command::History(HistoryCommand::Purge { before }) => {
            let store = server::open_store(&cli.database_url, 2).await?;
            fleetline::fleet::purge_history::cli::run(&store, before).await
        }
        Command::Group(command) => {
            let store = server::open_store(&cli.database_url, 2).await?;
            match command {
                GroupCommand::Create { name } => {
                    fleetline::fleet::create_group::cli::run(&store, &name).await
                }
                GroupCommand::Place { group, vehicle } => {
                    fleetline::fleet::place_in_group::cli::run(&store, &group, &vehicle).await
                }
            }
        }
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser entry point is `fleetline::hydrate`; this binary needs the `ssr` feature.
}

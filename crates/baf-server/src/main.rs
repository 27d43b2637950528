use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use baf_domain::AccountId;
use baf_server::accounts::{self, AccountCommand, KeysCommand};
use baf_server::config::{LogFormat, RetentionCommand, WebhookCommand};
use baf_server::profiles::ProfilesCommand;
use baf_server::{Cli, Command, GlobalArgs};
use clap::Parser;
use tracing_subscriber::EnvFilter;

// Many small, short-lived allocations per request (JSON, headers): mimalloc serves them with less
// contention between threads than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(cli.global.log);
    let command = cli.command.unwrap_or(Command::Serve {
        demo: false,
        demo_rotate: false,
        config: cli.serve,
    });
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Command::Serve { config, .. } = &command
        && let Some(threads) = config.http_threads
    {
        runtime.worker_threads(threads.max(1));
    }
    runtime
        .enable_all()
        .build()?
        .block_on(run(command, cli.global))
}

async fn run(command: Command, global: GlobalArgs) -> anyhow::Result<()> {
    let database_url = &global.database_url;
    match command {
        Command::Serve {
            demo,
            demo_rotate,
            config,
        } => {
            let store = baf_server::connect(database_url, config.db_connections).await?;
            let blobs = baf_server::open_media(&config.media, std::env::vars().collect())?;
            let engine = baf_server::start_engine(&config.engine)?;
            let documents = baf_server::open_document_readers(&config)?;
            let workers = engine.threads();
            let listener = tokio::net::TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            // only a server that can start hands out demo keys
            if demo {
                store.migrate().await?;
                match accounts::demo(&store, "demo", demo_rotate).await? {
                    Some(account) => println!(
                        "demo account keys (shown once; --demo-rotate prints a new pair):\n{}",
                        serde_json::to_string_pretty(&account)?
                    ),
                    None => println!(
                        "demo account exists; its keys were printed when they were made \
                         (--demo-rotate replaces them)"
                    ),
                }
            }
            let served = baf_server::run(
                &config,
                store,
                engine,
                documents,
                blobs,
                listener,
                baf_server::shutdown_signal(),
            )
            .await;
            // every Engine clone went with the router: wait (bounded) for the job each worker has in hand
            let joined = tokio::time::timeout(
                Duration::from_secs(10),
                tokio::task::spawn_blocking(|| workers.join()),
            )
            .await;
            if joined.is_err() {
                tracing::warn!("face workers still busy after 10 s; exiting anyway");
            }
            served
        }
        Command::Migrate => {
            let store = baf_server::connect(database_url, 1).await?;
            store.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Account(command) => {
            if let AccountCommand::Delete {
                account,
                yes: false,
                ..
            } = &command
            {
                anyhow::bail!(
                    "deleting account {account} removes all its data for good: add --yes"
                );
            }
            let store = baf_server::connect(database_url, 1).await?;
            store.migrate().await?;
            let output = match command {
                AccountCommand::Create { name, max_attempts } => serde_json::to_string_pretty(
                    &accounts::create(&store, &name, max_attempts).await?,
                )?,
                AccountCommand::Settings(change) => serde_json::to_string_pretty(
                    &accounts::change_settings(&store, &change).await?,
                )?,
                AccountCommand::List => accounts::list(&store)
                    .await?
                    .iter()
                    .map(serde_json::to_string)
                    .collect::<Result<Vec<_>, _>>()?
                    .join("\n"),
                AccountCommand::Keys(KeysCommand::Rotate {
                    account,
                    grace_minutes,
                }) => serde_json::to_string_pretty(
                    &accounts::rotate_keys(&store, AccountId(account), grace_minutes).await?,
                )?,
                AccountCommand::Keys(KeysCommand::Revoke { account, key }) => {
                    let revoked = accounts::revoke_key(&store, AccountId(account), &key).await?;
                    serde_json::json!({ "revoked": revoked }).to_string()
                }
                AccountCommand::Delete { account, media, .. } => {
                    let blobs = baf_server::open_media(&media, std::env::vars().collect())?;
                    serde_json::to_string_pretty(
                        &accounts::delete(&store, blobs.as_ref(), AccountId(account)).await?,
                    )?
                }
            };
            if !output.is_empty() {
                println!("{output}");
            }
            Ok(())
        }
        Command::Webhooks(WebhookCommand::List { state, limit }) => {
            let store = baf_server::connect(database_url, 1).await?;
            store.migrate().await?;
            let mut conn = store.connection().await?;
            for delivery in baf_store::webhooks::list(&mut conn, state.as_deref(), limit).await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "deliveryId": delivery.id, "accountId": delivery.account, "applicantId": delivery.applicant,
                        "state": delivery.state, "attempts": delivery.attempts, "lastError": delivery.last_error,
                        "created": delivery.created, "delivered": delivery.delivered, "payload": delivery.payload,
                    })
                );
            }
            Ok(())
        }
        Command::Retention {
            media,
            command: RetentionCommand::Run,
        } => {
            let store = baf_server::connect(database_url, 2).await?;
            store.migrate().await?;
            let blobs = baf_server::open_media(&media, std::env::vars().collect())?;
            let pass = baf_app::retention::run_pass(&store, blobs.as_ref()).await?;
            println!("{}", serde_json::to_string_pretty(&pass)?);
            Ok(())
        }
        Command::Face { engine, command } => {
            baf_server::face::run(command, &baf_server::engine_config(&engine))
        }
        Command::Document { args, command } => baf_server::document::run(command, &args),
        Command::Profiles {
            engine,
            media,
            command: ProfilesCommand::Reembed { batch },
        } => {
            let store = baf_server::connect(database_url, 2).await?;
            store.migrate().await?;
            let blobs = baf_server::open_media(&media, std::env::vars().collect())?;
            let engine = baf_server::start_engine(&engine)?;
            let workers = engine.threads();
            let summary = baf_server::profiles::reembed(
                &store,
                blobs,
                &engine,
                batch,
                std::io::stderr().is_terminal(),
            )
            .await;
            drop(engine);
            let _ = tokio::task::spawn_blocking(|| workers.join()).await;
            println!("{}", serde_json::to_string_pretty(&summary?)?);
            Ok(())
        }
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&baf_api::openapi())?);
            Ok(())
        }
    }
}

/// Logs go to stderr, so commands that print JSON keep stdout clean.
fn init_logging(format: LogFormat) {
    let filter =
        EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // colour codes only for a person at a terminal, never in a file or a log collector
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        // the span list holds the current span too: printing both showed each span twice
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .init(),
        LogFormat::Text => builder.init(),
    }
}

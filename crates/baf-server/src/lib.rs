//! The server process: configuration, start-up (migrations, pool), serving with graceful
//! shutdown, and the operator's account commands.

pub mod accounts;
pub mod config;
pub mod document;
pub mod face;
pub mod http;
pub mod profiles;

use std::future::Future;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use baf_api::{ApiConfig, AppState, LinkSigner};
use baf_app::{App, AppConfig, DocumentReaders, Notifier, ProfileIndex, StatusWebhook};
use baf_blobs::BlobStore;
use baf_store::Store;
use config::{EngineArgs, MediaArgs, NotifierKind};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection};

/// How long the first connection to the database may take before start-up gives up.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
use tokio::net::TcpListener;
use verification::{Engine, EngineConfig, PipelineConfig};

pub use config::{Cli, Command, GlobalArgs, ServeConfig};

pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<Store> {
    let shown = redact(database_url);
    let not_postgres = || format!("DATABASE_URL {shown} is not a Postgres connection URL");
    // sqlx reads any scheme as Postgres
    anyhow::ensure!(
        ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| database_url.starts_with(scheme)),
        not_postgres()
    );
    let options: PgConnectOptions = database_url.parse().with_context(not_postgres)?;
    // one plain connection first: the pool would retry a refused port or an unknown host until
    // its timeout and then say only that it timed out
    match tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect_with(&options)).await {
        Err(_) => anyhow::bail!(
            "cannot connect to the database at {shown}: no answer within {} s",
            PROBE_TIMEOUT.as_secs()
        ),
        Ok(Err(error)) => {
            return Err(anyhow::Error::new(error)
                .context(format!("cannot connect to the database at {shown}")));
        }
        Ok(Ok(probe)) => {
            let _ = probe.close().await;
        }
    }
    let pool = PgPoolOptions::new()
        // one connection is held by the face-profile listener; requests need at least one more
        .max_connections(max_connections.max(2))
        .acquire_timeout(std::time::Duration::from_secs(5))
        // a ping before every checkout doubles the round trips of a simple read; a broken
        // connection fails its query instead, and the pool replaces it
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot connect to the database at {shown}"))?;
    Ok(Store::new(pool, max_connections as usize))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Applies pending migrations and serves on `listener` until `shutdown` resolves; requests in
/// flight are finished first.
pub async fn run(
    config: &ServeConfig,
    store: Store,
    engine: Engine,
    documents: DocumentReaders,
    blobs: Arc<dyn BlobStore>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    baf_api::metrics::handle();
    let started = std::time::Instant::now();
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "database migrations applied"
    );
    let started = std::time::Instant::now();
    let profiles = Arc::new(
        ProfileIndex::load(&store, engine.embedding_model())
            .await
            .context("loading face profiles")?,
    );
    tracing::info!(
        profiles = profiles.total(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "face galleries loaded"
    );
    Arc::clone(&profiles).follow(store.clone());
    let link_key = {
        let mut conn = store.connection().await?;
        baf_store::secrets::get_or_create(&mut conn, baf_api::capability::KEY_NAME, || {
            rand::random::<[u8; 32]>().to_vec()
        })
        .await?
    };
    let app_config = app_config(config)?;
    if let Some(hook) = &app_config.status_webhook {
        baf_app::webhooks::deliver_forever(store.clone(), hook.clone());
    }
    baf_app::retention::retain_forever(store.clone(), Arc::clone(&blobs));
    let app = App::new(store, blobs, engine, documents, profiles, app_config);
    let api_config = ApiConfig {
        body_limit: config.body_limit_bytes,
        link_ttl: chrono::Duration::minutes(i64::from(config.link_ttl_minutes)),
        body_deadline: Duration::from_secs(config.body_read_timeout_seconds.into()),
        trusted_proxies: config.trusted_proxies.clone(),
        metrics_on_own_listener: config.metrics_listen.is_some(),
    };
    let state = AppState::new(app, LinkSigner::new(link_key), api_config);
    let metrics = match config.metrics_listen {
        Some(address) => {
            let listener = TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen on {address} for metrics"))?;
            tracing::info!(%address, "serving /metrics");
            let router = baf_api::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(error) = axum::serve(listener, router).await {
                    tracing::error!(%error, "the metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let service = baf_api::service(state);
    let limits = http::ConnectionLimits {
        header_read: Duration::from_secs(config.header_read_timeout_seconds.into()),
        shutdown_grace: Duration::from_secs(config.shutdown_grace_seconds.into()),
    };
    let tls = tls_acceptor(config)?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(address = %listener.local_addr()?, scheme, public_url = %config.public_url, "serving the BAF API");
    http::serve(listener, service, limits, tls, shutdown).await;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    Ok(())
}

/// The TLS server settings when `BAF_TLS_CERT` and `BAF_TLS_KEY` name a PEM certificate chain
/// and its private key; both or neither.
fn tls_acceptor(config: &ServeConfig) -> anyhow::Result<Option<tokio_rustls::TlsAcceptor>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let (cert, key) = match (&config.tls_cert, &config.tls_key) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        _ => anyhow::bail!("BAF_TLS_CERT and BAF_TLS_KEY go together: set both, or neither"),
    };
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("reading the TLS certificate chain {}", cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "{} holds no certificate", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("reading the TLS private key {}", key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the TLS certificate and key do not make a server identity")?;
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(server))))
}

fn app_config(config: &ServeConfig) -> anyhow::Result<AppConfig> {
    let notifier = match config.notifier {
        NotifierKind::Log => Notifier::Log,
        NotifierKind::Webhook => Notifier::Webhook {
            client: reqwest::Client::new(),
            url: config
                .notifier_url
                .clone()
                .context("BAF_NOTIFIER=webhook needs BAF_NOTIFIER_URL")?,
            secret: config.notifier_secret.clone(),
        },
    };
    Ok(AppConfig {
        public_url: config.public_url.clone(),
        notifier,
        status_webhook: config.status_webhook_url.clone().map(|url| StatusWebhook {
            url,
            secret: config.status_webhook_secret.clone(),
        }),
    })
}

/// Where media live, from the setting and the `AWS_*` variables of `environment` (the process's).
pub fn open_media(
    media: &MediaArgs,
    environment: Vec<(String, String)>,
) -> anyhow::Result<Arc<dyn BlobStore>> {
    // the setting was a folder named by BAF_MEDIA_DIR: a deployment still setting it would
    // otherwise write to ./media and lose sight of its files
    if environment.iter().any(|(name, _)| name == "BAF_MEDIA_DIR") {
        anyhow::bail!(
            "BAF_MEDIA_DIR is now BAF_MEDIA_URL (a folder or s3://bucket): rename the variable"
        );
    }
    baf_blobs::open(&media.media_url, environment)
        .with_context(|| format!("opening the media store {}", media.media_url))
}

/// The face engine's settings from the command line's.
pub fn engine_config(config: &EngineArgs) -> EngineConfig {
    let defaults = EngineConfig::default();
    let workers = config.face_workers.unwrap_or(defaults.workers).max(1);
    EngineConfig {
        pipeline: PipelineConfig {
            models_dir: config.models_dir.clone(),
            intra_threads: config.face_threads.max(1),
            ..defaults.pipeline
        },
        workers,
        queue_len: config.face_queue.unwrap_or(4 * workers),
        decode_memory: config.decode_memory_mib << 20,
        ..defaults
    }
}

/// Opens the document readers on the text models of `config.documents`.
pub fn open_document_readers(config: &ServeConfig) -> anyhow::Result<DocumentReaders> {
    let readers = config
        .document_readers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let dylib = PipelineConfig::default().dylib_path();
    let models = &config.documents.ocr_models_dir;
    DocumentReaders::open(&dylib, models, readers).with_context(|| {
        format!(
            "loading the text models from {} (scripts/fetch-ocr-models.sh)",
            models.display()
        )
    })
}

/// Starts the face engine: checks every model file and opens the sessions of each worker.
pub fn start_engine(config: &EngineArgs) -> anyhow::Result<Engine> {
    let started = std::time::Instant::now();
    let engine = Engine::start(&engine_config(config)).context("starting the face engine")?;
    tracing::info!(
        workers = engine.workers(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "face engine ready"
    );
    Ok(engine)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("postgres://u:secret@db:5432/baf"),
            "postgres://…@db:5432/baf"
        );
        assert_eq!(super::redact("postgres://db/baf"), "postgres://db/baf");
    }

    #[test]
    fn the_former_media_variable_is_refused_not_ignored() {
        let folder = tempfile::tempdir().unwrap();
        let media = super::MediaArgs {
            media_url: folder.path().display().to_string(),
        };
        assert!(super::open_media(&media, Vec::new()).is_ok());
        let refused = super::open_media(&media, vec![("BAF_MEDIA_DIR".into(), "/srv".into())])
            .err()
            .unwrap();
        assert!(refused.to_string().contains("BAF_MEDIA_URL"), "{refused}");
    }
}

//! Command line and environment. Every setting has a flag and a `BAF_…` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::accounts::AccountCommand;
use crate::document::{DocumentArgs, DocumentCommand};
use crate::face::FaceCommand;
use crate::profiles::ProfilesCommand;

/// Self-hosted, BAF-compatible face verification server.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The server's settings when no command is named (`serve` is the default).
    #[command(flatten)]
    pub serve: Box<ServeConfig>,
}

/// What every command reads.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Postgres connection URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/baf",
        global = true
    )]
    pub database_url: String,
    /// Log format: `text` or `json`.
    #[arg(long, env = "BAF_LOG", default_value = "text", global = true)]
    pub log: LogFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve {
        /// Ensure an account named `demo`; its keys are printed when it is created, once the
        /// server is ready to listen.
        #[arg(long)]
        demo: bool,
        /// With `--demo`: replace the existing demo account's keys with a new pair and print it.
        #[arg(long, requires = "demo")]
        demo_rotate: bool,
        #[command(flatten)]
        config: Box<ServeConfig>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create, list and delete accounts, change their settings, rotate and revoke their keys.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Print the OpenAPI document generated from the code.
    Openapi,
    /// The status-webhook delivery log.
    #[command(subcommand)]
    Webhooks(WebhookCommand),
    /// Run the face pipeline on image files and print JSON (faces, quality, liveness, similarity),
    /// or measure its accuracy on a labelled set.
    Face {
        #[command(flatten)]
        engine: EngineArgs,
        #[command(subcommand)]
        command: FaceCommand,
    },
    /// Read document pictures (machine-readable zones, licence barcodes) and print JSON.
    Document {
        #[command(flatten)]
        args: DocumentArgs,
        #[command(subcommand)]
        command: DocumentCommand,
    },
    /// Delete the attempt media past their account's retention, once (every server also does
    /// it hourly), and print what was removed.
    Retention {
        #[command(flatten)]
        media: MediaArgs,
        #[command(subcommand)]
        command: RetentionCommand,
    },
    /// Maintain the stored face profiles.
    Profiles {
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        media: MediaArgs,
        #[command(subcommand)]
        command: ProfilesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// One pass over every account; another process's pass in progress is left to finish.
    Run,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Print deliveries as JSON, newest first.
    List {
        /// Only deliveries in this state: pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        /// How many deliveries to print at most.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "BAF_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,
    /// Base URL of this server as applicants reach it; validation links are built from it.
    #[arg(long, env = "BAF_PUBLIC_URL", default_value = "http://localhost:8080")]
    pub public_url: String,
    /// Database connections in each pool (transactions; single statements).
    #[arg(long, env = "BAF_DB_CONNECTIONS", default_value_t = 16)]
    pub db_connections: u32,
    /// Seconds a client may take to send a request's headers; a slower connection is closed.
    #[arg(long, env = "BAF_HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_read_timeout_seconds: u16,
    /// Seconds requests in flight get to finish after SIGTERM; connections still open then are
    /// closed.
    #[arg(long, env = "BAF_SHUTDOWN_GRACE_SECONDS", default_value_t = 20)]
    pub shutdown_grace_seconds: u16,
    /// Seconds a client may take to send a request's body (a 32 MB body needs about 4.5 Mbit/s
    /// at the default); a slower one is answered 408.
    #[arg(long, env = "BAF_BODY_READ_TIMEOUT_SECONDS", default_value_t = 60)]
    pub body_read_timeout_seconds: u16,
    /// Largest request body in bytes (base64 images: about 4/3 of the image size).
    #[arg(long, env = "BAF_BODY_LIMIT_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// Minutes the verification page's capability stays valid after the link is opened.
    #[arg(long, env = "BAF_LINK_TTL_MINUTES", default_value_t = 30)]
    pub link_ttl_minutes: u32,
    /// Where `sendSms` and `ReNotify` send the verification link: `log` or `webhook`.
    #[arg(long, env = "BAF_NOTIFIER", default_value = "log")]
    pub notifier: NotifierKind,
    /// The SMS gateway webhook that receives `{applicantId, phone, link, message}` (notifier `webhook`).
    #[arg(long, env = "BAF_NOTIFIER_URL")]
    pub notifier_url: Option<String>,
    /// Key of the `X-Baf-Signature` HMAC-SHA256 on notifier webhooks.
    #[arg(
        long,
        env = "BAF_NOTIFIER_SECRET",
        default_value = "",
        hide_default_value = true
    )]
    pub notifier_secret: String,
    /// POST every applicant status change here (off when unset).
    #[arg(long, env = "BAF_STATUS_WEBHOOK_URL")]
    pub status_webhook_url: Option<String>,
    /// Key of the `X-Baf-Signature` HMAC-SHA256 on status webhooks.
    #[arg(
        long,
        env = "BAF_STATUS_WEBHOOK_SECRET",
        default_value = "",
        hide_default_value = true
    )]
    pub status_webhook_secret: String,
    /// Threads serving HTTP and the database (default: one per core). Face inference has its
    /// own threads (BAF_FACE_WORKERS).
    #[arg(long, env = "BAF_HTTP_THREADS")]
    pub http_threads: Option<usize>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub documents: DocumentArgs,
    /// Document readers, each with its own text-model sessions; a registration finding them all
    /// busy is answered 503 + Retry-After (default: one per core).
    #[arg(long, env = "BAF_DOCUMENT_READERS")]
    pub document_readers: Option<usize>,
    #[command(flatten)]
    pub media: MediaArgs,
    /// Reverse proxies (addresses or networks, comma-separated) whose `X-Forwarded-For` names
    /// the client; from any other peer the header is ignored.
    #[arg(long, env = "BAF_TRUSTED_PROXIES", value_delimiter = ',', value_parser = baf_api::client::parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve the unauthenticated `/metrics` (Prometheus) on this address instead of with the API.
    #[arg(long, env = "BAF_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    /// Serve HTTPS with this PEM certificate chain (with `BAF_TLS_KEY`); read at start.
    #[arg(long, env = "BAF_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of `BAF_TLS_CERT` (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "BAF_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
}

/// The face engine's settings (serving, `face`, `profiles`).
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Folder holding the ONNX models of models/manifest.toml (checked by sha256 at start).
    #[arg(long, env = "BAF_MODELS_DIR", default_value = "models")]
    pub models_dir: PathBuf,
    /// Face worker threads, each with its own model sessions (default: one per core).
    #[arg(long, env = "BAF_FACE_WORKERS")]
    pub face_workers: Option<usize>,
    /// Threads inside each model run; keep workers × threads ≤ cores.
    #[arg(long, env = "BAF_FACE_THREADS", default_value_t = 1)]
    pub face_threads: usize,
    /// Images waiting for a worker beyond those in work; more are answered 503 + Retry-After
    /// (default: 4 per worker).
    #[arg(long, env = "BAF_FACE_QUEUE")]
    pub face_queue: Option<usize>,
    /// MiB that all face workers and document readers together may hold in decoded images; one
    /// image takes at most 96 (a larger JPEG is decoded at a reduced scale, anything else
    /// refused), and a worker or reader waits while the others hold the rest.
    #[arg(long, env = "BAF_DECODE_MEMORY_MIB", default_value_t = verification::DEFAULT_DECODE_MEMORY >> 20)]
    pub decode_memory_mib: u64,
}

/// Where media live (serving, `profiles`).
#[derive(Debug, Clone, Args)]
pub struct MediaArgs {
    /// Where the attempts' images and videos live: a folder (created when missing), or
    /// `s3://bucket[/prefix]` with the `AWS_*` variables (region, endpoint, credentials). Every
    /// server process on one database must use the same place.
    #[arg(long, env = "BAF_MEDIA_URL", default_value = "media")]
    pub media_url: String,
}

impl Default for ServeConfig {
    /// Every setting at the default its flag documents, whatever the environment holds: the
    /// values come from the clap definitions, with the environment variables switched off.
    fn default() -> Self {
        let command = Self::augment_args(clap::Command::new("baf-server"))
            .mut_args(|arg| arg.env(clap::builder::Resettable::Reset));
        let matches = command
            .try_get_matches_from(["baf-server"])
            .expect("every setting has a default or is optional");
        Self::from_arg_matches(&matches).expect("the defaults parse")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NotifierKind {
    Log,
    Webhook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flag of every command explains itself, and only `serve` (and the bare command)
    /// carries the server's settings.
    #[test]
    fn every_flag_has_a_help_text_and_subcommands_do_not_repeat_the_servers() {
        use clap::CommandFactory;
        fn visit(
            command: &clap::Command,
            path: &str,
            missing: &mut Vec<String>,
            server: &mut Vec<String>,
        ) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
                if id == "public_url" {
                    server.push(path.to_owned());
                }
            }
            for sub in command.get_subcommands() {
                visit(sub, &format!("{path} {}", sub.get_name()), missing, server);
            }
        }
        let (mut missing, mut server) = (Vec::new(), Vec::new());
        visit(&Cli::command(), "baf-server", &mut missing, &mut server);
        assert!(missing.is_empty(), "flags without help: {missing:?}");
        assert_eq!(server, ["baf-server", "baf-server serve"]);
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn the_default_config_is_the_documented_one() {
        let config = ServeConfig::default();
        assert_eq!(config.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.body_limit_bytes, 32 * 1024 * 1024);
        assert_eq!(config.notifier, NotifierKind::Log);
        assert_eq!(config.engine.face_workers, None);
        assert_eq!(config.media.media_url, "media");
    }

    /// The README's configuration table against the flags: every variable a flag reads has a row,
    /// with the flag's default where it has one, and every `BAF_` row but compose's is a flag.
    #[test]
    fn the_readme_table_is_the_command_line() {
        use clap::CommandFactory;
        let readme = include_str!("../../../README.md");
        let rows: std::collections::HashMap<&str, &str> = readme
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let variable = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((variable, *cells.get(2)?))
            })
            .collect();
        let command = Cli::command();
        let mut documented = std::collections::HashSet::new();
        for arg in command.get_arguments() {
            let Some(env) = arg.get_env().and_then(|e| e.to_str()) else {
                continue;
            };
            let row = rows
                .get(env)
                .unwrap_or_else(|| panic!("README's configuration table has no row for {env}"));
            let default = arg.get_default_values().first().and_then(|d| d.to_str());
            if let Some(default) = default.filter(|d| !d.is_empty()) {
                assert!(
                    row.starts_with(&format!("`{default}`")),
                    "README says {row} for {env}, the flag's default is {default}"
                );
            }
            documented.insert(env);
        }
        for (variable, default) in &rows {
            if variable.starts_with("BAF_") && !readme_row_is_compose_only(readme, variable) {
                assert!(
                    documented.contains(variable),
                    "README documents {variable} (default {default}), which no flag reads"
                );
            }
        }
    }

    fn readme_row_is_compose_only(readme: &str, variable: &str) -> bool {
        readme.lines().any(|line| {
            line.starts_with(&format!("| `{variable}`")) && line.contains("compose only")
        })
    }

    #[test]
    fn serving_is_the_default() {
        let cli = Cli::try_parse_from(["baf-server", "--listen", "127.0.0.1:0"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.listen.port(), 0);
        let cli = Cli::try_parse_from(["baf-server", "serve", "--demo", "--listen", "127.0.0.1:0"])
            .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Serve { demo: true, config, .. }) if config.listen.port() == 0
        ));
    }

    /// Commands take the flags they use: the database and log format everywhere, the server's
    /// own settings only when serving.
    #[test]
    fn commands_do_not_take_the_servers_flags() {
        let cli = Cli::try_parse_from([
            "baf-server",
            "account",
            "create",
            "--name",
            "acme",
            "--database-url",
            "postgres://db/baf",
        ])
        .unwrap();
        assert_eq!(cli.global.database_url, "postgres://db/baf");
        for refused in [
            &[
                "baf-server",
                "account",
                "create",
                "--name",
                "a",
                "--listen",
                "0.0.0.0:1",
            ][..],
            &["baf-server", "--listen", "0.0.0.0:1", "migrate"],
            &["baf-server", "webhooks", "list", "--media-url", "media"],
        ] {
            assert!(Cli::try_parse_from(refused).is_err(), "{refused:?}");
        }
        let cli = Cli::try_parse_from([
            "baf-server",
            "face",
            "--models-dir",
            "m",
            "analyze",
            "a.jpg",
        ])
        .unwrap();
        assert!(
            matches!(cli.command, Some(Command::Face { engine, .. }) if engine.models_dir.as_os_str() == "m")
        );
    }
}

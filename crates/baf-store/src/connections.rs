//! Connections for single statements, pooled without sqlx's ping on release.
//!
//! sqlx's pool sends a round trip to Postgres every time a connection goes back, which doubles the
//! database work of a one-query request (a primary-key read costs two wake-ups of a backend instead
//! of one). Connections here are checked only when they may be stale: after sitting idle, or after
//! any statement in the process failed at the connection level.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use sqlx::Connection as _;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgDatabaseError, PgSeverity};

use crate::Error;

/// Counts connection-level failures (I/O, TLS, protocol); a change makes every pooled connection
/// prove itself with a ping before its next use, so a restarted Postgres is noticed at once.
static CONNECTION_FAILURES: AtomicU64 = AtomicU64::new(0);

/// Counts `error` when it is a connection-level failure, and says whether it was one.
pub(crate) fn note_failure(error: &sqlx::Error) -> bool {
    let connection_lost = match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        // FATAL ends the session: a terminated backend says so before it closes the socket
        sqlx::Error::Database(error) => error
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|error| matches!(error.severity(), PgSeverity::Fatal | PgSeverity::Panic)),
        _ => false,
    };
    if connection_lost {
        CONNECTION_FAILURES.fetch_add(1, Ordering::Relaxed);
    }
    connection_lost
}

/// A connection idle for longer than this is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Connector {
    options: PgConnectOptions,
}

/// A connection and the failure count it was last known good at.
#[derive(Debug)]
pub struct Checked {
    connection: PgConnection,
    failures_seen: u64,
}

impl managed::Manager for Connector {
    type Type = Checked;
    type Error = sqlx::Error;

    async fn create(&self) -> Result<Checked, sqlx::Error> {
        let failures_seen = CONNECTION_FAILURES.load(Ordering::Relaxed);
        Ok(Checked {
            connection: PgConnection::connect_with(&self.options).await?,
            failures_seen,
        })
    }

    async fn recycle(
        &self,
        checked: &mut Checked,
        metrics: &Metrics,
    ) -> RecycleResult<sqlx::Error> {
        let failures = CONNECTION_FAILURES.load(Ordering::Relaxed);
        // A statement abandoned mid-way (its request was cancelled) is drained by the next one.
        if checked.failures_seen != failures || metrics.last_used() > IDLE_BEFORE_PING {
            checked
                .connection
                .ping()
                .await
                .map_err(RecycleError::Backend)?;
            checked.failures_seen = failures;
        }
        Ok(())
    }
}

pub type Connection = managed::Object<Connector>;
pub(crate) type Pool = managed::Pool<Connector>;

pub(crate) fn pool(options: PgConnectOptions, max_connections: usize) -> Pool {
    managed::Pool::builder(Connector { options })
        .max_size(max_connections.max(1))
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and timeouts builds")
}

pub(crate) async fn get(pool: &Pool) -> Result<Connection, Error> {
    pool.get().await.map_err(|error| match error {
        managed::PoolError::Backend(error) => Error::from(error),
        managed::PoolError::Timeout(_) => Error::Busy,
        other => Error::Database(sqlx::Error::Configuration(other.to_string().into())),
    })
}

impl std::ops::Deref for Checked {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.connection
    }
}

impl std::ops::DerefMut for Checked {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.connection
    }
}

//! Postgres is the source of truth. Queries are `query!`/`query_as!` checked at compile time
//! (offline data in `.sqlx/`), always filtered by account, and take `&mut PgConnection` so a caller
//! composes lock → decide → write inside one transaction.

pub mod accounts;
pub mod applicants;
pub mod attempts;
pub mod blacklist;
pub mod connections;
mod error;
pub mod profiles;
pub mod retention;
pub mod risks;
pub mod secrets;
pub mod webhooks;

pub use error::Error;
pub use sqlx::{Connection, PgConnection, PgPool, Postgres, Transaction};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: PgPool,
    statements: connections::Pool,
}

impl Store {
    /// `pool` serves transactions, listeners and migrations; single statements take a connection
    /// from a second pool of up to `max_connections` that skips sqlx's round trip on release.
    pub fn new(pool: PgPool, max_connections: usize) -> Self {
        let statements =
            connections::pool(pool.connect_options().as_ref().clone(), max_connections);
        Self { pool, statements }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Postgres>, Error> {
        Ok(self.pool.begin().await?)
    }

    /// Commits through the store's error mapping, like every other statement.
    pub async fn commit(tx: Transaction<'static, Postgres>) -> Result<(), Error> {
        Ok(tx.commit().await?)
    }

    pub async fn connection(&self) -> Result<connections::Connection, Error> {
        connections::get(&self.statements).await
    }

    pub async fn migrate(&self) -> Result<(), Error> {
        MIGRATOR.run(&self.pool).await.map_err(Error::Migration)
    }

    /// Readiness: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query!("select 1 as one")
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }
}

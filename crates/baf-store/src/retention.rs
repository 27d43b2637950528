//! Media retention: which attempts' files are past their account's retention, and removing them
//! in short transactions while one pass at a time holds the retention lock.

use baf_domain::{AccountId, AccountSettings, AttemptId};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};

use crate::{Error, Store, accounts};

/// A connection of its own holding the retention lock: the lock lives exactly as long as the
/// connection, so a pass that fails half-way cannot leave it held.
pub struct RetentionLock(PgConnection);

impl RetentionLock {
    /// The lock when no other process holds it.
    pub async fn try_acquire(store: &Store) -> Result<Option<Self>, Error> {
        let mut conn = store.pool().acquire().await?.detach();
        let locked = sqlx::query_scalar!(
            r#"select pg_try_advisory_lock(hashtextextended('media_retention', 0)) as "locked!""#
        )
        .fetch_one(&mut conn)
        .await?;
        Ok(locked.then_some(Self(conn)))
    }

    pub fn connection(&mut self) -> &mut PgConnection {
        &mut self.0
    }

    /// Ends the connection, and with it the lock.
    pub async fn release(self) {
        let _ = self.0.close().await;
    }
}

/// Every account with its settings, for the retention of each.
pub async fn accounts(conn: &mut PgConnection) -> Result<Vec<(AccountId, AccountSettings)>, Error> {
    let rows = sqlx::query!("select account_id, settings from account order by account_id")
        .fetch_all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok((
                AccountId(row.account_id),
                accounts::parse_settings(row.settings)?,
            ))
        })
        .collect()
}

/// An attempt whose files are to go, with the blob keys of those in the blob store.
#[derive(Clone, Debug)]
pub struct ExpiredAttempt {
    pub id: AttemptId,
    pub blob_keys: Vec<String>,
}

/// Up to `limit` of the account's attempts (authorizations, or the others) made before `before`
/// whose files are still kept, locked until the transaction ends.
pub async fn expired_batch(
    conn: &mut PgConnection,
    account: AccountId,
    authorizations: bool,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ExpiredAttempt>, Error> {
    let rows = sqlx::query!(
        r#"with expired as (
               select attempt_id from attempt
               where account_id = $1 and media_removed is null and created < $2
                 and (record->>'flow' = 'authorization') = $3
               order by created limit $4
               for update skip locked)
           select e.attempt_id as "attempt_id!",
                  coalesce(array_agg(m.blob_key) filter (where m.blob_key is not null), '{}') as "blob_keys!"
           from expired e left join attempt_media m using (attempt_id)
           group by e.attempt_id order by e.attempt_id"#,
        account.0,
        before,
        authorizations,
        limit,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ExpiredAttempt {
            id: AttemptId(row.attempt_id),
            blob_keys: row.blob_keys,
        })
        .collect())
}

/// Forgets the attempts' files: their rows go, the attempts are marked, and a profile whose image
/// was one of them keeps its embedding without the image. Returns the file rows removed.
pub async fn remove_media(
    conn: &mut PgConnection,
    attempts: &[AttemptId],
    blob_keys: &[String],
) -> Result<u64, Error> {
    let ids: Vec<i64> = attempts.iter().map(|a| a.0).collect();
    let removed = sqlx::query!("delete from attempt_media where attempt_id = any($1)", &ids)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query!(
        "update attempt set media_removed = now() where attempt_id = any($1)",
        &ids
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "update face_profile set image_key = null where image_key = any($1)",
        blob_keys
    )
    .execute(conn)
    .await?;
    Ok(removed)
}

pub async fn record_pass(
    conn: &mut PgConnection,
    started: DateTime<Utc>,
    attempts: u64,
    files: u64,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into retention_pass (started, finished, attempts, files) values ($1, now(), $2, $3)",
        started,
        i64::try_from(attempts).unwrap_or(i64::MAX),
        i64::try_from(files).unwrap_or(i64::MAX),
    )
    .execute(conn)
    .await?;
    Ok(())
}

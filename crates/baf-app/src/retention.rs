//! The media retention pass: deletes the images and videos of attempts past their account's
//! retention, in batches, one pass at a time across every server process.

use std::sync::Arc;
use std::time::Duration;

use baf_blobs::{BlobKey, BlobStore};
use baf_store::retention::{self, RetentionLock};
use baf_store::{Connection, Store};
use chrono::Utc;
use serde::Serialize;

use crate::Error;

/// Attempts per transaction: each holds its rows' locks only for one batch.
const BATCH: i64 = 200;
/// How often each server runs a pass.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPass {
    /// False when another process was running a pass.
    pub ran: bool,
    pub attempts: u64,
    pub files: u64,
    /// Files whose rows went but whose blobs could not be deleted (logged; nothing names them).
    pub files_left: u64,
}

/// One pass over every account.
pub async fn run_pass(store: &Store, blobs: &dyn BlobStore) -> Result<RetentionPass, Error> {
    let Some(mut lock) = RetentionLock::try_acquire(store).await? else {
        return Ok(RetentionPass::default());
    };
    let started = Utc::now();
    let mut pass = RetentionPass {
        ran: true,
        ..RetentionPass::default()
    };
    let conn = lock.connection();
    for (account, settings) in retention::accounts(conn).await? {
        for authorizations in [true, false] {
            let Some(before) = settings.retention.cutoff(authorizations, started) else {
                continue;
            };
            loop {
                let mut tx = conn.begin().await.map_err(baf_store::Error::from)?;
                let batch =
                    retention::expired_batch(&mut tx, account, authorizations, before, BATCH)
                        .await?;
                if batch.is_empty() {
                    break;
                }
                let ids: Vec<_> = batch.iter().map(|a| a.id).collect();
                let keys: Vec<String> = batch.iter().flat_map(|a| a.blob_keys.clone()).collect();
                pass.files += retention::remove_media(&mut tx, &ids, &keys).await?;
                tx.commit().await.map_err(baf_store::Error::from)?;
                pass.attempts += ids.len() as u64;
                // the rows are gone first: a crash here leaves files nothing names, never a row
                // naming a missing file
                pass.files_left += delete_blobs(blobs, &keys).await;
            }
        }
    }
    retention::record_pass(conn, started, pass.attempts, pass.files).await?;
    lock.release().await;
    if pass.attempts > 0 {
        tracing::info!(
            attempts = pass.attempts,
            files = pass.files,
            "deleted expired attempt media"
        );
    }
    Ok(pass)
}

async fn delete_blobs(blobs: &dyn BlobStore, keys: &[String]) -> u64 {
    let mut left = 0;
    for key in keys {
        let deleted = match BlobKey::parse(key) {
            Ok(parsed) => blobs.delete(&parsed).await.map_err(anyhow::Error::from),
            Err(error) => Err(error.into()),
        };
        if let Err(error) = deleted {
            tracing::warn!(
                key,
                error = format!("{error:#}"),
                "an expired file was not deleted"
            );
            left += 1;
        }
    }
    left
}

/// Runs a pass every [`INTERVAL`] until the process ends; a failed pass is logged and retried at
/// the next.
pub fn retain_forever(store: Store, blobs: Arc<dyn BlobStore>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = run_pass(&store, blobs.as_ref()).await {
                tracing::warn!(
                    error = format!("{:#}", anyhow::Error::from(error)),
                    "the media retention pass failed"
                );
            }
        }
    });
}

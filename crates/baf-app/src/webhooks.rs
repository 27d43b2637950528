//! Status-change webhooks (beyond BAF, off unless configured): every change of an applicant's
//! status is written to an outbox in the transaction that makes it, then POSTed, signed, by a
//! background worker that retries with exponential back-off and keeps a delivery log.

use std::time::Duration;

use baf_domain::applicant::Applicant;
use baf_domain::{ApplicantStatus, AttemptId};
use baf_store::{PgConnection, Store, webhooks};
use chrono::Utc;

use crate::notify::post_signed;

/// Where status changes go.
#[derive(Clone, Debug)]
pub struct StatusWebhook {
    pub url: String,
    pub secret: String,
}

/// Tries per delivery before it is marked failed; the waits double from one second.
pub const MAX_TRIES: i32 = 8;
const FIRST_RETRY_MS: i64 = 1000;
const POLL: Duration = Duration::from_millis(500);

/// Writes the change to the outbox when webhooks are on; called inside the changing transaction.
pub async fn status_changed(
    conn: &mut PgConnection,
    hook: Option<&StatusWebhook>,
    applicant: &Applicant,
    status: ApplicantStatus,
    attempt: Option<AttemptId>,
) -> Result<(), baf_store::Error> {
    if hook.is_none() || applicant.status == status {
        return Ok(());
    }
    let payload = serde_json::json!({
        "event": "applicant.statusChanged",
        "applicantId": applicant.id,
        "accountId": applicant.account_id,
        "referenceId": applicant.reference_id,
        "previousStatus": applicant.status.code(),
        "previousStatusName": applicant.status.name(),
        "status": status.code(),
        "statusName": status.name(),
        "completed": status.is_completed(),
        "attemptId": attempt.map(|a| a.0),
        "occurred": Utc::now().naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
    });
    webhooks::enqueue(conn, applicant.account_id, applicant.id, &payload).await
}

/// Delivers due outbox rows until the process ends. Several processes may run this: each claims
/// rows with `skip locked`, so a row is sent by one of them at a time.
pub fn deliver_forever(store: Store, hook: StatusWebhook) {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        loop {
            match deliver_due(&store, &client, &hook).await {
                Ok(0) => tokio::time::sleep(POLL).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "status webhook delivery failed to run");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
}

async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    hook: &StatusWebhook,
) -> Result<usize, baf_store::Error> {
    let mut tx = store.begin().await?;
    let due = webhooks::claim_due(&mut tx, 16).await?;
    for delivery in &due {
        let body = serde_json::to_vec(&delivery.payload).expect("payloads serialize");
        match post_signed(client, &hook.url, &hook.secret, &body).await {
            Ok(()) => webhooks::mark_delivered(&mut tx, delivery.id).await?,
            Err(error) => {
                let tries = delivery.attempts + 1;
                let retry = (tries < MAX_TRIES).then(|| FIRST_RETRY_MS << (tries - 1).min(16));
                tracing::warn!(delivery = delivery.id, tries, %error, "status webhook not delivered");
                webhooks::mark_failed_try(&mut tx, delivery.id, &error.to_string(), retry).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

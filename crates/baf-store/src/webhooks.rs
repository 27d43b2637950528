//! The outbox of status-change webhooks: rows are written with the status change, delivered by a
//! background worker, retried with back-off, and kept as the operators' delivery log.

use baf_domain::{AccountId, ApplicantId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Error;

#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: i64,
    pub account: AccountId,
    pub applicant: ApplicantId,
    pub payload: serde_json::Value,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created: DateTime<Utc>,
    pub delivered: Option<DateTime<Utc>>,
}

struct DeliveryRow {
    id: i64,
    account_id: uuid::Uuid,
    applicant_id: uuid::Uuid,
    payload: serde_json::Value,
    state: String,
    attempts: i32,
    last_error: Option<String>,
    created: DateTime<Utc>,
    delivered: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for Delivery {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            account: AccountId(row.account_id),
            applicant: ApplicantId(row.applicant_id),
            payload: row.payload,
            state: row.state,
            attempts: row.attempts,
            last_error: row.last_error,
            created: row.created,
            delivered: row.delivered,
        }
    }
}

pub async fn enqueue(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    payload: &serde_json::Value,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into webhook_delivery (account_id, applicant_id, payload) values ($1, $2, $3)",
        account.0,
        applicant.0,
        payload
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deliveries that are due, locked for this worker until its transaction ends; other workers
/// (other processes) skip them.
pub async fn claim_due(conn: &mut PgConnection, limit: i64) -> Result<Vec<Delivery>, Error> {
    let rows = sqlx::query_as!(
        DeliveryRow,
        r#"select delivery_id as id, account_id, applicant_id, payload, state, attempts,
                  last_error, created, delivered
           from webhook_delivery where state = 'pending' and next_attempt <= now()
           order by delivery_id limit $1 for update skip locked"#,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

pub async fn mark_delivered(conn: &mut PgConnection, id: i64) -> Result<(), Error> {
    sqlx::query!(
        "update webhook_delivery set state = 'delivered', attempts = attempts + 1, delivered = now(), last_error = null
         where delivery_id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A failed try: retried after `retry_in_ms`, or given up (`failed`) when `retry_in_ms` is `None`.
pub async fn mark_failed_try(
    conn: &mut PgConnection,
    id: i64,
    error: &str,
    retry_in_ms: Option<i64>,
) -> Result<(), Error> {
    sqlx::query!(
        "update webhook_delivery
         set attempts = attempts + 1, last_error = $2,
             state = case when $3::bigint is null then 'failed' else 'pending' end,
             next_attempt = now() + coalesce($3::bigint, 0) * interval '1 millisecond'
         where delivery_id = $1",
        id,
        error,
        retry_in_ms
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The delivery log, newest first, optionally of one state.
pub async fn list(
    conn: &mut PgConnection,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<Delivery>, Error> {
    let rows = sqlx::query_as!(
        DeliveryRow,
        r#"select delivery_id as id, account_id, applicant_id, payload, state, attempts,
                  last_error, created, delivered
           from webhook_delivery where ($1::text is null or state = $1)
           order by delivery_id desc limit $2"#,
        state,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Delivery::from).collect())
}

/// Deliveries still to be made (the outbox), for the metrics.
pub async fn pending(conn: &mut PgConnection) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from webhook_delivery where state = 'pending'"#
    )
    .fetch_one(conn)
    .await?)
}

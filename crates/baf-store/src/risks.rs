//! Risk events, and the facts of earlier requests the velocity and metadata risks are found from.

use baf_domain::listing::ListQuery;
use baf_domain::risks::{RiskEvent, RiskLevel, RiskType};
use baf_domain::{AccountId, ApplicantId, AttemptId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Error;

/// A risk event as `private/RiskEvents` lists it.
#[derive(Clone, Debug)]
pub struct StoredRisk {
    pub id: i64,
    pub attempt: AttemptId,
    pub applicant: ApplicantId,
    pub risk_type: i16,
    pub level: i16,
    pub is_active: bool,
    pub created: DateTime<Utc>,
}

/// The list's filters beyond paging and dates.
#[derive(Clone, Copy, Debug, Default)]
pub struct RiskFilter {
    pub level: Option<RiskLevel>,
    pub risk_type: Option<RiskType>,
}

/// Records the risks found on an attempt.
pub async fn insert(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    attempt: AttemptId,
    events: &[RiskEvent],
) -> Result<(), Error> {
    let known: Vec<(RiskType, &RiskEvent)> = events
        .iter()
        .filter_map(|event| Some((event.risk_type()?, event)))
        .collect();
    let types: Vec<i16> = known.iter().map(|(t, _)| t.number()).collect();
    let levels: Vec<i16> = known.iter().map(|(t, _)| t.level().code()).collect();
    let active: Vec<bool> = known.iter().map(|(_, e)| e.is_active).collect();
    let created: Vec<DateTime<Utc>> = known.iter().map(|(_, e)| e.created).collect();
    sqlx::query!(
        "insert into risk_event (account_id, applicant_id, attempt_id, risk_type, level, is_active, created)
         select $1, $2, $3, r.risk_type, r.level, r.is_active, r.created
         from unnest($4::smallint[], $5::smallint[], $6::boolean[], $7::timestamptz[])
              as r(risk_type, level, is_active, created)",
        account.0,
        applicant.0,
        attempt.0,
        &types,
        &levels,
        &active,
        &created,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The account's risk events, newest first, with the total the filters match.
pub async fn list(
    conn: &mut PgConnection,
    account: AccountId,
    query: &ListQuery,
    filter: RiskFilter,
) -> Result<(Vec<StoredRisk>, i64), Error> {
    let level = filter.level.map(RiskLevel::code);
    let risk_type = filter.risk_type.map(RiskType::number);
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from risk_event
           where account_id = $1
             and ($2::date is null or created >= $2::date::timestamp at time zone 'UTC')
             and ($3::date is null or created < ($3::date + 1)::timestamp at time zone 'UTC')
             and ($4::smallint is null or level = $4)
             and ($5::smallint is null or risk_type = $5)"#,
        account.0,
        query.created_from,
        query.created_to,
        level,
        risk_type,
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query!(
        r#"select risk_event_id, attempt_id, applicant_id, risk_type, level, is_active, created
           from risk_event
           where account_id = $1
             and ($2::date is null or created >= $2::date::timestamp at time zone 'UTC')
             and ($3::date is null or created < ($3::date + 1)::timestamp at time zone 'UTC')
             and ($4::smallint is null or level = $4)
             and ($5::smallint is null or risk_type = $5)
           order by created desc, risk_event_id desc
           limit $6 offset $7"#,
        account.0,
        query.created_from,
        query.created_to,
        level,
        risk_type,
        query.page_size,
        query.offset(),
    )
    .fetch_all(conn)
    .await?;
    let risks = rows
        .into_iter()
        .map(|row| StoredRisk {
            id: row.risk_event_id,
            attempt: AttemptId(row.attempt_id),
            applicant: ApplicantId(row.applicant_id),
            risk_type: row.risk_type,
            level: row.level,
            is_active: row.is_active,
            created: row.created,
        })
        .collect();
    Ok((risks, total))
}

/// Serialises the attempts from one address of an account until the transaction ends, so that
/// concurrent requests from it each count the others.
pub async fn lock_address(
    conn: &mut PgConnection,
    account: AccountId,
    address: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1::uuid::text || ' ' || $2, 0)) as locked",
        account.0,
        address,
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// How many attempts the account recorded from `address` since `since`.
pub async fn requests_from(
    conn: &mut PgConnection,
    account: AccountId,
    address: &str,
    since: DateTime<Utc>,
) -> Result<i64, Error> {
    Ok(sqlx::query_scalar!(
        r#"select count(*) as "count!" from attempt
           where account_id = $1 and client_address = $2 and created >= $3"#,
        account.0,
        address,
        since,
    )
    .fetch_one(conn)
    .await?)
}

/// Whether another applicant of the account sent an attempt with this browser fingerprint since
/// `since`.
pub async fn fingerprint_used_by_others(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    fingerprint: &str,
    since: DateTime<Utc>,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from attempt
               where account_id = $1 and browser_fingerprint = $3 and created >= $4
                 and applicant_id <> $2) as "used!""#,
        account.0,
        applicant.0,
        fingerprint,
        since,
    )
    .fetch_one(conn)
    .await?)
}

/// Whether another applicant of the account has this phone number (compared by its digits,
/// [`baf_domain::risks::phone_key`]).
pub async fn phone_used_by_others(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    phone_digits: &str,
) -> Result<bool, Error> {
    Ok(sqlx::query_scalar!(
        r#"select exists(select 1 from applicant
               where account_id = $1 and applicant_id <> $2
                 and regexp_replace(phone, '[^0-9]', '', 'g') = $3) as "used!""#,
        account.0,
        applicant.0,
        phone_digits,
    )
    .fetch_one(conn)
    .await?)
}

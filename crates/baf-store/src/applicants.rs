//! Applicants. Every query is scoped by the account that asks.

use baf_domain::applicant::{
    Applicant, ApplicantStatus, LastAttempt, Metadata, NewApplicant, ResponseStatus,
    VerificationMethod,
};
use baf_domain::listing::{ListQuery, contains_pattern};
use baf_domain::{AccountId, AccountSettings, ApplicantId, AttemptId, ValidationRequestSettings};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Error;

/// Sort fields the list accepts, with the vendor's camelCase names.
pub const SORT_FIELDS: &[&str] = &[
    "applicantId",
    "firstName",
    "lastName",
    "phone",
    "email",
    "referenceId",
    "callbackUrl",
    "created",
    "status",
    "statusName",
    "completed",
    "attemptsCount",
    "attemptsUsed",
    "openedLinkTimes",
    "verificationMethod",
    "hasRiskEvents",
    "lastAttemptId",
    "successAttemptId",
];

/// An applicant as stored. Its fields follow the table's column order: [`for_validation`] reads the
/// whole row as one composite value, decoded field by field in that order.
#[derive(Debug, sqlx::Type)]
#[sqlx(type_name = "applicant")]
struct ApplicantRow {
    applicant_id: uuid::Uuid,
    account_id: uuid::Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    reference_id: Option<String>,
    metadata: serde_json::Value,
    callback_url: Option<String>,
    send_sms: bool,
    verification_method: i16,
    status: i16,
    attempts_count: i32,
    attempts_used: i32,
    last_attempt_id: Option<i64>,
    success_attempt_id: Option<i64>,
    opened_link_times: i32,
    document_expired: Option<bool>,
    has_risk_events: bool,
    has_background_risk_events: bool,
    settings: serde_json::Value,
    short_code: String,
    created: DateTime<Utc>,
    last_attempt_created: Option<DateTime<Utc>>,
    last_response_status: Option<i16>,
}

impl TryFrom<ApplicantRow> for Applicant {
    type Error = Error;

    fn try_from(row: ApplicantRow) -> Result<Self, Error> {
        let corrupt = |what: &'static str, detail: String| Error::Corrupt { what, detail };
        Ok(Applicant {
            id: ApplicantId(row.applicant_id),
            account_id: AccountId(row.account_id),
            first_name: row.first_name,
            last_name: row.last_name,
            phone: row.phone,
            email: row.email,
            reference_id: row.reference_id,
            metadata: serde_json::from_value::<Metadata>(row.metadata)
                .map_err(|e| corrupt("applicant metadata", e.to_string()))?,
            callback_url: row.callback_url,
            send_sms: row.send_sms,
            verification_method: VerificationMethod::from_code(row.verification_method)
                .ok_or_else(|| {
                    corrupt("verification method", row.verification_method.to_string())
                })?,
            status: ApplicantStatus::from_code(row.status)
                .ok_or_else(|| corrupt("applicant status", row.status.to_string()))?,
            attempts_count: row.attempts_count,
            attempts_used: row.attempts_used,
            last_attempt_id: row.last_attempt_id.map(AttemptId),
            success_attempt_id: row.success_attempt_id.map(AttemptId),
            opened_link_times: row.opened_link_times,
            document_expired: row.document_expired,
            has_risk_events: row.has_risk_events,
            has_background_risk_events: row.has_background_risk_events,
            settings: serde_json::from_value::<ValidationRequestSettings>(row.settings)
                .map_err(|e| corrupt("applicant settings", e.to_string()))?,
            short_code: row.short_code,
            created: row.created,
            last_attempt: match (
                row.last_attempt_id,
                row.last_attempt_created,
                row.last_response_status,
            ) {
                (Some(id), Some(created), Some(status)) => Some(LastAttempt {
                    id: AttemptId(id),
                    created,
                    response_status: ResponseStatus::from_code(status)
                        .ok_or_else(|| corrupt("response status", status.to_string()))?,
                }),
                _ => None,
            },
        })
    }
}

/// Creates an applicant with the account's current validation settings as its snapshot.
pub async fn insert(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
    short_code: &str,
    new: &NewApplicant,
) -> Result<Applicant, Error> {
    let row = sqlx::query_as!(
        ApplicantRow,
        r#"insert into applicant (applicant_id, account_id, first_name, last_name, phone, email, reference_id, metadata,
                                  callback_url, send_sms, verification_method, status, settings, short_code)
           select $2, account_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                  coalesce(settings -> 'validation', '{}'::jsonb), $13
           from account where account_id = $1
           returning *"#,
        account.0,
        id.0,
        new.first_name,
        new.last_name,
        new.phone,
        new.email,
        new.reference_id,
        serde_json::to_value(&new.metadata).expect("metadata serializes"),
        new.callback_url,
        new.send_sms,
        new.verification_method.code(),
        new.status.code(),
        short_code,
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::AccountNotFound(account))?;
    row.try_into()
}

pub async fn get(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
) -> Result<Applicant, Error> {
    sqlx::query_as!(
        ApplicantRow,
        "select * from applicant where account_id = $1 and applicant_id = $2",
        account.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::ApplicantNotFound(id))?
    .try_into()
}

/// Reads the applicant and locks its row until the transaction ends: decisions about its status
/// and attempts are taken under this lock.
pub async fn lock(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
) -> Result<Applicant, Error> {
    sqlx::query_as!(
        ApplicantRow,
        "select * from applicant where account_id = $1 and applicant_id = $2 for update",
        account.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::ApplicantNotFound(id))?
    .try_into()
}

/// What admitting and deciding a validation needs besides the faces.
pub struct ValidationContext {
    pub applicant: Applicant,
    pub settings: AccountSettings,
    /// The applicant has a registered face.
    pub has_profile: bool,
    /// The account's blacklist holds at least one face.
    pub bans_faces: bool,
    /// The applicant's InvalidData attempts of the last 24 hours.
    pub recent_invalid_data: i64,
}

/// The applicant, its account's settings, whether it has a registered face and whether the account
/// bans any face, in one round trip.
pub async fn for_validation(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
) -> Result<ValidationContext, Error> {
    let row = sqlx::query!(
        r#"select a as "applicant!: ApplicantRow", account.settings as account_settings,
                  exists(select 1 from face_profile p where p.account_id = $1 and p.applicant_id = $2) as "has_profile!",
                  exists(select 1 from blacklist_person b where b.account_id = $1 and b.embedding is not null) as "bans_faces!",
                  (select count(*) from attempt t where t.account_id = $1 and t.applicant_id = $2
                     and t.response_status = 2 and t.created > now() - interval '1 day') as "recent_invalid_data!"
           from applicant a join account using (account_id)
           where a.account_id = $1 and a.applicant_id = $2"#,
        account.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::ApplicantNotFound(id))?;
    Ok(ValidationContext {
        applicant: row.applicant.try_into()?,
        settings: crate::accounts::parse_settings(row.account_settings)?,
        has_profile: row.has_profile,
        bans_faces: row.bans_faces,
        recent_invalid_data: row.recent_invalid_data,
    })
}

/// [`for_validation`] with the applicant's row locked until the transaction ends: decisions about
/// its status and attempts are taken under that lock. The lock is a statement of its own: a
/// statement that waits for a row lock sees the row's newest version but every other table as of
/// its start, so it would miss the profile saved by the transaction it waited for.
pub async fn lock_for_validation(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
) -> Result<ValidationContext, Error> {
    sqlx::query_scalar!(
        "select 1 from applicant where account_id = $1 and applicant_id = $2 for update",
        account.0,
        id.0
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::ApplicantNotFound(id))?;
    for_validation(conn, account, id).await
}

/// The one applicant with this reference; none or several are errors, as for the vendor.
pub async fn by_reference(
    conn: &mut PgConnection,
    account: AccountId,
    reference: &str,
) -> Result<Applicant, Error> {
    let mut rows = sqlx::query_as!(
        ApplicantRow,
        "select * from applicant where account_id = $1 and reference_id = $2 order by created limit 2",
        account.0,
        reference
    )
    .fetch_all(&mut *conn)
    .await?;
    match rows.len() {
        0 => Err(Error::ReferenceNotFound(reference.to_owned())),
        1 => rows.remove(0).try_into(),
        _ => {
            let count = sqlx::query_scalar!(
                r#"select count(*) as "count!" from applicant where account_id = $1 and reference_id = $2"#,
                account.0,
                reference
            )
            .fetch_one(conn)
            .await?;
            Err(Error::AmbiguousReference { count })
        }
    }
}

/// One page of the account's applicants and the number of applicants that match the filters.
pub async fn list(
    conn: &mut PgConnection,
    account: AccountId,
    query: &ListQuery,
) -> Result<(Vec<Applicant>, i64), Error> {
    let pattern = query.text_filter.as_deref().map(contains_pattern);
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from applicant
           where account_id = $1
             and ($2::date is null or created >= $2::date::timestamp at time zone 'UTC')
             and ($3::date is null or created < ($3::date + 1)::timestamp at time zone 'UTC')
             and ($4::text is null or first_name ilike $4 or last_name ilike $4 or phone ilike $4 or email ilike $4
                  or reference_id ilike $4 or concat_ws(' ', first_name, last_name) ilike $4)"#,
        account.0,
        query.created_from,
        query.created_to,
        pattern,
    )
    .fetch_one(&mut *conn)
    .await?;
    // ORDER BY cannot take a bound column name, so each sortable column has a CASE arm; the
    // planner folds away the arms that do not apply.
    let rows = sqlx::query_as!(
        ApplicantRow,
        r#"select * from applicant
           where account_id = $1
             and ($2::date is null or created >= $2::date::timestamp at time zone 'UTC')
             and ($3::date is null or created < ($3::date + 1)::timestamp at time zone 'UTC')
             and ($4::text is null or first_name ilike $4 or last_name ilike $4 or phone ilike $4 or email ilike $4
                  or reference_id ilike $4 or concat_ws(' ', first_name, last_name) ilike $4)
           order by
             case when not $6 then case $5::text
               when 'applicantId' then applicant_id::text when 'firstName' then first_name when 'lastName' then last_name
               when 'phone' then phone when 'email' then email when 'referenceId' then reference_id
               when 'callbackUrl' then callback_url end end asc,
             case when $6 then case $5::text
               when 'applicantId' then applicant_id::text when 'firstName' then first_name when 'lastName' then last_name
               when 'phone' then phone when 'email' then email when 'referenceId' then reference_id
               when 'callbackUrl' then callback_url end end desc,
             case when not $6 then case $5::text
               when 'status' then status::bigint when 'statusName' then status::bigint
               when 'completed' then (status in (1, 2, 3))::int::bigint when 'attemptsCount' then attempts_count::bigint
               when 'attemptsUsed' then attempts_used::bigint when 'openedLinkTimes' then opened_link_times::bigint
               when 'verificationMethod' then verification_method::bigint when 'hasRiskEvents' then has_risk_events::int::bigint
               when 'lastAttemptId' then last_attempt_id when 'successAttemptId' then success_attempt_id end end asc,
             case when $6 then case $5::text
               when 'status' then status::bigint when 'statusName' then status::bigint
               when 'completed' then (status in (1, 2, 3))::int::bigint when 'attemptsCount' then attempts_count::bigint
               when 'attemptsUsed' then attempts_used::bigint when 'openedLinkTimes' then opened_link_times::bigint
               when 'verificationMethod' then verification_method::bigint when 'hasRiskEvents' then has_risk_events::int::bigint
               when 'lastAttemptId' then last_attempt_id when 'successAttemptId' then success_attempt_id end end desc,
             case when $5::text = 'created' and not $6 then created end asc,
             created desc, applicant_id desc
           limit $7 offset $8"#,
        account.0,
        query.created_from,
        query.created_to,
        pattern,
        query.sort_field,
        query.descending,
        query.page_size,
        query.offset(),
    )
    .fetch_all(conn)
    .await?;
    let applicants = rows
        .into_iter()
        .map(Applicant::try_from)
        .collect::<Result<_, _>>()?;
    Ok((applicants, total))
}

/// Writes the client-editable fields of a locked applicant.
pub async fn save_details(conn: &mut PgConnection, applicant: &Applicant) -> Result<(), Error> {
    sqlx::query!(
        "update applicant set first_name = $3, last_name = $4, phone = $5, email = $6, reference_id = $7,
                              callback_url = $8, metadata = $9
         where account_id = $1 and applicant_id = $2",
        applicant.account_id.0,
        applicant.id.0,
        applicant.first_name,
        applicant.last_name,
        applicant.phone,
        applicant.email,
        applicant.reference_id,
        applicant.callback_url,
        serde_json::to_value(&applicant.metadata).expect("metadata serializes"),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn save_status(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
    status: ApplicantStatus,
    attempts_used: i32,
) -> Result<(), Error> {
    sqlx::query!(
        "update applicant set status = $3, attempts_used = $4 where account_id = $1 and applicant_id = $2",
        account.0,
        id.0,
        status.code(),
        attempts_used,
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
) -> Result<(), Error> {
    let deleted = sqlx::query!(
        "delete from applicant where account_id = $1 and applicant_id = $2",
        account.0,
        id.0
    )
    .execute(conn)
    .await?
    .rows_affected();
    if deleted == 0 {
        Err(Error::ApplicantNotFound(id))
    } else {
        Ok(())
    }
}

/// The applicant a short validation link points at; the code is unguessable, not secret, so it
/// is looked up across accounts.
pub async fn by_short_code(
    conn: &mut PgConnection,
    code: &str,
) -> Result<Option<ApplicantId>, Error> {
    let id = sqlx::query_scalar!(
        "select applicant_id from applicant where short_code = $1",
        code
    )
    .fetch_optional(conn)
    .await?;
    Ok(id.map(ApplicantId))
}

/// What an attempt did to its applicant, written under the applicant's row lock.
pub struct AttemptEffect {
    pub attempt: AttemptId,
    pub created: DateTime<Utc>,
    pub response_status: ResponseStatus,
    pub status: ApplicantStatus,
    pub attempts_used: i32,
    pub success: bool,
    /// An active risk failed the attempt (`hasRiskEvents`).
    pub risk: bool,
    /// Inactive risks were recorded (`hasBackgroundRiskEvents`).
    pub background_risk: bool,
    /// Whether the attempt's document had expired, when it read an expiry date.
    pub document_expired: Option<bool>,
    /// Names read on the document, each written only where the applicant has none.
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

pub async fn record_attempt(
    conn: &mut PgConnection,
    account: AccountId,
    id: ApplicantId,
    effect: &AttemptEffect,
) -> Result<(), Error> {
    sqlx::query!(
        "update applicant set attempts_count = attempts_count + 1, last_attempt_id = $3, last_attempt_created = $4,
                              last_response_status = $5, status = $6, attempts_used = $7,
                              success_attempt_id = case when $8 then $3 else success_attempt_id end,
                              has_risk_events = has_risk_events or $9,
                              has_background_risk_events = has_background_risk_events or $13,
                              document_expired = coalesce($10, document_expired),
                              first_name = case when coalesce(first_name, '') = '' then coalesce($11, first_name) else first_name end,
                              last_name = case when coalesce(last_name, '') = '' then coalesce($12, last_name) else last_name end
         where account_id = $1 and applicant_id = $2",
        account.0,
        id.0,
        effect.attempt.0,
        effect.created,
        effect.response_status.code(),
        effect.status.code(),
        effect.attempts_used,
        effect.success,
        effect.risk,
        effect.document_expired,
        effect.first_name,
        effect.last_name,
        effect.background_risk,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Opening the verification page: counts the opening and returns the applicant. The applicant id
/// in the link is the only key the page has, so this looks across accounts.
pub async fn open_link(conn: &mut PgConnection, id: ApplicantId) -> Result<Applicant, Error> {
    sqlx::query_as!(
        ApplicantRow,
        "update applicant set opened_link_times = opened_link_times + 1 where applicant_id = $1 returning *",
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::ApplicantNotFound(id))?
    .try_into()
}

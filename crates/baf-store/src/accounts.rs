//! Accounts and their API keys.

use baf_domain::{AccountId, AccountSettings, ApplicantId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Error;

/// Which routes a key opens: secret keys every route, public keys only `public/` ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum KeyKind {
    Secret,
    Public,
}

impl KeyKind {
    fn as_str(self) -> &'static str {
        self.into()
    }
}

pub async fn create(
    conn: &mut PgConnection,
    id: AccountId,
    name: &str,
    settings: &AccountSettings,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into account (account_id, name, settings) values ($1, $2, $3)",
        id.0,
        name,
        serde_json::to_value(settings).expect("settings serialize"),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores a key's hash with its prefix (how the operator names it).
pub async fn add_key(
    conn: &mut PgConnection,
    account: AccountId,
    (key_hash, prefix): (&[u8; 32], &str),
    kind: KeyKind,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into api_key (key_hash, account_id, kind, prefix) values ($1, $2, $3, $4)",
        key_hash.as_slice(),
        account.0,
        kind.as_str(),
        prefix,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The account and kind of a key, by the key's hash.
/// The account behind a key, what kind of key it is, and the account's per-key rate limit.
pub struct FoundKey {
    pub account: AccountId,
    pub kind: KeyKind,
    /// Requests per minute; `None` when the account sets no limit.
    pub requests_per_minute: Option<u32>,
}

pub async fn find_key(
    conn: &mut PgConnection,
    key_hash: &[u8; 32],
) -> Result<Option<FoundKey>, Error> {
    let row = sqlx::query!(
        r#"select k.account_id, k.kind, (a.settings->>'requestsPerMinute')::bigint as requests_per_minute
           from api_key k join account a using (account_id)
           where k.key_hash = $1 and (k.expires is null or k.expires > now())"#,
        key_hash.as_slice()
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        let kind = row.kind.parse().map_err(|_| Error::Corrupt {
            what: "api key kind",
            detail: row.kind.clone(),
        })?;
        Ok(FoundKey {
            account: AccountId(row.account_id),
            kind,
            requests_per_minute: row
                .requests_per_minute
                .and_then(|rate| u32::try_from(rate).ok()),
        })
    })
    .transpose()
}

pub async fn settings(
    conn: &mut PgConnection,
    account: AccountId,
) -> Result<AccountSettings, Error> {
    let row = sqlx::query!(
        "select settings from account where account_id = $1",
        account.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::AccountNotFound(account))?;
    parse_settings(row.settings)
}

/// The account's settings and whether the applicant has a registered face: what admitting an
/// attempt needs besides the applicant, in one round trip.
pub async fn settings_and_profile(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<(AccountSettings, bool), Error> {
    let row = sqlx::query!(
        r#"select settings, exists(select 1 from face_profile where account_id = $1 and applicant_id = $2) as "has_profile!"
           from account where account_id = $1"#,
        account.0,
        applicant.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::AccountNotFound(account))?;
    Ok((parse_settings(row.settings)?, row.has_profile))
}

/// Locks the account's row, so concurrent settings changes apply one after the other.
pub async fn lock_settings(
    conn: &mut PgConnection,
    account: AccountId,
) -> Result<AccountSettings, Error> {
    let row = sqlx::query!(
        "select settings from account where account_id = $1 for update",
        account.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::AccountNotFound(account))?;
    parse_settings(row.settings)
}

pub async fn save_settings(
    conn: &mut PgConnection,
    account: AccountId,
    settings: &AccountSettings,
) -> Result<(), Error> {
    sqlx::query!(
        "update account set settings = $2 where account_id = $1",
        account.0,
        serde_json::to_value(settings).expect("settings serialize"),
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub(crate) fn parse_settings(value: serde_json::Value) -> Result<AccountSettings, Error> {
    serde_json::from_value(value).map_err(|e| Error::Corrupt {
        what: "account settings",
        detail: e.to_string(),
    })
}

/// The oldest account with this name, if any.
pub async fn find_by_name(conn: &mut PgConnection, name: &str) -> Result<Option<AccountId>, Error> {
    let id = sqlx::query_scalar!(
        "select account_id from account where name = $1 order by created limit 1",
        name
    )
    .fetch_optional(conn)
    .await?;
    Ok(id.map(AccountId))
}

/// An account as `baf-server account list` prints it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSummary {
    pub id: AccountId,
    pub name: String,
    pub created: DateTime<Utc>,
    /// The prefixes of its working keys (keys made before prefixes were kept show none).
    pub key_prefixes: Vec<String>,
    pub applicants: i64,
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<AccountSummary>, Error> {
    let rows = sqlx::query!(
        r#"select a.account_id, a.name, a.created,
                  coalesce((select array_agg(k.prefix order by k.created, k.prefix) from api_key k
                            where k.account_id = a.account_id and k.prefix is not null
                              and (k.expires is null or k.expires > now())), '{}') as "key_prefixes!",
                  (select count(*) from applicant p where p.account_id = a.account_id) as "applicants!"
           from account a order by a.created, a.account_id"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AccountSummary {
            id: AccountId(row.account_id),
            name: row.name,
            created: row.created,
            key_prefixes: row.key_prefixes,
            applicants: row.applicants,
        })
        .collect())
}

/// Serialises account creation by name until the transaction ends, so two creations of one
/// name cannot both find it free.
pub async fn lock_name(conn: &mut PgConnection, name: &str) -> Result<(), Error> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('account_name:' || $1, 0)) as locked",
        name
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// Makes every working key of the account stop working at `at` (one expiring sooner keeps its
/// time); returns how many keys were affected.
pub async fn expire_keys(
    conn: &mut PgConnection,
    account: AccountId,
    at: DateTime<Utc>,
) -> Result<u64, Error> {
    let done = sqlx::query!(
        "update api_key set expires = least(coalesce(expires, $2), $2)
         where account_id = $1 and (expires is null or expires > now())",
        account.0,
        at,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes the account's keys named by `prefix` or whose hash is `key_hash`; returns how many.
pub async fn revoke_keys(
    conn: &mut PgConnection,
    account: AccountId,
    prefix: &str,
    key_hash: &[u8; 32],
) -> Result<u64, Error> {
    let done = sqlx::query!(
        "delete from api_key where account_id = $1 and (prefix = $2 or key_hash = $3)",
        account.0,
        prefix,
        key_hash.as_slice(),
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Locks the account's row and returns its applicants: what deleting it must clear outside
/// Postgres (media, galleries).
pub async fn lock_for_delete(
    conn: &mut PgConnection,
    account: AccountId,
) -> Result<Vec<ApplicantId>, Error> {
    sqlx::query!(
        "select account_id from account where account_id = $1 for update",
        account.0
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::AccountNotFound(account))?;
    let ids = sqlx::query_scalar!(
        "select applicant_id from applicant where account_id = $1",
        account.0
    )
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(ApplicantId).collect())
}

/// Deletes the account with everything it holds in Postgres (keys, applicants, attempts, media
/// rows, profiles, blacklist, risks, webhooks: every table cascades from it).
pub async fn delete(conn: &mut PgConnection, account: AccountId) -> Result<(), Error> {
    sqlx::query!("delete from account where account_id = $1", account.0)
        .execute(conn)
        .await?;
    Ok(())
}

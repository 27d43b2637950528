//! Accounts and their API keys.

use baf_domain::{AccountId, AccountSettings, ApplicantId};
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

pub async fn add_key(
    conn: &mut PgConnection,
    account: AccountId,
    key_hash: &[u8; 32],
    kind: KeyKind,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into api_key (key_hash, account_id, kind) values ($1, $2, $3)",
        key_hash.as_slice(),
        account.0,
        kind.as_str(),
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
           from api_key k join account a using (account_id) where k.key_hash = $1"#,
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

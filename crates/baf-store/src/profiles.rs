//! Face profiles: one registered embedding per applicant. Postgres holds them; each server process
//! keeps an in-memory gallery that it fills at start and keeps current through `seq` catch-up and
//! the `face_profiles` notification channel.

use baf_domain::{AccountId, ApplicantId};
use sqlx::PgConnection;

use crate::Error;

/// The notification channel; [`upsert`] and [`notify_deleted`] write the payloads that
/// [`Notice::parse`] reads.
pub const CHANNEL: &str = "face_profiles";

/// What a notification on [`CHANNEL`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A profile of the account was written with this `seq` (payload `<account>@<seq>`; a bare
    /// `<account>` from an older server means an unknown `seq`, read as "fetch").
    Written { account: AccountId, seq: Option<i64> },
    /// The applicant's profile was deleted (payload `<account>:<applicant>`).
    Deleted { account: AccountId, applicant: ApplicantId },
}

impl Notice {
    pub fn parse(payload: &str) -> Option<Self> {
        let uuid = |text: &str| uuid::Uuid::parse_str(text).ok();
        if let Some((account, applicant)) = payload.split_once(':') {
            return Some(Self::Deleted { account: AccountId(uuid(account)?), applicant: ApplicantId(uuid(applicant)?) });
        }
        match payload.split_once('@') {
            Some((account, seq)) => Some(Self::Written { account: AccountId(uuid(account)?), seq: Some(seq.parse().ok()?) }),
            None => Some(Self::Written { account: AccountId(uuid(payload)?), seq: None }),
        }
    }
}

#[derive(Clone, Debug)]
pub struct StoredProfile {
    pub account: AccountId,
    pub applicant: ApplicantId,
    pub embedding: Vec<f32>,
    pub seq: i64,
}

/// Serialises profile writes of one account across every server process until the transaction
/// ends, so the duplicate search and the profile insert of one registration cannot interleave with
/// another's: this closes the duplicate window the vendor's service admits.
pub async fn lock_account(conn: &mut PgConnection, account: AccountId) -> Result<(), Error> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('face_profile:' || $1::text, 0))", account.0.to_string())
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// Saves (or replaces) the applicant's profile and tells the other processes after commit
/// (`pg_notify` is transactional), in one round trip.
pub async fn upsert(conn: &mut PgConnection, account: AccountId, applicant: ApplicantId, embedding: &[f32]) -> Result<i64, Error> {
    let seq = sqlx::query_scalar!(
        r#"with saved as (
               insert into face_profile (applicant_id, account_id, embedding) values ($1, $2, $3)
               on conflict (applicant_id) do update set embedding = excluded.embedding, seq = nextval('face_profile_seq'), updated = now()
               returning seq)
           select seq as "seq!" from saved, pg_notify($4, $2::text || '@' || saved.seq)"#,
        applicant.0,
        account.0,
        embedding,
        CHANNEL,
    )
    .fetch_one(conn)
    .await?;
    Ok(seq)
}

/// Announces a deleted profile (the row itself goes with its applicant).
pub async fn notify_deleted(conn: &mut PgConnection, account: AccountId, applicant: ApplicantId) -> Result<(), Error> {
    notify(conn, &format!("{account}:{applicant}")).await
}

/// `pg_notify` is transactional: listeners hear it only if and when the transaction commits.
async fn notify(conn: &mut PgConnection, payload: &str) -> Result<(), Error> {
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, payload).fetch_one(conn).await?;
    Ok(())
}

/// The account's profiles written after `seq`, oldest first.
pub async fn since(conn: &mut PgConnection, account: AccountId, seq: i64) -> Result<Vec<StoredProfile>, Error> {
    let rows = sqlx::query!(
        "select applicant_id, embedding, seq from face_profile where account_id = $1 and seq > $2 order by seq",
        account.0,
        seq
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredProfile { account, applicant: ApplicantId(row.applicant_id), embedding: row.embedding, seq: row.seq })
        .collect())
}

/// Every profile of every account, for filling the galleries at start.
pub async fn all(conn: &mut PgConnection) -> Result<Vec<StoredProfile>, Error> {
    let rows = sqlx::query!("select account_id, applicant_id, embedding, seq from face_profile order by seq").fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredProfile {
            account: AccountId(row.account_id),
            applicant: ApplicantId(row.applicant_id),
            embedding: row.embedding,
            seq: row.seq,
        })
        .collect())
}

/// Which of these applicants still have a profile: search hits are confirmed against the database,
/// so a profile deleted by another process a moment ago never matches.
pub async fn still_present(conn: &mut PgConnection, account: AccountId, applicants: &[ApplicantId]) -> Result<Vec<ApplicantId>, Error> {
    let ids: Vec<uuid::Uuid> = applicants.iter().map(|a| a.0).collect();
    let rows = sqlx::query_scalar!(
        "select applicant_id from face_profile where account_id = $1 and applicant_id = any($2)",
        account.0,
        &ids
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ApplicantId).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_read_back_what_is_written() {
        let account = AccountId(uuid::Uuid::new_v4());
        let applicant = ApplicantId(uuid::Uuid::new_v4());
        assert_eq!(Notice::parse(&format!("{account}@42")), Some(Notice::Written { account, seq: Some(42) }));
        assert_eq!(Notice::parse(&account.to_string()), Some(Notice::Written { account, seq: None }));
        assert_eq!(Notice::parse(&format!("{account}:{applicant}")), Some(Notice::Deleted { account, applicant }));
        assert_eq!(Notice::parse("nonsense"), None);
        assert_eq!(Notice::parse(&format!("{account}@x")), None);
    }
}

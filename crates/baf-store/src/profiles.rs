//! Face profiles: one registered embedding per applicant. Postgres holds them; each server process
//! keeps an in-memory gallery that it fills at start and keeps current through `seq` catch-up and
//! the `face_profiles` notification channel.

use baf_domain::{AccountId, ApplicantId};
use sqlx::PgConnection;
use sqlx::postgres::PgListener;

use crate::{Error, Store};

/// The notification channel; [`upsert`] and [`notify_deleted`] write the payloads that
/// [`Notice::parse`] reads.
pub const CHANNEL: &str = "face_profiles";

/// What a notification on [`CHANNEL`] says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// A profile of the account was written with this `seq` (payload `<account>@<seq>`; a bare
    /// `<account>` from an older server means an unknown `seq`, read as "fetch").
    Written {
        account: AccountId,
        seq: Option<i64>,
    },
    /// The applicant's profile was deleted (payload `<account>:<applicant>`).
    Deleted {
        account: AccountId,
        applicant: ApplicantId,
    },
}

impl Notice {
    pub fn parse(payload: &str) -> Option<Self> {
        let uuid = |text: &str| uuid::Uuid::parse_str(text).ok();
        if let Some((account, applicant)) = payload.split_once(':') {
            return Some(Self::Deleted {
                account: AccountId(uuid(account)?),
                applicant: ApplicantId(uuid(applicant)?),
            });
        }
        match payload.split_once('@') {
            Some((account, seq)) => Some(Self::Written {
                account: AccountId(uuid(account)?),
                seq: Some(seq.parse().ok()?),
            }),
            None => Some(Self::Written {
                account: AccountId(uuid(payload)?),
                seq: None,
            }),
        }
    }
}

/// What [`Listener::next`] heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Heard {
    Notice(Notice),
    /// A payload no server writes; logged and skipped by the caller.
    Malformed(String),
    /// The connection was lost and made again: notices may have been missed in between.
    Reconnected,
}

/// A connection listening on [`CHANNEL`]. It holds one connection of the pool for good (the
/// server sizes its pool for that).
pub struct Listener(PgListener);

impl Listener {
    pub async fn connect(store: &Store) -> Result<Self, Error> {
        let mut listener = PgListener::connect_with(store.pool()).await?;
        listener.listen(CHANNEL).await?;
        Ok(Self(listener))
    }

    pub async fn next(&mut self) -> Result<Heard, Error> {
        Ok(match self.0.try_recv().await? {
            Some(notification) => match Notice::parse(notification.payload()) {
                Some(notice) => Heard::Notice(notice),
                None => Heard::Malformed(notification.payload().to_owned()),
            },
            None => Heard::Reconnected,
        })
    }
}

#[derive(Clone, Debug)]
pub struct StoredProfile {
    pub account: AccountId,
    pub applicant: ApplicantId,
    pub embedding: Vec<f32>,
    /// The embedding model that made it (`verification::EmbeddingModel::name`).
    pub model: String,
    pub seq: i64,
}

/// A new or replaced profile: the embedding, its model, and the blob of the image it came from.
#[derive(Clone, Copy, Debug)]
pub struct NewProfile<'a> {
    pub embedding: &'a [f32],
    pub model: &'a str,
    pub image_key: Option<&'a str>,
}

/// Serialises profile writes of one account across every server process until the transaction
/// ends, so the duplicate search and the profile insert of one registration cannot interleave with
/// another's: this closes the duplicate window the vendor's service admits.
pub async fn lock_account(conn: &mut PgConnection, account: AccountId) -> Result<(), Error> {
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended('face_profile:' || $1::text, 0))",
        account.0.to_string()
    )
    .fetch_one(conn)
    .await?;
    Ok(())
}

/// Saves (or replaces) the applicant's profile and tells the other processes after commit
/// (`pg_notify` is transactional), in one round trip.
pub async fn upsert(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    profile: NewProfile<'_>,
) -> Result<i64, Error> {
    let seq = sqlx::query_scalar!(
        r#"with saved as (
               insert into face_profile (applicant_id, account_id, embedding, model, image_key) values ($1, $2, $3, $4, $5)
               on conflict (applicant_id) do update
                   set embedding = excluded.embedding, model = excluded.model, image_key = excluded.image_key,
                       seq = nextval('face_profile_seq'), updated = now()
               returning seq)
           select seq as "seq!" from saved, pg_notify($6, $2::text || '@' || saved.seq)"#,
        applicant.0,
        account.0,
        profile.embedding,
        profile.model,
        profile.image_key,
        CHANNEL,
    )
    .fetch_one(conn)
    .await?;
    Ok(seq)
}

/// A profile made by another model than the one in use, and where its image is.
#[derive(Clone, Debug)]
pub struct StaleProfile {
    pub account: AccountId,
    pub applicant: ApplicantId,
    pub seq: i64,
    /// The blob the profile was computed from (profiles written since migration 0009).
    pub image_key: Option<String>,
}

/// How many profiles were made by a model other than `model`.
pub async fn count_stale(conn: &mut PgConnection, model: &str) -> Result<i64, Error> {
    let count = sqlx::query_scalar!(
        r#"select count(*) as "count!" from face_profile where model <> $1"#,
        model
    )
    .fetch_one(conn)
    .await?;
    Ok(count)
}

/// Up to `limit` profiles not made by `model`, after `after` in applicant order: a resumable walk.
pub async fn stale(
    conn: &mut PgConnection,
    model: &str,
    after: Option<ApplicantId>,
    limit: i64,
) -> Result<Vec<StaleProfile>, Error> {
    let rows = sqlx::query!(
        "select account_id, applicant_id, seq, image_key from face_profile
         where model <> $1 and applicant_id > coalesce($2, '00000000-0000-0000-0000-000000000000'::uuid)
         order by applicant_id limit $3",
        model,
        after.map(|a| a.0),
        limit,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| StaleProfile {
            account: AccountId(row.account_id),
            applicant: ApplicantId(row.applicant_id),
            seq: row.seq,
            image_key: row.image_key,
        })
        .collect())
}

/// Replaces a stale profile's embedding, unless the profile changed since it was read (`seq`);
/// `Some(new seq)` when replaced. Other processes hear of it as of any write.
pub async fn reembed(
    conn: &mut PgConnection,
    stale: &StaleProfile,
    embedding: &[f32],
    model: &str,
) -> Result<Option<i64>, Error> {
    let seq = sqlx::query_scalar!(
        r#"with saved as (
               update face_profile set embedding = $3, model = $4, seq = nextval('face_profile_seq'), updated = now()
               where account_id = $1 and applicant_id = $2 and seq = $5
               returning seq)
           select seq as "seq!" from saved, pg_notify($6, $1::text || '@' || saved.seq)"#,
        stale.account.0,
        stale.applicant.0,
        embedding,
        model,
        stale.seq,
        CHANNEL,
    )
    .fetch_optional(conn)
    .await?;
    Ok(seq)
}

/// Announces a deleted profile (the row itself goes with its applicant).
pub async fn notify_deleted(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<(), Error> {
    notify(conn, &format!("{account}:{applicant}")).await
}

/// `pg_notify` is transactional: listeners hear it only if and when the transaction commits.
async fn notify(conn: &mut PgConnection, payload: &str) -> Result<(), Error> {
    sqlx::query!("select pg_notify($1, $2)", CHANNEL, payload)
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// The account's profiles written after `seq`, oldest first.
pub async fn since(
    conn: &mut PgConnection,
    account: AccountId,
    seq: i64,
) -> Result<Vec<StoredProfile>, Error> {
    let rows = sqlx::query!(
        "select applicant_id, embedding, model, seq from face_profile where account_id = $1 and seq > $2 order by seq",
        account.0,
        seq
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredProfile {
            account,
            applicant: ApplicantId(row.applicant_id),
            embedding: row.embedding,
            model: row.model,
            seq: row.seq,
        })
        .collect())
}

/// Every profile of every account, for filling the galleries at start.
pub async fn all(conn: &mut PgConnection) -> Result<Vec<StoredProfile>, Error> {
    let rows = sqlx::query!(
        "select account_id, applicant_id, embedding, model, seq from face_profile order by seq"
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| StoredProfile {
            account: AccountId(row.account_id),
            applicant: ApplicantId(row.applicant_id),
            embedding: row.embedding,
            model: row.model,
            seq: row.seq,
        })
        .collect())
}

/// Which of these applicants still have a profile: search hits are confirmed against the database,
/// so a profile deleted by another process a moment ago never matches.
pub async fn still_present(
    conn: &mut PgConnection,
    account: AccountId,
    applicants: &[ApplicantId],
) -> Result<Vec<ApplicantId>, Error> {
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
        assert_eq!(
            Notice::parse(&format!("{account}@42")),
            Some(Notice::Written {
                account,
                seq: Some(42)
            })
        );
        assert_eq!(
            Notice::parse(&account.to_string()),
            Some(Notice::Written { account, seq: None })
        );
        assert_eq!(
            Notice::parse(&format!("{account}:{applicant}")),
            Some(Notice::Deleted { account, applicant })
        );
        assert_eq!(Notice::parse("nonsense"), None);
        assert_eq!(Notice::parse(&format!("{account}@x")), None);
    }
}

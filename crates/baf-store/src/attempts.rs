//! Verification attempts and their media.

use baf_domain::validation::AttemptRecord;
use baf_domain::{AccountId, ApplicantId, AttemptId};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::Error;

/// An attempt as stored.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: AttemptId,
    pub applicant: ApplicantId,
    pub created: DateTime<Utc>,
    pub document_type: i16,
    pub has_risk_events: bool,
    pub record: AttemptRecord,
}

/// Which stored file of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Face,
    Front,
    Back,
    LivenessVideo,
    LivenessActionVideo,
}

impl MediaKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Face => "face",
            Self::Front => "front",
            Self::Back => "back",
            Self::LivenessVideo => "liveness_video",
            Self::LivenessActionVideo => "liveness_action_video",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        [Self::Face, Self::Front, Self::Back, Self::LivenessVideo, Self::LivenessActionVideo]
            .into_iter()
            .find(|k| k.as_str() == kind)
    }
}

/// A stored file: the bytes as received and their content type.
#[derive(Clone, Debug)]
pub struct Media {
    pub kind: MediaKind,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Records an attempt with its images and videos, in one statement.
pub async fn insert(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    document_type: i16,
    record: &AttemptRecord,
    media: &[Media],
) -> Result<(AttemptId, DateTime<Utc>), Error> {
    let kinds: Vec<&str> = media.iter().map(|m| m.kind.as_str()).collect();
    let content_types: Vec<&str> = media.iter().map(|m| m.content_type.as_str()).collect();
    let bytes: Vec<&[u8]> = media.iter().map(|m| m.bytes.as_slice()).collect();
    let row = sqlx::query!(
        r#"with attempt as (
               insert into attempt (account_id, applicant_id, document_type, response_status, has_risk_events, record)
               values ($1, $2, $3, $4, $5, $6) returning attempt_id, created),
           media as (
               insert into attempt_media (attempt_id, kind, content_type, bytes)
               select attempt_id, m.kind, m.content_type, m.bytes
               from attempt, unnest($7::text[], $8::text[], $9::bytea[]) as m(kind, content_type, bytes))
           select attempt_id as "attempt_id!", created as "created!" from attempt"#,
        account.0,
        applicant.0,
        document_type,
        record.response_status.code(),
        !record.risk_events.is_empty(),
        serde_json::to_value(record).expect("attempt records serialize"),
        &kinds as &[&str],
        &content_types as &[&str],
        &bytes as &[&[u8]],
    )
    .fetch_one(conn)
    .await?;
    Ok((AttemptId(row.attempt_id), row.created))
}

struct AttemptRow {
    attempt_id: i64,
    applicant_id: uuid::Uuid,
    created: DateTime<Utc>,
    document_type: i16,
    has_risk_events: bool,
    record: serde_json::Value,
}

impl TryFrom<AttemptRow> for Attempt {
    type Error = Error;

    fn try_from(row: AttemptRow) -> Result<Self, Error> {
        Ok(Attempt {
            id: AttemptId(row.attempt_id),
            applicant: ApplicantId(row.applicant_id),
            created: row.created,
            document_type: row.document_type,
            has_risk_events: row.has_risk_events,
            record: serde_json::from_value(row.record)
                .map_err(|e| Error::Corrupt { what: "attempt record", detail: e.to_string() })?,
        })
    }
}

/// The applicant's attempts, newest first.
pub async fn list(conn: &mut PgConnection, account: AccountId, applicant: ApplicantId) -> Result<Vec<Attempt>, Error> {
    let rows = sqlx::query_as!(
        AttemptRow,
        "select attempt_id, applicant_id, created, document_type, has_risk_events, record from attempt
         where account_id = $1 and applicant_id = $2 order by attempt_id desc",
        account.0,
        applicant.0
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Attempt::try_from).collect()
}

pub async fn get(conn: &mut PgConnection, account: AccountId, applicant: ApplicantId, id: AttemptId) -> Result<Attempt, Error> {
    sqlx::query_as!(
        AttemptRow,
        "select attempt_id, applicant_id, created, document_type, has_risk_events, record from attempt
         where account_id = $1 and applicant_id = $2 and attempt_id = $3",
        account.0,
        applicant.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .ok_or(Error::AttemptNotFound(id))?
    .try_into()
}

/// Every stored file of an attempt (already scoped: call after [`get`]).
pub async fn media(conn: &mut PgConnection, attempt: AttemptId) -> Result<Vec<Media>, Error> {
    let rows = sqlx::query!("select kind, content_type, bytes from attempt_media where attempt_id = $1", attempt.0)
        .fetch_all(conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let kind = MediaKind::parse(&row.kind).ok_or_else(|| Error::Corrupt { what: "media kind", detail: row.kind.clone() })?;
            Ok(Media { kind, content_type: row.content_type, bytes: row.bytes })
        })
        .collect()
}

/// One stored file of an attempt, if it has it.
pub async fn media_of_kind(conn: &mut PgConnection, attempt: AttemptId, kind: MediaKind) -> Result<Option<Media>, Error> {
    let row = sqlx::query!(
        "select content_type, bytes from attempt_media where attempt_id = $1 and kind = $2",
        attempt.0,
        kind.as_str()
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| Media { kind, content_type: row.content_type, bytes: row.bytes }))
}

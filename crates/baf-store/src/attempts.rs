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
    /// When retention deleted the attempt's files.
    pub media_removed: Option<DateTime<Utc>>,
}

/// Which stored file of an attempt; stored by its snake_case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum MediaKind {
    Face,
    Front,
    Back,
    LivenessVideo,
    LivenessActionVideo,
}

impl MediaKind {
    fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(kind: &str) -> Option<Self> {
        kind.parse().ok()
    }
}

/// A file of an attempt: its content type and where its bytes are.
#[derive(Clone, Debug)]
pub struct Media {
    pub kind: MediaKind,
    pub content_type: String,
    pub location: MediaLocation,
}

#[derive(Clone, Debug)]
pub enum MediaLocation {
    /// In the blob store, under this key (`baf_blobs::BlobKey` as text).
    Blob(String),
    /// In the row itself: files stored before the blob store existed.
    Row(Vec<u8>),
}

impl Media {
    fn from_row(
        kind: &str,
        content_type: String,
        bytes: Option<Vec<u8>>,
        blob_key: Option<String>,
    ) -> Result<Self, Error> {
        let kind = MediaKind::parse(kind).ok_or_else(|| Error::Corrupt {
            what: "media kind",
            detail: kind.to_owned(),
        })?;
        let location = match (blob_key, bytes) {
            (Some(key), _) => MediaLocation::Blob(key),
            (None, Some(bytes)) => MediaLocation::Row(bytes),
            (None, None) => {
                return Err(Error::Corrupt {
                    what: "media",
                    detail: "neither bytes nor a blob key".into(),
                });
            }
        };
        Ok(Self {
            kind,
            content_type,
            location,
        })
    }
}

/// A file of a new attempt, already in the blob store.
#[derive(Clone, Debug)]
pub struct NewMedia {
    pub kind: MediaKind,
    pub content_type: String,
    pub blob_key: String,
}

/// Records an attempt with its images and videos (stored beforehand), in one statement.
pub async fn insert(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    document_type: i16,
    record: &AttemptRecord,
    media: &[NewMedia],
) -> Result<(AttemptId, DateTime<Utc>), Error> {
    let kinds: Vec<&str> = media.iter().map(|m| m.kind.as_str()).collect();
    let content_types: Vec<&str> = media.iter().map(|m| m.content_type.as_str()).collect();
    let blob_keys: Vec<&str> = media.iter().map(|m| m.blob_key.as_str()).collect();
    let row = sqlx::query!(
        r#"with attempt as (
               insert into attempt (account_id, applicant_id, document_type, response_status, has_risk_events, record,
                                    client_address, browser_fingerprint)
               values ($1, $2, $3, $4, $5, $6, $10, $11) returning attempt_id, created),
           media as (
               insert into attempt_media (attempt_id, kind, content_type, blob_key)
               select attempt_id, m.kind, m.content_type, m.blob_key
               from attempt, unnest($7::text[], $8::text[], $9::text[]) as m(kind, content_type, blob_key))
           select attempt_id as "attempt_id!", created as "created!" from attempt"#,
        account.0,
        applicant.0,
        document_type,
        record.response_status.code(),
        record.has_active_risks(),
        serde_json::to_value(record).expect("attempt records serialize"),
        &kinds as &[&str],
        &content_types as &[&str],
        &blob_keys as &[&str],
        record.request_ip_address,
        record.browser_fingerprint,
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
    media_removed: Option<DateTime<Utc>>,
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
            media_removed: row.media_removed,
            record: serde_json::from_value(row.record).map_err(|e| Error::Corrupt {
                what: "attempt record",
                detail: e.to_string(),
            })?,
        })
    }
}

/// The applicant's attempts, newest first.
pub async fn list(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<Vec<Attempt>, Error> {
    let rows = sqlx::query_as!(
        AttemptRow,
        "select attempt_id, applicant_id, created, document_type, has_risk_events, record, media_removed from attempt
         where account_id = $1 and applicant_id = $2 order by attempt_id desc",
        account.0,
        applicant.0
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Attempt::try_from).collect()
}

pub async fn get(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    id: AttemptId,
) -> Result<Attempt, Error> {
    sqlx::query_as!(
        AttemptRow,
        "select attempt_id, applicant_id, created, document_type, has_risk_events, record, media_removed from attempt
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
    let rows = sqlx::query!(
        "select kind, content_type, bytes, blob_key from attempt_media where attempt_id = $1",
        attempt.0
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| Media::from_row(&row.kind, row.content_type, row.bytes, row.blob_key))
        .collect()
}

/// One stored file of an attempt, if it has it.
pub async fn media_of_kind(
    conn: &mut PgConnection,
    attempt: AttemptId,
    kind: MediaKind,
) -> Result<Option<Media>, Error> {
    let row = sqlx::query!(
        "select kind, content_type, bytes, blob_key from attempt_media where attempt_id = $1 and kind = $2",
        attempt.0,
        kind.as_str()
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| Media::from_row(&row.kind, row.content_type, row.bytes, row.blob_key))
        .transpose()
}

/// The selfie of the applicant's successful registration, if it is still stored.
pub async fn registration_face(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<Option<Media>, Error> {
    let row = sqlx::query!(
        "select m.kind, m.content_type, m.bytes, m.blob_key
         from applicant a join attempt_media m on m.attempt_id = a.success_attempt_id and m.kind = 'face'
         where a.account_id = $1 and a.applicant_id = $2",
        account.0,
        applicant.0
    )
    .fetch_optional(conn)
    .await?;
    row.map(|row| Media::from_row(&row.kind, row.content_type, row.bytes, row.blob_key))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::MediaKind;

    #[test]
    fn media_kinds_keep_their_stored_names() {
        for (kind, stored) in [
            (MediaKind::Face, "face"),
            (MediaKind::Front, "front"),
            (MediaKind::Back, "back"),
            (MediaKind::LivenessVideo, "liveness_video"),
            (MediaKind::LivenessActionVideo, "liveness_action_video"),
        ] {
            assert_eq!(kind.as_str(), stored);
            assert_eq!(MediaKind::parse(stored), Some(kind));
        }
        assert_eq!(MediaKind::parse("Face"), None);
    }
}

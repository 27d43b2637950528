//! Reading back an attempt's files: its images under the account's review permission and window,
//! and its videos.

use baf_domain::{AccountId, ApplicantId, AttemptId, Refusal};
use baf_store::attempts::{self, Attempt, Media, MediaKind};
use baf_store::{PgConnection, accounts, applicants};
use chrono::Utc;

use crate::{App, Error, media};

/// One stored file of an attempt, with its bytes.
pub struct AttemptFile {
    pub kind: MediaKind,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl App {
    /// Every file of the attempt, refused unless the account may still review its images and
    /// retention has not deleted them.
    pub async fn attempt_files(
        &self,
        account: AccountId,
        applicant: ApplicantId,
        attempt: AttemptId,
    ) -> Result<Vec<AttemptFile>, Error> {
        let stored = {
            let mut conn = self.store.connection().await?;
            let attempt_found = found(&mut conn, account, applicant, attempt).await?;
            let review = accounts::settings(&mut conn, account).await?.image_review;
            review.check(attempt_found.created, Utc::now())?;
            if attempt_found.media_removed.is_some() {
                return Err(Refusal::ImageReviewExpired.into());
            }
            attempts::media(&mut conn, attempt).await?
        };
        let mut files = Vec::with_capacity(stored.len());
        for file in stored {
            files.push(self.read(file).await?);
        }
        Ok(files)
    }

    /// The attempt's video of `kind` (`LivenessVideo` or `LivenessActionVideo`).
    pub async fn attempt_video(
        &self,
        account: AccountId,
        applicant: ApplicantId,
        attempt: AttemptId,
        kind: MediaKind,
    ) -> Result<AttemptFile, Error> {
        let stored = {
            let mut conn = self.store.connection().await?;
            found(&mut conn, account, applicant, attempt).await?;
            attempts::media_of_kind(&mut conn, attempt, kind)
                .await?
                .ok_or(Error::NoVideo)?
        };
        self.read(stored).await
    }

    async fn read(&self, file: Media) -> Result<AttemptFile, Error> {
        Ok(AttemptFile {
            kind: file.kind,
            content_type: file.content_type.clone(),
            bytes: media::load(&self.blobs, file).await?,
        })
    }
}

/// The attempt, when both the applicant and its attempt exist in the account (`120024` names a
/// missing applicant before a missing attempt).
async fn found(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
    attempt: AttemptId,
) -> Result<Attempt, Error> {
    applicants::get(conn, account, applicant).await?;
    Ok(attempts::get(conn, account, applicant, attempt).await?)
}

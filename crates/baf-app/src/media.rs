//! Attempts' images and videos: stored in the blob store before the attempt's row names them,
//! read back for the review routes, and their content types read from their first bytes.
//! Blob-store calls block, so they run on tokio's blocking threads.

use std::sync::Arc;

use baf_blobs::{BlobKey, BlobStore};
use baf_domain::{AccountId, ApplicantId};
use baf_store::attempts::{Media, MediaKind, MediaLocation, NewMedia};
use bytes::Bytes;

use crate::Error;

/// Files of a new attempt, in the blob store.
pub struct StoredFiles {
    keys: Vec<BlobKey>,
    /// What the attempt's row records of them.
    pub rows: Vec<NewMedia>,
}

/// Stores the files durably. On failure nothing stays stored.
pub async fn store(
    blobs: &Arc<dyn BlobStore>,
    account: AccountId,
    applicant: ApplicantId,
    files: Vec<(MediaKind, Bytes)>,
) -> Result<StoredFiles, Error> {
    let blobs = Arc::clone(blobs);
    blocking(move || {
        let mut stored = StoredFiles {
            keys: Vec::with_capacity(files.len()),
            rows: Vec::with_capacity(files.len()),
        };
        for (kind, bytes) in files {
            let key = BlobKey::new_for(account.0, applicant.0);
            if let Err(error) = blobs.put(&key, &bytes) {
                delete_quietly(blobs.as_ref(), &stored.keys);
                return Err(error.into());
            }
            stored.rows.push(NewMedia {
                kind,
                content_type: content_type(kind, &bytes).to_owned(),
                blob_key: key.to_string(),
            });
            stored.keys.push(key);
        }
        Ok(stored)
    })
    .await
}

/// Removes files whose attempt was never recorded, before the client hears of it; a failure
/// leaves them under the applicant's folder (deleted with the applicant) and is logged.
pub async fn discard(blobs: &Arc<dyn BlobStore>, stored: StoredFiles) {
    let blobs = Arc::clone(blobs);
    if let Err(error) =
        tokio::task::spawn_blocking(move || delete_quietly(blobs.as_ref(), &stored.keys)).await
    {
        tracing::warn!(error = %error, "unrecorded files were not deleted");
    }
}

/// After the applicant's rows are deleted: its files go too, before the client hears of it. A
/// failure is logged, not answered: the deletion has happened, and the files are unreachable
/// through the API either way.
pub async fn delete_applicant(
    blobs: &Arc<dyn BlobStore>,
    account: AccountId,
    applicant: ApplicantId,
) {
    let blobs = Arc::clone(blobs);
    let deleted =
        tokio::task::spawn_blocking(move || blobs.delete_applicant(account.0, applicant.0)).await;
    if let Err(error) = deleted
        .map_err(anyhow::Error::from)
        .and_then(|deleted| Ok(deleted?))
    {
        tracing::error!(%applicant, error = format!("{error:#}"), "the deleted applicant's files were not deleted");
    }
}

/// A stored file's bytes.
pub async fn load(blobs: &Arc<dyn BlobStore>, media: Media) -> Result<Vec<u8>, Error> {
    match media.location {
        MediaLocation::Row(bytes) => Ok(bytes),
        MediaLocation::Blob(key) => {
            let key = BlobKey::parse(&key)?;
            let blobs = Arc::clone(blobs);
            blocking(move || {
                blobs
                    .get(&key)?
                    .ok_or_else(|| Error::MissingBlob(key.to_string()))
            })
            .await
        }
    }
}

fn delete_quietly(blobs: &dyn BlobStore, keys: &[BlobKey]) {
    for key in keys {
        if let Err(error) = blobs.delete(key) {
            tracing::warn!(%key, error = %error, "an unrecorded file was not deleted");
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work).await?
}

pub fn content_type(kind: MediaKind, bytes: &[u8]) -> &'static str {
    match kind {
        MediaKind::Face | MediaKind::Front | MediaKind::Back => match image::guess_format(bytes) {
            Ok(format) => format.to_mime_type(),
            Err(_) => "application/octet-stream",
        },
        MediaKind::LivenessVideo | MediaKind::LivenessActionVideo => video_type(bytes),
    }
}

fn video_type(bytes: &[u8]) -> &'static str {
    if bytes.get(4..8) == Some(b"ftyp") {
        if bytes.get(8..10) == Some(b"qt") {
            "video/quicktime"
        } else {
            "video/mp4"
        }
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "video/webm"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            content_type(MediaKind::Face, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            "image/jpeg"
        );
        assert_eq!(
            content_type(MediaKind::Face, b"\x89PNG\r\n\x1a\n...."),
            "image/png"
        );
        assert_eq!(
            content_type(MediaKind::LivenessVideo, b"\0\0\0\x20ftypisom"),
            "video/mp4"
        );
        assert_eq!(
            content_type(MediaKind::LivenessVideo, &[0x1A, 0x45, 0xDF, 0xA3, 1]),
            "video/webm"
        );
        assert_eq!(
            content_type(MediaKind::LivenessActionVideo, b"nope"),
            "application/octet-stream"
        );
    }
}

//! Attempts' images and videos: stored in the blob store before the attempt's row names them,
//! read back for the review routes, and their content types read from their first bytes.

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
    let mut stored = StoredFiles {
        keys: Vec::with_capacity(files.len()),
        rows: Vec::with_capacity(files.len()),
    };
    for (kind, bytes) in files {
        let key = BlobKey::new_for(account.0, applicant.0);
        let content_type = content_type(kind, &bytes).to_owned();
        if let Err(error) = blobs.put(&key, bytes).await {
            delete_quietly(blobs.as_ref(), &stored.keys).await;
            return Err(error.into());
        }
        stored.rows.push(NewMedia {
            kind,
            content_type,
            blob_key: key.to_string(),
        });
        stored.keys.push(key);
    }
    Ok(stored)
}

/// Removes files whose attempt was never recorded, before the client hears of it; a failure
/// leaves them under the applicant's folder (deleted with the applicant) and is logged.
pub async fn discard(blobs: &Arc<dyn BlobStore>, stored: StoredFiles) {
    delete_quietly(blobs.as_ref(), &stored.keys).await;
}

/// After the applicant's rows are deleted: its files go too, before the client hears of it. A
/// failure is logged, not answered: the deletion has happened, and the files are unreachable
/// through the API either way.
pub async fn delete_applicant(
    blobs: &Arc<dyn BlobStore>,
    account: AccountId,
    applicant: ApplicantId,
) {
    if let Err(error) = blobs.delete_applicant(account.0, applicant.0).await {
        tracing::error!(%applicant, error = format!("{:#}", anyhow::Error::from(error)), "the deleted applicant's files were not deleted");
    }
}

/// A stored file's bytes.
pub async fn load(blobs: &Arc<dyn BlobStore>, media: Media) -> Result<Vec<u8>, Error> {
    match media.location {
        MediaLocation::Row(bytes) => Ok(bytes),
        MediaLocation::Blob(key) => {
            let key = BlobKey::parse(&key)?;
            let bytes = blobs
                .get(&key)
                .await?
                .ok_or_else(|| Error::MissingBlob(key.to_string()))?;
            Ok(bytes.into())
        }
    }
}

async fn delete_quietly(blobs: &dyn BlobStore, keys: &[BlobKey]) {
    for key in keys {
        if let Err(error) = blobs.delete(key).await {
            tracing::warn!(%key, error = %error, "an unrecorded file was not deleted");
        }
    }
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

/// The largest video an attempt keeps: a liveness clip of a few seconds is 1–5 MB.
pub const MAX_VIDEO_BYTES: usize = 16 * 1024 * 1024;

/// Why a video is refused, or nothing: MP4, QuickTime or WebM, at most [`MAX_VIDEO_BYTES`].
pub fn check_video(bytes: &[u8]) -> Result<(), &'static str> {
    if bytes.len() > MAX_VIDEO_BYTES {
        return Err("The video is larger than 16 MB.");
    }
    if video_type(bytes) == "application/octet-stream" {
        return Err("The video must be MP4, QuickTime or WebM.");
    }
    Ok(())
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
    fn videos_are_containers_of_a_bounded_size() {
        assert!(check_video(b"\0\0\0\x20ftypisom").is_ok());
        assert!(check_video(&[0x1A, 0x45, 0xDF, 0xA3, 1]).is_ok());
        assert!(check_video(b"GIF89a....").is_err());
        let mut huge = b"\0\0\0\x20ftypisom".to_vec();
        huge.resize(MAX_VIDEO_BYTES + 1, 0);
        assert!(check_video(&huge).is_err());
    }

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

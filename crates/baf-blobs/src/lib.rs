//! Image and video bytes live outside Postgres: a 200 KB selfie stored as `bytea` is written
//! twice (WAL and table) and costs Postgres about 1.5 ms of CPU per validation, as much as the
//! rest of the attempt's statements together. Rows keep a [`BlobKey`]; the bytes live here.
//!
//! Two stores: a local folder ([`LocalFolder`], one host or a shared volume) and an
//! S3-compatible bucket ([`Bucket`], several hosts behind a load balancer); [`open`] picks one
//! from the server's media setting. Blobs are grouped per applicant, so deleting an applicant is
//! one [`BlobStore::delete_applicant`].

mod bucket;
mod folder;

use std::sync::Arc;

pub use bucket::Bucket;
use bytes::Bytes;
pub use folder::LocalFolder;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("blob key {0:?} is not account/applicant/object")]
    InvalidKey(String),
    #[error("blob store I/O on {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("bucket {0:?} is not s3://bucket[/prefix]")]
    InvalidBucketUrl(String),
    #[error("object store")]
    Bucket(#[from] object_store::Error),
    #[error("a blob-store task did not finish")]
    Task(#[from] tokio::task::JoinError),
}

/// Where one stored file lives: `account/applicant/object`, three UUIDs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlobKey {
    account: Uuid,
    applicant: Uuid,
    object: Uuid,
}

impl BlobKey {
    /// A key no other blob has.
    pub fn new_for(account: Uuid, applicant: Uuid) -> Self {
        Self {
            account,
            applicant,
            object: Uuid::new_v4(),
        }
    }

    /// A key as rows keep it ([`BlobKey::to_string`]).
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidKey(text.to_owned());
        let mut parts = text
            .split('/')
            .map(|part| Uuid::parse_str(part).map_err(|_| invalid()));
        let key = Self {
            account: parts.next().ok_or_else(invalid)??,
            applicant: parts.next().ok_or_else(invalid)??,
            object: parts.next().ok_or_else(invalid)??,
        };
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(key)
    }
}

impl std::fmt::Display for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.account, self.applicant, self.object)
    }
}

/// Bytes by key. `put` returns only once the bytes would survive a crash, so a row that names
/// the key may be committed after it.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug + 'static {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), Error>;
    /// `None` when no such blob exists.
    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, Error>;
    /// Deleting a missing blob succeeds.
    async fn delete(&self, key: &BlobKey) -> Result<(), Error>;
    /// Every blob of the applicant.
    async fn delete_applicant(&self, account: Uuid, applicant: Uuid) -> Result<(), Error>;
}

/// The store a media setting names: `s3://bucket[/prefix]` is a [`Bucket`] configured by the
/// `AWS_*` variables in `environment`; anything else is a [`LocalFolder`] path.
pub fn open(
    location: &str,
    environment: impl IntoIterator<Item = (String, String)>,
) -> Result<Arc<dyn BlobStore>, Error> {
    Ok(if location.starts_with(bucket::SCHEME) {
        Arc::new(Bucket::open(location, environment)?)
    } else {
        Arc::new(LocalFolder::open(location)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_text_and_refuse_anything_else() {
        let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(BlobKey::parse(&key.to_string()).unwrap(), key);
        assert_ne!(BlobKey::new_for(key.account, key.applicant), key);
        let account = Uuid::new_v4();
        for bad in [
            "",
            "a/b/c",
            &format!("{account}/{account}"),
            &format!("{account}/../{account}/{account}"),
            &format!("{key}/{account}"),
        ] {
            assert!(
                matches!(BlobKey::parse(bad), Err(Error::InvalidKey(_))),
                "{bad}"
            );
        }
    }
}

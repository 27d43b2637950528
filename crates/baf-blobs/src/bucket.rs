//! An S3-compatible bucket (AWS S3, MinIO, Garage, Ceph...) through `object_store`. A `PUT`
//! answered 200 is durable, so a row may name the object right after.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ClientOptions, ObjectStore, PutPayload, RetryConfig};
use uuid::Uuid;

use crate::{BlobKey, BlobStore, Error};

pub(crate) const SCHEME: &str = "s3://";

#[derive(Debug, Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
}

impl Bucket {
    /// `url` is `s3://bucket[/prefix]`; region, endpoint (`AWS_ENDPOINT` for a server other than
    /// AWS, `AWS_ALLOW_HTTP=true` for plain HTTP) and credentials come from the `AWS_*` entries
    /// of `environment`, as in the AWS tools.
    pub fn open(
        url: &str,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, Error> {
        let invalid = || Error::InvalidBucketUrl(url.to_owned());
        let (bucket, prefix) = url
            .strip_prefix(SCHEME)
            .ok_or_else(invalid)
            .map(|rest| rest.split_once('/').unwrap_or((rest, "")))?;
        if bucket.is_empty() {
            return Err(invalid());
        }
        // object_store retries for up to 3 minutes by default: a validation waiting on an
        // unreachable bucket would hold its client that long; fail within seconds instead
        let patient = AmazonS3Builder::new()
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(10),
                ..RetryConfig::default()
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(30)),
            );
        let builder = environment
            .into_iter()
            .filter(|(name, _)| name.starts_with("AWS_"))
            .filter_map(|(name, value)| {
                let key = name
                    .to_ascii_lowercase()
                    .parse::<AmazonS3ConfigKey>()
                    .ok()?;
                Some((key, value))
            })
            .fold(patient, |builder, (key, value)| {
                builder.with_config(key, value)
            });
        let s3 = builder.with_bucket_name(bucket).build()?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self { store })
    }
}

fn path(key: &BlobKey) -> Path {
    Path::from(key.to_string())
}

#[async_trait::async_trait]
impl BlobStore for Bucket {
    async fn put(&self, key: &BlobKey, bytes: Bytes) -> Result<(), Error> {
        self.store.put(&path(key), PutPayload::from(bytes)).await?;
        Ok(())
    }

    async fn get(&self, key: &BlobKey) -> Result<Option<Bytes>, Error> {
        match self.store.get(&path(key)).await {
            Ok(object) => Ok(Some(object.bytes().await?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn delete(&self, key: &BlobKey) -> Result<(), Error> {
        match self.store.delete(&path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn delete_applicant(&self, account: Uuid, applicant: Uuid) -> Result<(), Error> {
        let folder = Path::from(format!("{account}/{applicant}"));
        let listed = self
            .store
            .list(Some(&folder))
            .map_ok(|object| object.location)
            .boxed();
        self.store
            .delete_stream(listed)
            .try_for_each(|_| futures::future::ready(Ok(())))
            .await
            .or_else(|error| match error {
                object_store::Error::NotFound { .. } => Ok(()),
                error => Err(error.into()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_urls_name_a_bucket() {
        for bad in ["s3://", "s3:///prefix", "file:///tmp"] {
            assert!(
                matches!(
                    Bucket::open(bad, std::iter::empty()),
                    Err(Error::InvalidBucketUrl(_))
                ),
                "{bad}"
            );
        }
        assert!(
            Bucket::open(
                "s3://media/baf/",
                [("AWS_REGION".into(), "eu-west-1".into())]
            )
            .is_ok()
        );
    }
}

//! Media in an S3-compatible bucket (`BAF_MEDIA_URL=s3://...`), against a real S3 server
//! (s3s-fs): what several hosts behind a load balancer share instead of a folder.

use std::sync::Arc;

use baf_blobs::{BlobKey, BlobStore};
use baf_store::PgPool;
use baf_tests::s3::S3Server;
use baf_tests::{API, TestApp, base64, face};
use bytes::Bytes;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

const SELFIE: &str = "selfie/obama/fr_obama-240p.jpg";

#[tokio::test]
async fn a_bucket_keeps_blobs_under_its_prefix_until_deleted() {
    let server = S3Server::start();
    let bucket = server.bucket("baf/media");
    let account = Uuid::new_v4();
    let (gone, kept) = (Uuid::new_v4(), Uuid::new_v4());
    let gone_keys = [
        BlobKey::new_for(account, gone),
        BlobKey::new_for(account, gone),
    ];
    let kept_key = BlobKey::new_for(account, kept);
    assert_eq!(bucket.get(&kept_key).await.unwrap(), None);
    for key in gone_keys.iter().chain([&kept_key]) {
        bucket.put(key, Bytes::from(key.to_string())).await.unwrap();
    }
    assert_eq!(
        bucket.get(&kept_key).await.unwrap(),
        Some(Bytes::from(kept_key.to_string()))
    );
    let mut expected: Vec<String> = gone_keys
        .iter()
        .chain([&kept_key])
        .map(|key| format!("baf/media/{key}"))
        .collect();
    expected.sort();
    assert_eq!(server.objects(), expected);

    bucket.delete_applicant(account, gone).await.unwrap();
    assert_eq!(server.objects(), vec![format!("baf/media/{kept_key}")]);
    bucket.delete_applicant(account, gone).await.unwrap();
    bucket.delete(&kept_key).await.unwrap();
    bucket.delete(&kept_key).await.unwrap();
    assert_eq!(bucket.get(&kept_key).await.unwrap(), None);
    assert!(server.objects().is_empty());
}

#[tokio::test]
async fn a_bucket_that_refuses_the_credentials_is_an_error() {
    let server = S3Server::start();
    let mut environment = server.environment();
    environment.retain(|(name, _)| name != "AWS_SECRET_ACCESS_KEY");
    environment.push(("AWS_SECRET_ACCESS_KEY".into(), "wrong".into()));
    let bucket = baf_blobs::Bucket::open("s3://media", environment).unwrap();
    let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
    assert!(matches!(
        bucket.put(&key, Bytes::from_static(b"x")).await,
        Err(baf_blobs::Error::Bucket(_))
    ));
    assert!(server.objects().is_empty());
}

/// Two server processes on one database and one bucket: an attempt stored through one is served
/// by the other, and deleting the applicant empties its part of the bucket.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn servers_on_one_bucket_share_the_attempts_files(pool: PgPool) {
    let server = S3Server::start();
    let blobs: Arc<dyn BlobStore> = Arc::new(server.bucket(""));
    let app = TestApp::spawn_on(pool, blobs).await;
    let id = app.create_applicant(json!({})).await;
    let reply = app.register(id, SELFIE).await;
    reply.assert_ok();
    let attempt = reply.body["attemptId"].as_i64().unwrap();
    let objects = server.objects();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert!(
        objects[0].starts_with(&format!("{}/{id}/", app.account.account_id)),
        "{objects:?}"
    );
    assert!(
        std::fs::read_dir(app.media.path())
            .unwrap()
            .next()
            .is_none()
    );

    let other = app.second_process().await;
    let images = other
        .call(
            Method::GET,
            &format!("{API}/private/Applicants/{id}/Attempts/{attempt}/Images"),
            None,
        )
        .await;
    images.assert_ok();
    assert_eq!(images.body["faceImageBase64"], base64(&face(SELFIE)));

    other
        .call(
            Method::DELETE,
            &format!("{API}/private/Applicants/{id}"),
            None,
        )
        .await
        .assert_ok();
    assert!(server.objects().is_empty(), "{:?}", server.objects());
}

/// A bucket that is down fails the call within seconds (object_store alone would retry for
/// minutes, holding the client's request).
#[tokio::test]
async fn a_bucket_that_cannot_be_reached_fails_promptly() {
    let server = S3Server::start();
    let environment = server.environment();
    drop(server);
    let bucket = baf_blobs::Bucket::open("s3://media", environment).unwrap();
    let key = BlobKey::new_for(Uuid::new_v4(), Uuid::new_v4());
    let started = std::time::Instant::now();
    assert!(bucket.put(&key, Bytes::from_static(b"x")).await.is_err());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

//! Attempt images and videos, and the account's review permission.

use baf_server::accounts::{self, SettingsChange};
use baf_store::PgPool;
use baf_tests::{API, TestApp, base64, face};
use reqwest::Method;
use serde_json::json;

const SELFIE: &str = "selfie/obama/fr_obama-240p.jpg";

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn images_and_videos_come_back_as_stored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let video = b"\0\0\0\x20ftypisom-pretend-mp4-payload".to_vec();
    let body = json!({"model": {"faceImageBase64": base64(&face(SELFIE)), "documentType": 10, "livenessVideoBase64": base64(&video)}, "applicantId": id});
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/public/Validation"),
            Some(body),
        )
        .await;
    reply.assert_ok();
    let attempt = reply.body["attemptId"].as_i64().unwrap();
    let base = format!("{API}/private/Applicants/{id}/Attempts/{attempt}");
    let images = app.call(Method::GET, &format!("{base}/Images"), None).await;
    images.assert_ok();
    assert_eq!(images.body["faceImageBase64"], base64(&face(SELFIE)));
    assert_eq!(images.body["frontImageBase64"], json!(null));
    assert!(
        images.body["livenessReflectionVideoLink"]
            .as_str()
            .unwrap()
            .ends_with("/Video")
    );
    assert_eq!(images.body["livenessActiveVideoLink"], json!(null));
    let stored = app
        .raw(
            Method::GET,
            &format!("{base}/Video"),
            Some(&app.account.secret_key),
            None,
        )
        .await;
    assert_eq!(
        (
            stored.status.as_u16(),
            stored.headers["content-type"].to_str().unwrap()
        ),
        (200, "video/mp4")
    );
    assert_eq!(stored.text.as_bytes(), video.as_slice());
    app.call(Method::GET, &format!("{base}/LivenessActionVideo"), None)
        .await
        .assert_error(400, "120033");
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/{id}/Attempts/999999"),
        None,
    )
    .await
    .assert_error(404, "NotFound");
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/{id}/Attempts/abc"),
        None,
    )
    .await
    .assert_error(400, "ValidationError");
    // the bytes live in the media folder, one file each; the rows only name them
    let in_rows: i64 = sqlx::query_scalar("select count(*) from attempt_media where attempt_id = $1 and bytes is null and blob_key is not null")
        .bind(attempt)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!((in_rows, applicant_files(&app, id).len()), (2, 2));
}

/// The files in the applicant's media folder.
fn applicant_files(app: &TestApp, id: uuid::Uuid) -> Vec<std::path::PathBuf> {
    let folder = app.media_folder(id);
    match std::fs::read_dir(folder) {
        Ok(entries) => entries.map(|entry| entry.unwrap().path()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{e}"),
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn images_stored_in_their_row_before_the_media_folder_existed_are_still_served(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let attempt = app.register(id, SELFIE).await.body["attemptId"]
        .as_i64()
        .unwrap();
    let older = face("selfie/obama/fr_obama.jpg");
    sqlx::query("update attempt_media set bytes = $2, blob_key = null where attempt_id = $1 and kind = 'face'")
        .bind(attempt)
        .bind(&older)
        .execute(app.store.pool())
        .await
        .unwrap();
    let images = app
        .call(
            Method::GET,
            &format!("{API}/private/Applicants/{id}/Attempts/{attempt}/Images"),
            None,
        )
        .await;
    images.assert_ok();
    assert_eq!(images.body["faceImageBase64"], base64(&older));
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_validation_whose_files_cannot_be_stored_fails_and_records_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    // the media folder is gone and a plain file stands in its place: no folder can be made in it
    std::fs::remove_dir_all(app.media.path()).unwrap();
    std::fs::write(app.media.path(), b"").unwrap();
    app.register(id, SELFIE).await.assert_error(500, "120029");
    let applicant = app.get_applicant(id).await;
    assert_eq!(
        (
            applicant.body["status"].as_i64(),
            applicant.body["lastAttemptId"].as_i64()
        ),
        (Some(0), None),
        "{}",
        applicant.text
    );
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempt")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 0);
    std::fs::remove_file(app.media.path()).unwrap();
    std::fs::create_dir(app.media.path()).unwrap();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn images_need_the_review_permission_and_a_window_that_is_still_open(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let attempt = app.register(id, SELFIE).await.body["attemptId"]
        .as_i64()
        .unwrap();
    let images = format!("{API}/private/Applicants/{id}/Attempts/{attempt}/Images");
    let account = app.account.account_id.0;
    accounts::change_settings(
        &app.store,
        &SettingsChange {
            account,
            image_review: Some(false),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let denied = app.call(Method::GET, &images, None).await;
    denied.assert_error(413, "120032");
    assert!(
        denied.body["message"]
            .as_str()
            .unwrap()
            .contains("permission")
    );
    accounts::change_settings(
        &app.store,
        &SettingsChange {
            account,
            image_review: Some(true),
            image_review_hours: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.call(Method::GET, &images, None).await.assert_ok();
    sqlx::query("update attempt set created = now() - interval '2 hours' where attempt_id = $1")
        .bind(attempt)
        .execute(app.store.pool())
        .await
        .unwrap();
    let expired = app.call(Method::GET, &images, None).await;
    expired.assert_error(413, "120032");
    assert!(
        expired.body["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_client_that_hangs_up_mid_validation_leaves_a_recorded_attempt_not_a_stray_file(
    pool: PgPool,
) {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    // a large selfie keeps a worker busy long enough to hang up while it works
    let selfie =
        std::fs::read(baf_tests::repo_root().join("../shared/reference/bench-selfie-1280x960.jpg"))
            .unwrap();
    let body = json!({"model": {"faceImageBase64": base64(&selfie), "documentType": 10}, "applicantId": id}).to_string();
    let request = format!(
        "POST {API}/public/Validation HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        app.address,
        app.account.secret_key,
        body.len()
    );
    let mut connection = tokio::net::TcpStream::connect(app.address).await.unwrap();
    connection.write_all(request.as_bytes()).await.unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while applicant_files(&app, id).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the selfie's file was never written"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    drop(connection);
    let recorded = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from attempt_media m join attempt a using (attempt_id) where a.applicant_id = $1")
            .bind(id)
            .fetch_one(app.store.pool())
            .await
            .unwrap()
    };
    while recorded().await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the attempt of the client that hung up was never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!((recorded().await, applicant_files(&app, id).len()), (1, 1));
    let applicant = app.get_applicant(id).await;
    assert_eq!(
        applicant.body["status"].as_i64(),
        Some(1),
        "{}",
        applicant.text
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn retention_deletes_expired_media_and_keeps_the_attempts(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.change_settings(SettingsChange {
        attempt_media_days: Some(1),
        ..Default::default()
    })
    .await;
    let id = app.create_applicant(json!({})).await;
    let video = json!({"livenessVideoBase64": base64(b"\0\0\0\x20ftypisom-pretend-mp4-payload")});
    let registration = app.validate_from(id, SELFIE, video.clone(), None).await;
    assert_eq!(registration.body["status"], 0, "{}", registration.text);
    let authorization = app.validate_from(id, SELFIE, video, None).await;
    assert_eq!(authorization.body["status"], 0, "{}", authorization.text);
    let base = |reply: &baf_tests::Reply| {
        format!(
            "{API}/private/Applicants/{id}/Attempts/{}",
            reply.body["attemptId"]
        )
    };
    let pass = || async {
        baf_app::retention::run_pass(&app.store, app.blobs.as_ref())
            .await
            .unwrap()
    };
    assert_eq!(pass().await.attempts, 0, "nothing is a day old yet");

    sqlx::query("update attempt set created = created - interval '2 days'")
        .execute(app.store.pool())
        .await
        .unwrap();
    let first = pass().await;
    assert_eq!(
        (first.ran, first.attempts, first.files, first.files_left),
        (true, 1, 2, 0)
    );
    app.call(
        Method::GET,
        &format!("{}/Images", base(&authorization)),
        None,
    )
    .await
    .assert_error(413, "120032");
    app.call(
        Method::GET,
        &format!("{}/Video", base(&authorization)),
        None,
    )
    .await
    .assert_error(400, "120033");
    app.call(Method::GET, &base(&authorization), None)
        .await
        .assert_ok();
    app.call(
        Method::GET,
        &format!("{}/Images", base(&registration)),
        None,
    )
    .await
    .assert_ok();
    assert_eq!(
        applicant_files(&app, id).len(),
        2,
        "the registration keeps its files"
    );
    assert_eq!(pass().await.attempts, 0, "a second pass finds nothing");

    // another process's pass in progress: this one leaves it alone
    let held = baf_store::retention::RetentionLock::try_acquire(&app.store)
        .await
        .unwrap()
        .expect("the lock is free");
    assert!(!pass().await.ran);
    held.release().await;

    app.change_settings(SettingsChange {
        registration_media: Some(accounts::MediaKeeping::Days(1)),
        ..Default::default()
    })
    .await;
    assert_eq!(pass().await.attempts, 1);
    assert!(applicant_files(&app, id).is_empty());
    let image_key: Option<String> =
        sqlx::query_scalar("select image_key from face_profile where applicant_id = $1")
            .bind(id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    assert_eq!(
        image_key, None,
        "the profile keeps its face, not the deleted image"
    );
    assert_eq!(
        app.register(id, SELFIE).await.body["status"],
        0,
        "the registered face still authorizes"
    );
    // the server's own passes (one at its start) find nothing to delete
    let passes: i64 = sqlx::query_scalar("select count(*) from retention_pass where attempts > 0")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(passes, 2, "each pass is recorded with what it removed");
}

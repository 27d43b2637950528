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
    let reply = app.call(Method::POST, &format!("{API}/public/Validation"), Some(body)).await;
    reply.assert_ok();
    let attempt = reply.body["attemptId"].as_i64().unwrap();
    let base = format!("{API}/private/Applicants/{id}/Attempts/{attempt}");
    let images = app.call(Method::GET, &format!("{base}/Images"), None).await;
    images.assert_ok();
    assert_eq!(images.body["faceImageBase64"], base64(&face(SELFIE)));
    assert_eq!(images.body["frontImageBase64"], json!(null));
    assert!(images.body["livenessReflectionVideoLink"].as_str().unwrap().ends_with("/Video"));
    assert_eq!(images.body["livenessActiveVideoLink"], json!(null));
    let stored = app.raw(Method::GET, &format!("{base}/Video"), Some(&app.account.secret_key), None).await;
    assert_eq!((stored.status.as_u16(), stored.headers["content-type"].to_str().unwrap()), (200, "video/mp4"));
    assert_eq!(stored.text.as_bytes(), video.as_slice());
    app.call(Method::GET, &format!("{base}/LivenessActionVideo"), None).await.assert_error(400, "120033");
    app.call(Method::GET, &format!("{API}/private/Applicants/{id}/Attempts/999999"), None).await.assert_error(404, "NotFound");
    app.call(Method::GET, &format!("{API}/private/Applicants/{id}/Attempts/abc"), None).await.assert_error(400, "ValidationError");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn images_need_the_review_permission_and_a_window_that_is_still_open(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let attempt = app.register(id, SELFIE).await.body["attemptId"].as_i64().unwrap();
    let images = format!("{API}/private/Applicants/{id}/Attempts/{attempt}/Images");
    let account = app.account.account_id.0;
    accounts::change_settings(&app.store, &SettingsChange { account, image_review: Some(false), ..Default::default() }).await.unwrap();
    let denied = app.call(Method::GET, &images, None).await;
    denied.assert_error(413, "120032");
    assert!(denied.body["message"].as_str().unwrap().contains("permission"));
    accounts::change_settings(&app.store, &SettingsChange { account, image_review: Some(true), image_review_hours: Some(1), ..Default::default() })
        .await
        .unwrap();
    app.call(Method::GET, &images, None).await.assert_ok();
    sqlx::query("update attempt set created = now() - interval '2 hours' where attempt_id = $1").bind(attempt).execute(app.store.pool()).await.unwrap();
    let expired = app.call(Method::GET, &images, None).await;
    expired.assert_error(413, "120032");
    assert!(expired.body["message"].as_str().unwrap().contains("expired"));
}

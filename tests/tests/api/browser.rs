//! The hosted verification page in headless Chromium with a fake camera playing a face photo:
//! what a person on a phone does. Screenshots of the final screens are kept in
//! `target/test-artifacts/`.

use std::path::PathBuf;
use std::time::Duration;

use baf_store::PgPool;
use baf_tests::browser::{Browser, y4m_from_picture};
use baf_tests::{TestApp, face, repo_root};
use serde_json::json;

fn artifacts() -> PathBuf {
    let dir = repo_root().join("target/test-artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    dir
}

/// Opens the applicant's link in a browser whose camera shows `photo`, takes the picture, and
/// returns the status line once the page shows an outcome.
async fn take_photo_on_the_page(
    app: &TestApp,
    applicant: uuid::Uuid,
    photo: &str,
    name: &str,
) -> (Browser, String) {
    let page = app.url(&format!("/embedded?requestId={applicant}"));
    take_photo_at(&page, photo, name, &[]).await
}

/// [`take_photo_on_the_page`] at any address, with more Chromium switches.
async fn take_photo_at(
    page: &str,
    photo: &str,
    name: &str,
    chromium_args: &[String],
) -> (Browser, String) {
    let video = artifacts().join(format!("{name}.y4m"));
    std::fs::write(&video, y4m_from_picture(&face(photo), 10)).expect("fake camera video");
    let profile =
        std::env::temp_dir().join(format!("baf-chromium-{name}-{}", uuid::Uuid::new_v4()));
    let browser = Browser::start_with(&video, &profile, chromium_args).await;
    browser.goto(page).await;
    assert!(
        browser
            .wait_until(
                "return !document.getElementById('capture').disabled",
                Duration::from_secs(30)
            )
            .await,
        "the camera never started: {}",
        browser.text("#status").await
    );
    browser.click("#capture").await;
    assert!(
        browser
            .wait_until(
                "return document.getElementById('status').className !== ''",
                Duration::from_secs(60)
            )
            .await,
        "no outcome shown: {}",
        browser.text("#status").await
    );
    let status = browser.text("#status").await;
    browser
        .screenshot(&artifacts().join(format!("{name}.png")))
        .await;
    (browser, status)
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_person_registers_with_the_camera_and_returns_to_the_callback(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let callback = app.url("/healthz?verified");
    let id = app.create_applicant(json!({"callbackUrl": callback})).await;
    let (browser, status) = take_photo_on_the_page(
        &app,
        id,
        "selfie/obama/fr_obama.jpg",
        "embedded-registration-success",
    )
    .await;
    let redirected = browser
        .wait_until(
            "return window.location.href.includes('/healthz?verified')",
            Duration::from_secs(10),
        )
        .await;
    browser.close().await;
    assert!(status.starts_with("Success"), "{status}");
    assert!(redirected, "the page did not return to the callbackUrl");
    let applicant = app.get_applicant(id).await.body;
    assert_eq!(
        (
            applicant["status"].as_i64(),
            applicant["openedLinkTimes"].as_i64()
        ),
        (Some(1), Some(1))
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_picture_without_a_face_asks_for_another_try(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let (browser, status) =
        take_photo_on_the_page(&app, id, "noface/ski_coffee.png", "embedded-no-face-retry").await;
    let retry_enabled = browser
        .eval("return !document.getElementById('capture').disabled")
        .await;
    browser.close().await;
    assert!(status.contains("No face was found"), "{status}");
    assert_eq!(
        retry_enabled,
        json!(true),
        "the person can take another photo"
    );
    let applicant = app.get_applicant(id).await.body;
    assert_eq!(
        (
            applicant["status"].as_i64(),
            applicant["attemptsCount"].as_i64(),
            applicant["attemptsUsed"].as_i64()
        ),
        (Some(0), Some(1), Some(0))
    );
}

/// The camera needs a secure context, which plain HTTP is only on localhost: on a real host name
/// the page must come over HTTPS, which the server serves itself with the operator's certificate.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_page_registers_over_https_on_a_host_name_that_is_not_localhost(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = baf_tests::self_signed_certificate(dir.path(), "baf.test");
    let app = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.tls_cert = Some(cert.clone());
        config.tls_key = Some(key.clone());
        config.public_url = format!("https://baf.test:{}", config.listen.port());
    })
    .await;
    let id = app.create_applicant(json!({})).await;
    let page = format!(
        "https://baf.test:{}/embedded?requestId={id}",
        app.address.port()
    );
    let args = [
        "--host-resolver-rules=MAP baf.test 127.0.0.1".to_owned(),
        // the test's own certificate authority is not the system's
        "--ignore-certificate-errors".to_owned(),
    ];
    let (browser, status) = take_photo_at(
        &page,
        "selfie/obama/fr_obama.jpg",
        "embedded-registration-https",
        &args,
    )
    .await;
    let secure = browser.eval("return window.isSecureContext").await;
    browser.close().await;
    assert_eq!(secure, json!(true));
    assert!(status.starts_with("Success"), "{status}");
    assert_eq!(app.get_applicant(id).await.body["status"], 1);
}

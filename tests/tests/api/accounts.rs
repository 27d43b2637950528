//! The operator's account commands, as the server binary runs them.

use baf_server::accounts::{self, SettingsChange};
use baf_store::PgPool;
use baf_tests::{API, TestApp};
use reqwest::Method;
use serde_json::json;

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn new_applicants_snapshot_the_accounts_settings(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let before = app.create_applicant(json!({})).await;
    let change = SettingsChange {
        account: app.account.account_id.0,
        max_attempts: Some(5),
        anti_spoofing_percent: Some(80),
        face_validation_percent: Some(85),
        ..Default::default()
    };
    let settings = accounts::change_settings(&app.store, &change)
        .await
        .unwrap();
    assert_eq!(
        (
            settings.max_attempts,
            settings.validation.anti_spoofing_percent
        ),
        (5, 80)
    );
    let after = app.create_applicant(json!({})).await;
    let old = &app.get_applicant(before).await.body["validationRequestSettings"];
    let new = &app.get_applicant(after).await.body["validationRequestSettings"];
    assert_eq!(
        (
            old["antiSpoofingPercent"].as_i64(),
            new["antiSpoofingPercent"].as_i64()
        ),
        (Some(50), Some(80))
    );
    assert_eq!(new["faceValidationPercent"], 85);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn settings_out_of_range_are_refused_and_change_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let account = app.account.account_id.0;
    for change in [
        SettingsChange {
            account,
            max_attempts: Some(6),
            ..Default::default()
        },
        SettingsChange {
            account,
            max_attempts: Some(0),
            ..Default::default()
        },
        SettingsChange {
            account,
            face_match_threshold: Some(101),
            anti_spoofing_percent: Some(10),
            ..Default::default()
        },
    ] {
        assert!(
            accounts::change_settings(&app.store, &change)
                .await
                .is_err()
        );
    }
    let unchanged = accounts::change_settings(
        &app.store,
        &SettingsChange {
            account,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(unchanged, baf_domain::AccountSettings::default());
    assert!(
        accounts::change_settings(
            &app.store,
            &SettingsChange {
                account: uuid::Uuid::new_v4(),
                ..Default::default()
            }
        )
        .await
        .is_err()
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn keys_are_stored_hashed_and_the_demo_account_is_reused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select key_hash from api_key")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert_eq!(stored.len(), 2, "a secret and a public key");
    for key in [&app.account.secret_key, &app.account.public_key] {
        assert!(
            stored.contains(&baf_api::hash_key(key).to_vec()),
            "the sha256 of {key} is stored"
        );
    }
    let first = accounts::demo(&app.store, "demo", false).await.unwrap();
    let first = first.expect("a new demo account prints its keys");
    assert!(first.secret_key.starts_with("sk_") && first.public_key.starts_with("pk_"));
    assert!(
        accounts::demo(&app.store, "demo", false)
            .await
            .unwrap()
            .is_none(),
        "a restart prints no new working pair"
    );
    let rotated = accounts::demo(&app.store, "demo", true)
        .await
        .unwrap()
        .expect("--demo-rotate prints a new pair");
    assert_eq!(first.account_id, rotated.account_id);
    assert_eq!(
        status_with(&app, &first.secret_key).await,
        401,
        "the old pair stops"
    );
    assert_eq!(status_with(&app, &rotated.secret_key).await, 200);
}

/// The status of listing applicants with `key`.
async fn status_with(app: &TestApp, key: &str) -> u16 {
    app.raw(
        Method::GET,
        &format!("{API}/private/Applicants"),
        Some(key),
        None,
    )
    .await
    .status
    .as_u16()
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_account_name_is_used_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let error = accounts::create(&app.store, "test", None)
        .await
        .expect_err("the test account's name is taken");
    assert!(error.to_string().contains("exists already"), "{error}");
    assert!(accounts::create(&app.store, "test-2", None).await.is_ok());
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn accounts_are_listed_with_their_key_prefixes_and_applicants(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.create_applicant(json!({})).await;
    app.create_applicant(json!({})).await;
    let other = app.other_account().await;
    let listed = accounts::list(&app.store).await.unwrap();
    let summary: Vec<(String, Vec<String>, i64)> = listed
        .into_iter()
        .map(|a| (a.name, a.key_prefixes, a.applicants))
        .collect();
    let prefixes = |secret: &str, public: &str| {
        let mut both = vec![secret[..11].to_owned(), public[..11].to_owned()];
        both.sort();
        both
    };
    let mut found = summary.clone();
    for entry in &mut found {
        entry.1.sort();
    }
    assert_eq!(
        found,
        [
            (
                "test".to_owned(),
                prefixes(&app.account.secret_key, &app.account.public_key),
                2
            ),
            (
                "other".to_owned(),
                prefixes(&other.secret_key, &other.public_key),
                0
            )
        ]
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn rotated_keys_work_through_the_grace_period_and_revoked_ones_stop(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // keys this server has not seen yet: its key cache cannot keep them working
    let graced = accounts::create(&app.store, "graced", None).await.unwrap();
    let id = graced.account_id;
    let new = accounts::rotate_keys(&app.store, id, 60).await.unwrap();
    assert_eq!(
        status_with(&app, &graced.secret_key).await,
        200,
        "within the grace"
    );
    let immediate = accounts::rotate_keys(&app.store, id, 0).await.unwrap();
    assert_eq!(status_with(&app, &new.secret_key).await, 401, "no grace");
    let listed = accounts::list(&app.store).await.unwrap();
    let keys = &listed.iter().find(|a| a.id == id).unwrap().key_prefixes;
    assert_eq!(keys.len(), 2, "only the working pair is listed: {keys:?}");

    let prefix = &immediate.public_key[..11];
    assert_eq!(
        accounts::revoke_key(&app.store, id, prefix).await.unwrap(),
        1
    );
    assert_eq!(status_with(&app, &immediate.public_key).await, 401);
    assert!(
        accounts::revoke_key(&app.store, id, prefix).await.is_err(),
        "a prefix naming no key is refused"
    );
    assert!(
        accounts::revoke_key(
            &app.store,
            app.account.account_id,
            &immediate.secret_key[..11]
        )
        .await
        .is_err(),
        "another account's key is not this one's"
    );
    assert_eq!(
        accounts::revoke_key(&app.store, id, &immediate.secret_key)
            .await
            .unwrap(),
        1,
        "a whole key names it too"
    );
    assert_eq!(status_with(&app, &immediate.secret_key).await, 401);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn deleting_an_account_removes_everything_it_holds(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.register(id, "selfie/obama/fr_obama-240p.jpg")
        .await
        .assert_ok();
    app.call(
        Method::POST,
        &format!("{API}/private/Blacklist/FromApplicantId"),
        Some(json!({"applicantId": id})),
    )
    .await
    .assert_ok();
    assert!(app.media_folder(id).exists());
    let other = app.other_account().await;
    let account = app.account.account_id;
    let deleted = accounts::delete(&app.store, app.blobs.as_ref(), account)
        .await
        .unwrap();
    assert_eq!((deleted.applicants, deleted.media_left), (1, 0));
    assert!(!app.media_folder(id).exists(), "its media files are gone");
    for table in [
        "applicant",
        "attempt",
        "face_profile",
        "blacklist_person",
        "risk_event",
        "api_key",
    ] {
        let left: i64 = sqlx::query_scalar(&format!(
            "select count(*) from {table} where account_id = $1"
        ))
        .bind(account.0)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    // the server still holds the key for a while: it is refused, not a server error
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({})),
        )
        .await;
    reply.assert_error(401, "Unauthorized");
    assert_eq!(
        status_with(&app, &other.secret_key).await,
        200,
        "others are untouched"
    );
    assert!(
        accounts::delete(&app.store, app.blobs.as_ref(), account)
            .await
            .is_err(),
        "an unknown account is an error"
    );
}

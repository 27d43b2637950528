//! The operator's account commands, as the server binary runs them.

use baf_server::accounts::{self, SettingsChange};
use baf_store::PgPool;
use baf_tests::TestApp;
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
    let first = accounts::demo(&app.store, "demo").await.unwrap();
    let second = accounts::demo(&app.store, "demo").await.unwrap();
    assert_eq!(first.account_id, second.account_id);
    assert_ne!(first.secret_key, second.secret_key);
    assert!(first.secret_key.starts_with("sk_") && first.public_key.starts_with("pk_"));
}

//! Face profiles across a change of embedding model: a profile made by another model is never
//! compared, and `baf-server profiles reembed` makes it current again from its stored image.

use std::sync::Arc;

use baf_tests::{ENGINE, TestApp};
use serde_json::json;
use sqlx::PgPool;

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";
const OBAMA_AGAIN: &str = "selfie/obama/fr_obama2.jpg";

async fn profile_model(app: &TestApp, applicant: uuid::Uuid) -> (String, i32, bool) {
    sqlx::query_as("select model, array_length(embedding, 1), image_key is not null from face_profile where applicant_id = $1")
        .bind(applicant)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_profile_of_another_model_is_never_compared_until_it_is_reembedded(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    assert_eq!(
        profile_model(&app, first).await,
        ("fusion".to_owned(), 384, true)
    );

    // As a server of the previous release left it: a dlib embedding, no image key (the selfie of
    // the successful registration is the image).
    sqlx::query("update face_profile set model = 'dlib-resnet-v1', embedding = embedding[1:128], image_key = null where applicant_id = $1")
        .bind(first)
        .execute(app.store.pool())
        .await
        .unwrap();
    let restarted = app.second_process().await;
    let authorization = restarted.register(first, OBAMA_AGAIN).await;
    authorization.assert_ok();
    assert_eq!(
        authorization.body["status"], 1,
        "a stale profile must not be found: {}",
        authorization.text
    );
    let second = restarted.create_applicant(json!({})).await;
    let registration = restarted.register(second, OBAMA_AGAIN).await;
    assert_eq!(
        registration.body["validationStatus"]["profileAlreadyExists"], false,
        "{}",
        registration.text
    );

    let blobs = Arc::clone(&app.blobs);
    let summary = baf_server::profiles::reembed(&app.store, Arc::clone(&blobs), &ENGINE, 1, false)
        .await
        .unwrap();
    assert_eq!(
        (
            summary.stale_before,
            summary.reembedded,
            summary.not_reembedded.len()
        ),
        (1, 1, 0),
        "{summary:?}"
    );
    assert_eq!(profile_model(&app, first).await.0, "fusion");
    let again = baf_server::profiles::reembed(&app.store, blobs, &ENGINE, 1, false)
        .await
        .unwrap();
    assert_eq!(
        (again.stale_before, again.reembedded),
        (0, 0),
        "a second run has nothing left to do"
    );

    let current = app.second_process().await;
    let authorization = current.register(first, OBAMA_AGAIN).await;
    assert_eq!(authorization.body["status"], 0, "{}", authorization.text);
}

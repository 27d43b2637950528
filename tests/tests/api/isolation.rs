//! An id from another account is answered exactly like an id that does not exist.

use baf_store::PgPool;
use baf_tests::{API, TestApp, john};
use reqwest::Method;
use serde_json::json;

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn another_accounts_applicant_is_not_found_on_every_route(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"referenceId": "shared-ref", "firstName": "Mine"}))
        .await;
    let other = app.other_account().await;
    let missing = uuid::Uuid::new_v4();
    for key in [other.secret_key.as_str()] {
        for (method, path, body) in [
            (
                Method::GET,
                format!("{API}/private/Applicants/{{id}}"),
                None,
            ),
            (
                Method::PUT,
                format!("{API}/private/Applicants/{{id}}"),
                Some(r#"{"firstName":"Stolen"}"#),
            ),
            (
                Method::DELETE,
                format!("{API}/private/Applicants/{{id}}"),
                None,
            ),
            (
                Method::POST,
                format!("{API}/private/Applicants/{{id}}/Open"),
                None,
            ),
            (
                Method::POST,
                format!("{API}/public/Applicants/{{id}}/Complete"),
                None,
            ),
            (
                Method::GET,
                format!("{API}/public/Applicants/{{id}}/Completed"),
                None,
            ),
        ] {
            let theirs = app
                .raw(
                    method.clone(),
                    &path.replace("{id}", &id.to_string()),
                    Some(key),
                    body.map(|b| ("application/json", b.to_owned())),
                )
                .await;
            let absent = app
                .raw(
                    method,
                    &path.replace("{id}", &missing.to_string()),
                    Some(key),
                    body.map(|b| ("application/json", b.to_owned())),
                )
                .await;
            theirs.assert_error(404, "120024");
            assert_eq!(
                theirs.body["message"]
                    .as_str()
                    .map(|m| m.replace(&id.to_string(), "ID")),
                absent.body["message"]
                    .as_str()
                    .map(|m| m.replace(&missing.to_string(), "ID")),
                "{path}"
            );
        }
        let by_reference = app
            .raw(
                Method::GET,
                &format!("{API}/private/Applicants/ByReferenceId/shared-ref"),
                Some(key),
                None,
            )
            .await;
        by_reference.assert_error(404, "120024");
        let listed = app
            .raw(
                Method::GET,
                &format!("{API}/private/Applicants?TextFilter=Mine"),
                Some(key),
                None,
            )
            .await;
        assert_eq!(listed.body["total"], 0);
    }
    let mine = app.get_applicant(id).await;
    assert_eq!(
        (
            mine.body["firstName"].as_str(),
            mine.body["status"].as_i64()
        ),
        (Some("Mine"), Some(0))
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_same_reference_in_two_accounts_is_not_ambiguous(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.create_applicant(json!({"referenceId": "r"})).await;
    let other = app.other_account().await;
    let created = app
        .raw(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(&other.secret_key),
            Some(("application/json", r#"{"referenceId":"r"}"#.into())),
        )
        .await;
    created.assert_ok();
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/ByReferenceId/r"),
        None,
    )
    .await
    .assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn keys_are_required_and_public_keys_open_only_public_routes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(john()).await;
    let list = format!("{API}/private/Applicants");
    app.raw(Method::GET, &list, None, None)
        .await
        .assert_error(401, "Unauthorized");
    app.raw(
        Method::GET,
        &list,
        Some("sk_00000000-0000-0000-0000-000000000000"),
        None,
    )
    .await
    .assert_error(401, "Unauthorized");
    app.raw(Method::GET, &list, Some(&app.account.public_key), None)
        .await
        .assert_error(403, "Forbidden");
    let completed = format!("{API}/public/Applicants/{id}/Completed");
    app.raw(Method::GET, &completed, Some(&app.account.public_key), None)
        .await
        .assert_error(404, "120025");
    app.raw(
        Method::POST,
        &format!("{API}/public/Applicants/{id}/Complete"),
        Some(&app.account.public_key),
        None,
    )
    .await
    .assert_ok();
    app.raw(Method::GET, &completed, None, None)
        .await
        .assert_error(401, "Unauthorized");
}

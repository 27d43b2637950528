use baf_store::PgPool;
use baf_tests::{API, TestApp, john};
use reqwest::Method;
use serde_json::json;

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_created_applicant_reads_back_with_every_vendor_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({"firstName": "John", "lastName": "Dow", "phone": "49828585009568", "email": "j@x.io",
        "referenceId": "ref-1", "metadata": {"tenant": "acme", "k": "v"}, "callbackUrl": "https://client/cb",
        "verificationMethod": 0, "case": [{"name": 1, "value": "ignored"}]});
    let created = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(body),
        )
        .await;
    created.assert_ok();
    let id = created.body["applicantId"].as_str().unwrap();
    assert_eq!(
        created.body["validationLink"],
        format!("{}/embedded?requestId={id}", app.url(""))
    );
    let short = created.body["shortValidationLink"].as_str().unwrap();
    assert!(
        short.starts_with(&app.url("/")) && short.len() == app.url("/").len() + 10,
        "{short}"
    );

    let got = app.get_applicant(id.parse().unwrap()).await;
    got.assert_ok();
    let a = &got.body;
    let fields = [
        "applicantId",
        "attemptsCount",
        "lastAttemptId",
        "successAttemptId",
        "successAttempt",
        "firstName",
        "lastName",
        "phone",
        "email",
        "referenceId",
        "openedLinkTimes",
        "created",
        "accountId",
        "validationRequestSettings",
        "completed",
        "status",
        "statusName",
        "attemptsUsed",
        "documentExpired",
        "lastValidationResponse",
        "hasRiskEvents",
        "hasBackgroundRiskEvents",
        "metadata",
        "callbackUrl",
        "verificationMethod",
    ];
    for field in fields {
        assert!(
            a.as_object().unwrap().contains_key(field),
            "missing {field}"
        );
    }
    assert_eq!(a["applicantId"], id);
    assert_eq!(a["accountId"], app.account.account_id.to_string());
    assert_eq!(
        (a["firstName"].as_str(), a["referenceId"].as_str()),
        (Some("John"), Some("ref-1"))
    );
    assert_eq!(a["metadata"], json!({"tenant": "acme", "k": "v"}));
    assert_eq!(
        (
            a["status"].as_i64(),
            a["statusName"].as_str(),
            a["completed"].as_bool()
        ),
        (Some(0), Some("Pending"), Some(false))
    );
    assert_eq!(
        (a["attemptsCount"].as_i64(), a["attemptsUsed"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(a["verificationMethod"], 0);
    assert!(a["lastValidationResponse"].is_null() && a["successAttempt"].is_null());
    let settings = &a["validationRequestSettings"];
    assert_eq!(settings["validationRequestId"], id);
    for field in [
        "faceValidationPercent",
        "documentValidationPercent",
        "qualityScore",
        "livenessReflectionScore",
        "antiSpoofingPercent",
        "verifyFace",
        "isOCREnabled",
    ] {
        assert!(!settings[field].is_null(), "settings lack {field}");
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn every_field_is_optional_on_create(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let got = app.get_applicant(id).await;
    assert_eq!(
        (
            got.body["firstName"].clone(),
            got.body["verificationMethod"].clone()
        ),
        (json!(null), json!(1))
    );
    let empty_body = app
        .raw(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(&app.account.secret_key),
            None,
        )
        .await;
    empty_body.assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_short_link_redirects_to_the_validation_link(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let created = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({})),
        )
        .await;
    let short = created.body["shortValidationLink"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = short.trim_start_matches(&app.url(""));
    let reply = app.raw(Method::GET, path, None, None).await;
    assert!(reply.status.is_redirection(), "{}", reply.status);
    assert_eq!(
        reply.headers["location"],
        created.body["validationLink"].as_str().unwrap()
    );
    app.raw(Method::GET, "/ZZZZZZZZZZ", None, None)
        .await
        .assert_error(404, "NotFound");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn sms_without_a_usable_phone_is_120027_and_stores_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in [
        json!({"sendSms": true}),
        json!({"sendSms": true, "phone": "12"}),
        json!({"sendSms": true, "phone": ""}),
    ] {
        app.call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(body),
        )
        .await
        .assert_error(400, "120027");
    }
    assert_eq!(app.list("").await.body["total"], 0);
    app.create_applicant(json!({"sendSms": true, "phone": "+7 982 200-00-00"}))
        .await;
}

/// One applicant's metadata weighs at most 16 KB, so no list page can grow without bound.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn metadata_is_bounded_in_bytes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let heavy: serde_json::Map<String, serde_json::Value> = (0..9)
        .map(|i| (format!("k{i}"), json!("é".repeat(1000))))
        .collect();
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({"metadata": heavy})),
        )
        .await;
    reply.assert_error(400, "ValidationError");
    assert!(
        reply.body["propertyErrors"]["metadata"].is_array(),
        "{}",
        reply.text
    );
    let id = app.create_applicant(json!({"metadata": {"a": "1"}})).await;
    app.update(id, json!({"metadata": heavy}))
        .await
        .assert_error(400, "ValidationError");
    assert_eq!(
        app.get_applicant(id).await.body["metadata"],
        json!({"a": "1"})
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn update_keeps_absent_fields_clears_empty_ones_and_replaces_metadata(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({"firstName": "John", "lastName": "Dow", "email": "j@x.io", "metadata": {"a": "1", "b": "2"}})).await;
    app.update(
        id,
        json!({"firstName": "", "email": "new@x.io", "metadata": {"c": "3"}}),
    )
    .await
    .assert_ok();
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (
            a["firstName"].clone(),
            a["lastName"].clone(),
            a["email"].clone()
        ),
        (json!(null), json!("Dow"), json!("new@x.io"))
    );
    assert_eq!(a["metadata"], json!({"c": "3"}));
    // the vendor's own curl sends json-patch+json
    let key = app.account.secret_key.clone();
    let reply = app
        .raw(
            Method::PUT,
            &format!("{API}/private/Applicants/{id}"),
            Some(&key),
            Some((
                "application/json-patch+json",
                r#"{"lastName": null}"#.into(),
            )),
        )
        .await;
    reply.assert_ok();
    assert_eq!(app.get_applicant(id).await.body["lastName"], json!(null));
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn clearing_the_phone_of_an_sms_applicant_is_120028_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"sendSms": true, "phone": "+49 30 1234567", "firstName": "John"}))
        .await;
    app.update(id, json!({"phone": "", "firstName": "Jane"}))
        .await
        .assert_error(400, "120028");
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (a["phone"].as_str(), a["firstName"].as_str()),
        (Some("+49 30 1234567"), Some("John"))
    );
    app.update(id, json!({"phone": "+49 30 7654321"}))
        .await
        .assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn unknown_applicants_are_120024_on_every_route(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = uuid::Uuid::new_v4();
    app.get_applicant(id).await.assert_error(404, "120024");
    app.update(id, json!({"firstName": "x"}))
        .await
        .assert_error(404, "120024");
    app.delete(id).await.assert_error(404, "120024");
    app.open(id).await.assert_error(404, "120024");
    app.complete(id).await.assert_error(404, "120024");
    app.completed(id).await.assert_error(404, "120024");
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/ByReferenceId/nobody"),
        None,
    )
    .await
    .assert_error(404, "120024");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn by_reference_finds_one_and_refuses_several_with_120049(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"referenceId": "Ref/One"}))
        .await;
    let reply = app
        .call(
            Method::GET,
            &format!("{API}/private/Applicants/ByReferenceId/Ref%2FOne"),
            None,
        )
        .await;
    reply.assert_ok();
    assert_eq!(reply.body["applicantId"], id.to_string());
    // reference ids keep their case even though route segments do not
    app.call(
        Method::GET,
        &format!("{API}/private/applicants/byreferenceid/ref%2Fone"),
        None,
    )
    .await
    .assert_error(404, "120024");
    app.create_applicant(json!({"referenceId": "Ref/One"}))
        .await;
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/ByReferenceId/Ref%2FOne"),
        None,
    )
    .await
    .assert_error(400, "120049");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn delete_removes_the_applicant(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(john()).await;
    let reply = app.delete(id).await;
    reply.assert_ok();
    assert!(reply.text.is_empty());
    app.get_applicant(id).await.assert_error(404, "120024");
    app.delete(id).await.assert_error(404, "120024");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn completed_is_404_120025_until_the_applicant_is_completed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"callbackUrl": "https://client/done"}))
        .await;
    app.completed(id).await.assert_error(404, "120025");
    let closed = app.complete(id).await;
    closed.assert_ok();
    assert_eq!(closed.body, json!({"callbackUrl": "https://client/done"}));
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (
            a["status"].as_i64(),
            a["statusName"].as_str(),
            a["completed"].as_bool()
        ),
        (Some(3), Some("Canceled"), Some(true))
    );
    app.completed(id).await.assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn complete_never_overwrites_a_final_status(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.force_status(id, 1, 1).await;
    let closed = app.complete(id).await;
    closed.assert_ok();
    assert_eq!(closed.body, json!({"callbackUrl": null}));
    assert_eq!(app.get_applicant(id).await.body["status"], 1);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn open_reopens_and_resets_attempts_only_from_failed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.open(id).await.assert_error(400, "150002");
    app.force_status(id, 5, 1).await;
    app.open(id).await.assert_error(400, "150002");

    app.force_status(id, 2, 3).await;
    app.open(id).await.assert_ok();
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (a["status"].as_i64(), a["attemptsUsed"].as_i64()),
        (Some(0), Some(0))
    );

    app.complete(id).await.assert_ok();
    app.force_status(id, 3, 2).await;
    app.open(id).await.assert_ok();
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (a["status"].as_i64(), a["attemptsUsed"].as_i64()),
        (Some(0), Some(2))
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_initial_status_may_be_given_but_must_be_a_known_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({"status": 2})).await;
    assert_eq!(app.get_applicant(id).await.body["statusName"], "Failed");
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({"status": 4})),
        )
        .await;
    reply.assert_error(400, "ValidationError");
    assert!(reply.body["propertyErrors"]["status"].is_array());
    app.call(
        Method::POST,
        &format!("{API}/private/Applicants"),
        Some(json!({"verificationMethod": 7})),
    )
    .await
    .assert_error(400, "ValidationError");
}

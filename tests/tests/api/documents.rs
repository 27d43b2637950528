//! Registration with a document that is read (`isOCREnabled`, on by default): the synthetic
//! passports of ../shared/documents carry photos of ../shared/faces, so the selfie can match.

use baf_store::PgPool;
use baf_tests::{API, Reply, TestApp, base64, face, repo_root};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

/// A clean TD3 passport of Obama's face, valid until 2031 (manifest: every check digit holds).
const PASSPORT: &str = "syn_td3_05.jpg";
/// A photographed passport of John Lennon's face that expired (manifest: `expired: true`).
const EXPIRED_PASSPORT: &str = "syn_td3_02.jpg";

fn document(file: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("../shared/documents").join(file)).unwrap()
}

async fn register_with(app: &TestApp, selfie: &str, document_type: i16, front: &[u8]) -> Reply {
    let id: Uuid = app.create_applicant(json!({})).await;
    validate(app, id, selfie, document_type, front).await
}

async fn validate(
    app: &TestApp,
    applicant: Uuid,
    selfie: &str,
    document_type: i16,
    front: &[u8],
) -> Reply {
    let model = json!({
        "faceImageBase64": base64(&face(selfie)),
        "frontImageBase64": base64(front),
        "documentType": document_type,
    });
    app.call(
        Method::POST,
        &format!("{API}/public/Validation"),
        Some(json!({"model": model, "applicantId": applicant})),
    )
    .await
}

fn test_status<'a>(reply: &'a Value, name: &str) -> &'a Value {
    let tests = reply["documentValidationTests"].as_array().unwrap();
    let test = tests.iter().find(|t| t["name"] == name);
    &test.unwrap_or_else(|| panic!("no {name} in {tests:?}"))["statusString"]
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_readable_valid_passport_registers_and_its_fields_are_returned(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let reply = register_with(
        &app,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &document(PASSPORT),
    )
    .await;
    reply.assert_ok();
    let body = &reply.body;
    assert_eq!(body["status"], 0, "{}", reply.text);
    assert_eq!(
        (
            &body["documentSuccess"],
            &body["documentHasNotExpired"],
            &body["validationStatus"]["documentIsValid"],
            &body["validationStatus"]["expired"],
        ),
        (&json!(true), &json!(true), &json!(true), &json!(false))
    );
    assert_eq!(body["document"]["familyName"], "OKAFOR");
    assert_eq!(body["document"]["dob"], "2004-02-28");
    assert_eq!(body["document"]["idType"], "Passport");
    assert_eq!(body["document"]["country"], "Finland");
    assert_eq!(body["document"]["abbr3Country"], "FIN");
    assert_eq!(body["document"]["abbrCountry"], "FI");
    for test in [
        "DocumentReadingValidation",
        "MrzCheckDigitsValidation",
        "DocumentExpiryValidation",
        "DocumentTypeValidation",
    ] {
        assert_eq!(test_status(body, test), "Passed", "{test}");
    }
    assert_eq!(test_status(body, "DMVValidation"), "Disabled");

    let applicant: Uuid = body["applicantId"].as_str().unwrap().parse().unwrap();
    let registered = app.get_applicant(applicant).await.body;
    assert_eq!(
        (&registered["status"], &registered["documentExpired"]),
        (&json!(1), &json!(false))
    );
    // an applicant created without names is named by its document
    assert_eq!(
        (&registered["firstName"], &registered["lastName"]),
        (&json!("GRACE"), &json!("OKAFOR"))
    );
    let attempt = body["attemptId"].as_i64().unwrap();
    let details = app.attempt(applicant, attempt).await;
    let dvs = &details.body["dvsResult"];
    assert_eq!(dvs["document"]["familyName"], "OKAFOR");
    assert_eq!(
        dvs["parsedData"],
        json!({"isOcrSuccess": true, "isPdf417Success": false, "isMrzSuccess": true})
    );
    let verification = &dvs["documentVerificationResult"];
    assert_eq!(
        verification["validationTests"][0]["name"],
        "DocumentReadingValidation"
    );
    assert_eq!(verification["status"], 1);
    let confidence = verification["verificationConfidence"].as_object().unwrap();
    for field in ["familyName", "dob", "expires", "id", "country"] {
        assert!(
            confidence[field].as_u64().unwrap() >= 70,
            "{field}: {confidence:?}"
        );
    }
    assert_eq!(
        verification["totalConfidence"],
        confidence
            .values()
            .map(|v| v.as_u64().unwrap())
            .min()
            .unwrap(),
    );
    assert_eq!(details.body["documentFailStatusReasons"], json!([]));
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_document_does_not_rename_an_applicant_the_client_named(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id: Uuid = app.create_applicant(json!({"firstName": "Gracie"})).await;
    let reply = validate(
        &app,
        id,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &document(PASSPORT),
    )
    .await;
    reply.assert_ok();
    assert_eq!(reply.body["status"], 0, "{}", reply.text);
    let applicant = app.get_applicant(id).await.body;
    assert_eq!(
        (&applicant["firstName"], &applicant["lastName"]),
        (&json!("Gracie"), &json!("OKAFOR"))
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_reading_less_sure_than_the_accounts_document_validation_percent_fails(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.change_settings(baf_server::accounts::SettingsChange {
        document_validation_percent: Some(100),
        ..Default::default()
    })
    .await;
    let reply = register_with(
        &app,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &document(PASSPORT),
    )
    .await;
    reply.assert_ok();
    let body = &reply.body;
    assert_eq!(
        (&body["status"], &body["documentSuccess"]),
        (&json!(1), &json!(false)),
        "{}",
        reply.text
    );
    assert_eq!(test_status(body, "DocumentReadingValidation"), "Failed");
    let tests = body["documentValidationTests"].as_array().unwrap();
    let reason = tests[0]["reason"].as_str().unwrap();
    assert!(reason.ends_with("below the required 100%"), "{reason}");
    // what was read is still returned
    assert_eq!(body["document"]["familyName"], "OKAFOR");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_expired_or_unreadable_document_fails_its_checks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let expired = register_with(
        &app,
        "selfie/john_lennon/of_lennon-2.jpg",
        2,
        &document(EXPIRED_PASSPORT),
    )
    .await;
    expired.assert_ok();
    let body = &expired.body;
    assert_eq!(
        (
            &body["status"],
            &body["documentSuccess"],
            &body["documentHasNotExpired"],
            &body["validationStatus"]["expired"],
        ),
        (&json!(1), &json!(false), &json!(false), &json!(true)),
        "{}",
        expired.text
    );
    assert_eq!(test_status(body, "DocumentExpiryValidation"), "Failed");
    let applicant: Uuid = body["applicantId"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        app.get_applicant(applicant).await.body["documentExpired"],
        true
    );
    let details = app
        .attempt(
            body["applicantId"].as_str().unwrap().parse().unwrap(),
            body["attemptId"].as_i64().unwrap(),
        )
        .await;
    let reasons = details.body["documentFailStatusReasons"]
        .as_array()
        .unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r.as_str().unwrap().contains("expired")),
        "{reasons:?}"
    );

    // a portrait photo sent as the passport (its face fills 8% of it): the faces match, the
    // document cannot be read, a failed check
    let portrait = register_with(
        &app,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &document("faceonly_fr_obama.jpg"),
    )
    .await;
    let body = &portrait.body;
    assert_eq!(
        (
            &body["status"],
            &body["validationStatus"]["faceIsValid"],
            &body["documentSuccess"],
            &body["document"],
        ),
        (&json!(1), &json!(true), &json!(false), &json!(null)),
        "{}",
        portrait.text
    );
    assert_eq!(test_status(body, "DocumentReadingValidation"), "Failed");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_selfie_sent_as_the_document_is_refused_as_no_document(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id: Uuid = app.create_applicant(json!({})).await;
    let refused = validate(
        &app,
        id,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &face("selfie/obama/fr_knn_obama1.jpg"),
    )
    .await;
    refused.assert_error(400, "120030");
    assert!(
        refused
            .text
            .contains("face photo, not an identity document"),
        "{}",
        refused.text
    );
    let applicant = app.get_applicant(id).await.body;
    assert_eq!(
        (
            &applicant["status"],
            &applicant["attemptsUsed"],
            &applicant["lastValidationResponse"]["responseStatusName"],
        ),
        (&json!(0), &json!(0), &json!("InvalidData")),
        "{applicant}"
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_document_holder_on_the_blacklist_by_names_and_dob_fails(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let blacklist = format!("{API}/private/Blacklist");
    // another person of the same names, and the holder under another birthday, are no match
    for (first, dob) in [("Joy", "2004-02-28"), ("Grace", "2004-02-29")] {
        let entry = json!({"firstName": first, "familyName": "Okafor", "dob": dob});
        app.call(Method::POST, &blacklist, Some(entry))
            .await
            .assert_ok();
    }
    let allowed = register_with(
        &app,
        "selfie/obama/fr_obama-240p.jpg",
        2,
        &document(PASSPORT),
    )
    .await;
    assert_eq!(
        (
            &allowed.body["status"],
            &allowed.body["validationStatus"]["hasBeenBlackListed"]
        ),
        (&json!(0), &json!(false)),
        "{}",
        allowed.text
    );

    let entry =
        json!({"firstName": "grace", "familyName": "Okafor", "dob": "2004-02-28T00:00:00Z"});
    app.call(Method::POST, &blacklist, Some(entry))
        .await
        .assert_ok();
    let refused = register_with(&app, "selfie/obama/fr_obama2.jpg", 2, &document(PASSPORT)).await;
    let body = &refused.body;
    assert_eq!(
        (
            &body["status"],
            &body["validationStatus"]["hasBeenBlackListed"]
        ),
        (&json!(1), &json!(true)),
        "{}",
        refused.text
    );
    let applicant: Uuid = body["applicantId"].as_str().unwrap().parse().unwrap();
    assert_eq!(app.get_applicant(applicant).await.body["status"], 2);
    let details = app
        .attempt(applicant, body["attemptId"].as_i64().unwrap())
        .await;
    let risks: Vec<&Value> = details.body["riskEvents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|risk| &risk["riskName"])
        .collect();
    assert!(risks.contains(&&json!("BlackListed")), "{risks:?}");
}

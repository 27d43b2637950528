//! `POST public/Validation` end to end: the real models on the photos of ../shared/faces.

use baf_server::accounts::{self, SettingsChange};
use baf_store::PgPool;
use baf_tests::{API, TestApp, base64, face};
use futures::future::join_all;
use reqwest::Method;
use serde_json::json;

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";
const OBAMA_AGAIN: &str = "selfie/obama/fr_obama2.jpg";
const OBAMA_THIRD: &str = "selfie/obama/fr_knn_obama1.jpg";
const BIDEN: &str = "selfie/biden/fr_biden.jpg";
const ROSE: &str = "selfie/rose_leslie/fr_img1.jpg";
const PRINT_ATTACK: &str = "spoof/sf_image_F1.jpg";
const TWO_PEOPLE: &str = "group/fr_two_people.jpg";
const NO_FACE: &str = "noface/ski_coffee.png";

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_selfie_registers_the_applicant(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"callbackUrl": "https://client/done"}))
        .await;
    let reply = app.register(id, OBAMA).await;
    reply.assert_ok();
    let r = &reply.body;
    assert_eq!(
        (
            r["status"].as_i64(),
            r["documentType"].as_i64(),
            r["faceSuccess"].as_bool()
        ),
        (Some(0), Some(10), Some(true))
    );
    assert_eq!(
        (r["attemptsCount"].as_i64(), r["attemptsLeft"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(r["validationStatus"]["profileAlreadyExists"], false);
    assert_eq!(r["validationStatus"]["antiSpoofingIsValid"], true);
    assert_eq!(r["callBackUrl"], "https://client/done");
    for field in [
        "applicantId",
        "attemptId",
        "document",
        "invalidDataErrors",
        "documentSuccess",
        "documentHasNotExpired",
        "documentValidationTests",
    ] {
        assert!(r.as_object().unwrap().contains_key(field), "{field}");
    }
    let attempt = r["attemptId"].as_i64().unwrap();
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (
            a["status"].as_i64(),
            a["statusName"].as_str(),
            a["completed"].as_bool()
        ),
        (Some(1), Some("Success"), Some(true))
    );
    assert_eq!(
        (a["attemptsCount"].as_i64(), a["attemptsUsed"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (a["lastAttemptId"].as_i64(), a["successAttemptId"].as_i64()),
        (Some(attempt), Some(attempt))
    );
    assert_eq!(a["lastValidationResponse"]["validationResponseId"], attempt);
    assert_eq!(a["lastValidationResponse"]["responseStatusName"], "Success");
    assert_eq!(a["successAttempt"]["attemptId"], attempt);
    app.completed(id).await.assert_ok();

    let details = app.attempt(id, attempt).await;
    details.assert_ok();
    let d = &details.body;
    assert_eq!(
        (
            d["attemptId"].as_i64(),
            d["documentTypeInt"].as_i64(),
            d["status"].as_i64()
        ),
        (Some(attempt), Some(10), Some(0))
    );
    // the test client connects over loopback
    assert_eq!(d["requestIpAddress"], "127.0.0.1");
    assert_eq!(
        d["validations"]["liveness"]["details"][0]["name"],
        "FaceLiveness"
    );
    assert!(
        d["validations"]["quality"]["details"][0]["score"]
            .as_f64()
            .unwrap()
            > 0.9
    );
    assert!(
        d["dvsResult"]["faceVerificationResult"]["antiSpoofing"]
            .as_f64()
            .unwrap()
            > 90.0
    );
    assert_eq!(d["riskEvents"], json!([]));
    assert_eq!(d["similarApplicants"]["ids"], json!([]));
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn no_face_or_several_faces_are_120038_and_recorded_as_invalid_data(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.register(id, NO_FACE).await.assert_error(400, "120038");
    app.register(id, TWO_PEOPLE)
        .await
        .assert_error(400, "120038");
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (
            a["status"].as_i64(),
            a["attemptsCount"].as_i64(),
            a["attemptsUsed"].as_i64()
        ),
        (Some(0), Some(2), Some(0))
    );
    assert_eq!(
        a["lastValidationResponse"]["responseStatusName"],
        "InvalidData"
    );
    // attempts that never reached the checks keep no files
    let kept: i64 = sqlx::query_scalar("select count(*) from attempt_media m join attempt a using (attempt_id) where a.applicant_id = $1")
        .bind(id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let folder = app.media_folder(id);
    let files = std::fs::read_dir(&folder).map_or(0, |files| files.count());
    assert_eq!((kept, files), (0, 0));
    let attempts = app
        .call(
            Method::GET,
            &format!("{API}/private/Applicants/{id}/Attempts"),
            None,
        )
        .await;
    let list = attempts.body["attempts"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|a| a["status"] == 2));
    let details = app
        .attempt(id, list[0]["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert_eq!(details["invalidDataErrors"][0]["code"], "120038");
    assert!(
        details["invalidDataErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Multiple faces")
    );
    app.register(id, OBAMA).await.assert_ok();
}

/// A real JPEG whose frame header claims 7000×7000: what a truncated upload of a large photo
/// looks like to a decoder that paints missing blocks grey.
fn claims_a_larger_frame(mut jpeg: Vec<u8>) -> Vec<u8> {
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    jpeg[sof + 5..sof + 9].copy_from_slice(&[0x1B, 0x58, 0x1B, 0x58]);
    jpeg
}

fn rgba16_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::ImageBuffer::<image::Rgba<u16>, _>::from_pixel(width, height, image::Rgba([9000; 4]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// Attempts without a usable face use up no attempt, so they are bounded another way: 20 per
/// applicant in 24 hours, then 120037 until the oldest is a day old.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn attempts_without_a_face_are_bounded_per_day(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.register(id, NO_FACE).await.assert_error(400, "120038");
    // nineteen more like it, as if sent earlier today
    sqlx::query(
        "insert into attempt (account_id, applicant_id, document_type, response_status, record) \
         select a.account_id, a.applicant_id, a.document_type, a.response_status, a.record \
         from attempt a, generate_series(1, 19) where a.applicant_id = $1",
    )
    .bind(id)
    .execute(app.store.pool())
    .await
    .unwrap();
    let refused = app.register(id, OBAMA).await;
    refused.assert_error(400, "120037");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("usable face"),
        "{}",
        refused.text
    );
    sqlx::query("update attempt set created = now() - interval '25 hours' where applicant_id = $1")
        .bind(id)
        .execute(app.store.pool())
        .await
        .unwrap();
    app.register(id, OBAMA).await.assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn bad_images_are_400_and_record_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let path = format!("{API}/public/Validation");
    for (face_image, property) in [
        (json!("not base64 !!!"), "model.faceImageBase64"),
        (
            json!(base64(b"plain text, not an image")),
            "model.faceImageBase64",
        ),
        (
            json!(base64(&face("invalid/cf_truncated.jpg"))),
            "model.faceImageBase64",
        ),
        (
            json!(base64(&face("invalid/cf_corrupted.png"))),
            "model.faceImageBase64",
        ),
        (
            json!(base64(&claims_a_larger_frame(face(OBAMA)))),
            "model.faceImageBase64",
        ),
        // 3000×3000 of 16-bit RGBA decodes to 72 MB, and 108 MB with its 8-bit copy: over the
        // 96 MiB one image may cost, though its 9 MP are well within the pixel limit
        (
            json!(base64(&rgba16_png(3000, 3000))),
            "model.faceImageBase64",
        ),
        (json!(7), "model.faceImageBase64"),
    ] {
        let reply = app.call(Method::POST, &path, Some(json!({"model": {"faceImageBase64": face_image, "documentType": 10}, "applicantId": id}))).await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"][property].is_array(),
            "{}",
            reply.text
        );
    }
    let reply = app
        .call(
            Method::POST,
            &path,
            Some(json!({"model": {"documentType": 10}, "applicantId": id})),
        )
        .await;
    reply.assert_error(400, "120042");
    // a video is kept as sent, so it must be one
    for field in ["livenessVideoBase64", "livenessActionVideoBase64"] {
        let reply = app.call(Method::POST, &path, Some(json!({"model": {"faceImageBase64": base64(&face(OBAMA)), "documentType": 10, field: base64(&[0x55; 4096])}, "applicantId": id}))).await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"][format!("model.{field}")].is_array(),
            "{}",
            reply.text
        );
    }
    let reply = app.call(Method::POST, &path, Some(json!({"model": {"faceImageBase64": base64(&face(OBAMA)), "documentType": 99}, "applicantId": id}))).await;
    reply.assert_error(400, "ValidationError");
    let reply = app
        .call(
            Method::POST,
            &path,
            Some(
                json!({"model": {"faceImageBase64": base64(&face(OBAMA))}, "applicantId": "nope"}),
            ),
        )
        .await;
    reply.assert_error(400, "ValidationError");
    let reply = app.call(Method::POST, &path, Some(json!({"model": {"faceImageBase64": base64(&face(OBAMA))}, "applicantId": uuid::Uuid::new_v4()}))).await;
    reply.assert_error(404, "120024");
    // a data: prefix is accepted
    let prefixed = format!("data:image/jpeg;base64,{}", base64(&face(OBAMA)));
    let a = app.get_applicant(id).await.body;
    assert_eq!(a["attemptsCount"], 0);
    // the files of refused images were stored while the engine looked at them, and removed since
    let folder = app.media_folder(id);
    assert_eq!(
        std::fs::read_dir(&folder)
            .map(|files| files.count())
            .unwrap_or(0),
        0,
        "{}",
        folder.display()
    );
    let reply = app.call(Method::POST, &path, Some(json!({"model": {"faceImageBase64": prefixed, "documentType": 10}, "applicantId": id}))).await;
    reply.assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_face_registered_by_another_applicant_is_a_duplicate_with_a_risk_event(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    let second = app.create_applicant(json!({})).await;
    let reply = app.register(second, OBAMA_AGAIN).await;
    reply.assert_ok();
    assert_eq!(
        (
            reply.body["status"].as_i64(),
            reply.body["validationStatus"]["profileAlreadyExists"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert_eq!(reply.body["attemptsLeft"], 2);
    let a = app.get_applicant(second).await.body;
    assert_eq!(
        (
            a["status"].as_i64(),
            a["hasRiskEvents"].as_bool(),
            a["successAttemptId"].clone()
        ),
        (Some(5), Some(true), json!(null))
    );
    let details = app
        .attempt(second, reply.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert_eq!(
        details["similarApplicants"]["ids"],
        json!([first.to_string()])
    );
    // the match that made it a duplicate, at or above the account's duplicate threshold (98)
    let shown = details["dvsResult"]["faceVerificationResult"]["confidence"]
        .as_f64()
        .unwrap();
    assert!(shown >= 98.0, "{details}");
    let score = details["validations"]["matching"]["details"][0]["score"]
        .as_f64()
        .unwrap();
    assert!((score - shown / 100.0).abs() < 1e-9, "{details}");
    assert_eq!(details["validations"]["matching"]["verdict"], false);
    assert_eq!(
        (
            details["riskEvents"][0]["riskName"].as_str(),
            details["riskEvents"][0]["riskNumber"].as_i64(),
            details["riskEvents"][0]["isActive"].as_bool()
        ),
        (Some("DuplicateFace"), Some(6), Some(true))
    );
    assert_eq!(details["hasRiskEvents"], true);
    // a different person registers fine
    let third = app.create_applicant(json!({})).await;
    assert_eq!(app.register(third, BIDEN).await.body["status"], 0);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_duplicate_fails_the_applicant_on_the_last_attempt_or_when_the_account_blocks_them(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    let change = SettingsChange {
        account: app.account.account_id.0,
        max_attempts: Some(1),
        ..Default::default()
    };
    accounts::change_settings(&app.store, &change)
        .await
        .unwrap();
    let second = app.create_applicant(json!({})).await;
    let reply = app.register(second, OBAMA_AGAIN).await;
    assert_eq!(
        (
            reply.body["status"].as_i64(),
            reply.body["attemptsLeft"].as_i64()
        ),
        (Some(1), Some(0))
    );
    let a = app.get_applicant(second).await.body;
    assert_eq!(
        (a["status"].as_i64(), a["hasRiskEvents"].as_bool()),
        (Some(2), Some(true))
    );
    // its one attempt is used: that is what the refusal names
    app.register(second, ROSE).await.assert_error(400, "120037");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_registered_applicant_authorizes_with_another_photo_and_a_stranger_does_not(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.register(id, OBAMA).await.assert_ok();
    let same = app.register(id, OBAMA_THIRD).await;
    same.assert_ok();
    assert_eq!(
        (
            same.body["status"].as_i64(),
            same.body["validationStatus"]["faceIsValid"].as_bool()
        ),
        (Some(0), Some(true))
    );
    let stranger = app.register(id, BIDEN).await;
    stranger.assert_ok();
    assert_eq!(
        (
            stranger.body["status"].as_i64(),
            stranger.body["validationStatus"]["faceIsValid"].as_bool()
        ),
        (Some(1), Some(false))
    );
    let a = app.get_applicant(id).await.body;
    assert_eq!(
        (
            a["status"].as_i64(),
            a["attemptsCount"].as_i64(),
            a["attemptsUsed"].as_i64()
        ),
        (Some(1), Some(3), Some(1))
    );
    let details = app
        .attempt(id, same.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert!(
        details["dvsResult"]["faceVerificationResult"]["confidence"]
            .as_f64()
            .unwrap()
            >= 90.0
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn preconditions_are_answered_with_their_codes(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let without_profile = app.create_applicant(json!({"status": 1})).await;
    app.register(without_profile, OBAMA)
        .await
        .assert_error(400, "120043");
    let canceled = app.create_applicant(json!({})).await;
    app.complete(canceled).await.assert_ok();
    app.register(canceled, OBAMA)
        .await
        .assert_error(400, "120040");
    let failed = app.create_applicant(json!({"status": 2})).await;
    app.register(failed, OBAMA)
        .await
        .assert_error(400, "120036");
    let registered = app.create_applicant(json!({})).await;
    app.register(registered, OBAMA).await.assert_ok();
    app.validate(registered, BIDEN, 2, Some(BIDEN))
        .await
        .assert_error(400, "120036");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn failed_attempts_count_down_to_failed_and_reopening_gives_them_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.strict_liveness().await;
    let id = app.create_applicant(json!({})).await;
    for (attempt, status, left) in [(1, 5, 2), (2, 5, 1), (3, 2, 0)] {
        let reply = app.register(id, PRINT_ATTACK).await;
        reply.assert_ok();
        assert_eq!(
            (
                reply.body["status"].as_i64(),
                reply.body["attemptsLeft"].as_i64()
            ),
            (Some(1), Some(left)),
            "attempt {attempt}"
        );
        assert_eq!(reply.body["validationStatus"]["antiSpoofingIsValid"], false);
        assert_eq!(
            app.get_applicant(id).await.body["status"],
            status,
            "attempt {attempt}"
        );
    }
    // Failed by its last attempt: the refusal names the attempts, not the status
    app.register(id, OBAMA).await.assert_error(400, "120037");
    app.open(id).await.assert_ok();
    assert_eq!(app.get_applicant(id).await.body["attemptsUsed"], 0);
    app.register(id, PRINT_ATTACK).await.assert_ok();
    // lowering the account's limit below the used attempts exhausts them
    let change = SettingsChange {
        account: app.account.account_id.0,
        max_attempts: Some(1),
        ..Default::default()
    };
    accounts::change_settings(&app.store, &change)
        .await
        .unwrap();
    app.register(id, OBAMA).await.assert_error(400, "120037");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn concurrent_validations_of_one_applicant_never_exceed_the_limit_nor_make_two_profiles(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    app.strict_liveness().await;
    let failing = app.create_applicant(json!({})).await;
    let replies = join_all((0..6).map(|_| app.register(failing, PRINT_ATTACK))).await;
    let decided = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        decided,
        3,
        "{:?}",
        replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status != 200)
            .all(|r| r.code() == "120036" || r.code() == "120037")
    );
    let a = app.get_applicant(failing).await.body;
    assert_eq!(
        (a["attemptsUsed"].as_i64(), a["status"].as_i64()),
        (Some(3), Some(2))
    );

    let passing = app.create_applicant(json!({})).await;
    let replies = join_all((0..4).map(|_| app.register(passing, OBAMA))).await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{:?}",
        replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    let profiles: i64 = sqlx::query_scalar("select count(*) from face_profile")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(profiles, 1);
    assert_eq!(app.get_applicant(passing).await.body["attemptsUsed"], 1);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn two_concurrent_registrations_of_one_face_never_both_succeed(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other_process = app.second_process().await;
    let ids = join_all((0..4).map(|_| app.create_applicant(json!({})))).await;
    let photos = [OBAMA, OBAMA_AGAIN, OBAMA_THIRD, OBAMA];
    let replies = join_all(ids.iter().zip(photos).enumerate().map(|(i, (id, photo))| {
        let server = if i % 2 == 0 { &app } else { &other_process };
        server.register(*id, photo)
    }))
    .await;
    let successes = replies.iter().filter(|r| r.body["status"] == 0).count();
    assert_eq!(
        successes,
        1,
        "{:?}",
        replies.iter().map(|r| r.text.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.body["validationStatus"]["profileAlreadyExists"] == true)
            .count(),
        3
    );
}

/// A validation racing the deletion of its applicant either finishes first or answers as if the
/// applicant were gone, and leaves no file or row behind either way.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_validation_racing_the_deletion_of_its_applicant_leaves_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let mut video = b"\0\0\0\x20ftypisom".to_vec();
    video.resize(2 * 1024 * 1024, 0);
    let video = base64(&video);
    let path = format!("{API}/public/Validation");
    for round in 0..10u64 {
        let id = app.create_applicant(json!({})).await;
        let body = json!({"model": {"faceImageBase64": base64(&face(OBAMA)), "documentType": 10, "livenessVideoBase64": video}, "applicantId": id});
        let validation = app.call(Method::POST, &path, Some(body));
        let deletion = async {
            tokio::time::sleep(std::time::Duration::from_millis(15 * round)).await;
            app.delete(id).await
        };
        let (validated, deleted) = tokio::join!(validation, deletion);
        deleted.assert_ok();
        match validated.status.as_u16() {
            200 => {}
            404 => {
                validated.assert_error(404, "120024");
            }
            other => panic!("round {round}: {other} {}", validated.text),
        }
        let rows: i64 = sqlx::query_scalar("select count(*) from attempt where applicant_id = $1")
            .bind(id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
        let folder = app.media_folder(id);
        assert!(
            rows == 0 && !folder.exists(),
            "round {round}: {rows} attempts, folder kept: {}",
            folder.exists()
        );
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_deleted_applicants_face_stops_matching_at_once_in_every_process(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let other_process = app.second_process().await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    // the other process learns of the profile: it is a duplicate there
    let probe = other_process.create_applicant(json!({})).await;
    assert_eq!(
        other_process.register(probe, OBAMA_AGAIN).await.body["validationStatus"]["profileAlreadyExists"],
        true
    );
    other_process.delete(first).await.assert_ok();
    let images: i64 = sqlx::query_scalar("select count(*) from attempt_media m join attempt a using (attempt_id) where a.applicant_id = $1")
        .bind(first)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(images, 0);
    let folder = app.media_folder(first);
    assert!(
        !folder.exists(),
        "the deleted applicant's files are still in {}",
        folder.display()
    );
    let again = app.create_applicant(json!({})).await;
    let reply = app.register(again, OBAMA_AGAIN).await;
    assert_eq!(
        (
            reply.body["status"].as_i64(),
            reply.body["validationStatus"]["profileAlreadyExists"].as_bool()
        ),
        (Some(0), Some(false))
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_document_registration_matches_the_selfie_to_the_documents_face(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    // face photos stand in for the documents here: with reading off, only the faces count
    let change = SettingsChange {
        account: app.account.account_id.0,
        ocr_enabled: Some(false),
        ..Default::default()
    };
    accounts::change_settings(&app.store, &change)
        .await
        .unwrap();
    let id = app.create_applicant(json!({})).await;
    let mismatch = app.validate(id, OBAMA, 2, Some(BIDEN)).await;
    mismatch.assert_ok();
    assert_eq!(
        (
            mismatch.body["status"].as_i64(),
            mismatch.body["validationStatus"]["faceIsValid"].as_bool()
        ),
        (Some(1), Some(false))
    );
    let tests = mismatch.body["documentValidationTests"].as_array().unwrap();
    assert!(tests.iter().all(|t| t["status"] == -1 || t["status"] == 2) && !tests.is_empty());
    let matching = app.validate(id, OBAMA, 2, Some(OBAMA_THIRD)).await;
    assert_eq!(matching.body["status"], 0, "{}", matching.text);
    assert_eq!(app.get_applicant(id).await.body["status"], 1);
    let no_face = app.create_applicant(json!({})).await;
    app.validate(no_face, OBAMA_AGAIN, 1, Some(NO_FACE))
        .await
        .assert_error(400, "120038");
    let details = app
        .attempt(id, matching.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert!(
        details["dvsResult"]["faceVerificationResult"]["confidence"]
            .as_f64()
            .unwrap()
            >= 70.0
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn update_main_photo_replaces_the_registered_face(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.strict_liveness().await;
    let id = app.create_applicant(json!({})).await;
    let path = format!("{API}/private/Applicants/{id}/UpdateMainPhoto");
    app.call(
        Method::POST,
        &path,
        Some(json!({"faceImageBase64": base64(&face(ROSE))})),
    )
    .await
    .assert_error(400, "150006");
    app.register(id, OBAMA).await.assert_ok();
    app.call(
        Method::POST,
        &path,
        Some(json!({"faceImageBase64": base64(&face(TWO_PEOPLE))})),
    )
    .await
    .assert_error(400, "120038");
    app.call(
        Method::POST,
        &path,
        Some(json!({"faceImageBase64": base64(&face(PRINT_ATTACK))})),
    )
    .await
    .assert_error(400, "120039");
    app.call(Method::POST, &path, Some(json!({})))
        .await
        .assert_error(400, "120042");
    app.call(
        Method::POST,
        &path,
        Some(json!({"faceImageBase64": base64(&face(ROSE))})),
    )
    .await
    .assert_ok();
    assert_eq!(
        app.register(id, "selfie/rose_leslie/fr_img2.jpg")
            .await
            .body["status"],
        0
    );
    assert_eq!(app.register(id, OBAMA_AGAIN).await.body["status"], 1);
    app.call(
        Method::POST,
        &format!(
            "{API}/private/Applicants/{}/UpdateMainPhoto",
            uuid::Uuid::new_v4()
        ),
        Some(json!({"faceImageBase64": base64(&face(ROSE))})),
    )
    .await
    .assert_error(404, "120024");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_full_queue_is_answered_503_with_retry_after(pool: PgPool) {
    let app = TestApp::spawn_with(pool, baf_tests::engine(1, 1)).await;
    let ids = join_all((0..12).map(|_| app.create_applicant(json!({})))).await;
    // a large photo keeps the one worker busy long enough for the others to arrive
    let replies = join_all(
        ids.iter()
            .map(|id| app.register(*id, "selfie/obama/fr_obama3.jpg")),
    )
    .await;
    let busy: Vec<_> = replies.iter().filter(|r| r.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "12 parallel images on one worker with a queue of one"
    );
    for reply in &busy {
        reply.assert_error(503, "ServiceUnavailable");
        assert!(reply.headers.contains_key("retry-after"));
    }
    assert!(replies.iter().any(|r| r.status == 200));
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempt")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(
        attempts as usize,
        replies.iter().filter(|r| r.status == 200).count()
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn validation_and_attempts_are_tenant_scoped(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let attempt = app.register(id, OBAMA).await.body["attemptId"]
        .as_i64()
        .unwrap();
    let other = app.other_account().await;
    let body = json!({"model": {"faceImageBase64": base64(&face(OBAMA)), "documentType": 10}, "applicantId": id}).to_string();
    app.raw(
        Method::POST,
        &format!("{API}/public/Validation"),
        Some(&other.public_key),
        Some(("application/json", body)),
    )
    .await
    .assert_error(404, "120024");
    for suffix in [
        "Attempts".to_owned(),
        format!("Attempts/{attempt}"),
        format!("Attempts/{attempt}/Images"),
        format!("Attempts/{attempt}/Video"),
    ] {
        let reply = app
            .raw(
                Method::GET,
                &format!("{API}/private/Applicants/{id}/{suffix}"),
                Some(&other.secret_key),
                None,
            )
            .await;
        reply.assert_error(404, "120024");
    }
    // the other account's registrations never see this account's faces
    let theirs = app
        .raw(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(&other.secret_key),
            Some(("application/json", "{}".into())),
        )
        .await;
    let their_id = theirs.body["applicantId"].as_str().unwrap();
    let body = json!({"model": {"faceImageBase64": base64(&face(OBAMA_AGAIN)), "documentType": 10}, "applicantId": their_id}).to_string();
    let reply = app
        .raw(
            Method::POST,
            &format!("{API}/public/Validation"),
            Some(&other.secret_key),
            Some(("application/json", body)),
        )
        .await;
    assert_eq!(reply.body["status"], 0, "{}", reply.text);
}

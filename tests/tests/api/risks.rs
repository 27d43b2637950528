//! BAF's Risks API: every risk found is listed by `private/RiskEvents`; only the active ones
//! (account settings, `private/RiskManagement/ActiveRisks`) fail the attempt.

use baf_server::accounts::SettingsChange;
use baf_store::PgPool;
use baf_tests::{API, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";
const OBAMA_AGAIN: &str = "selfie/obama/fr_obama2.jpg";
const BIDEN: &str = "selfie/biden/fr_biden.jpg";
const ROSE: &str = "selfie/rose_leslie/fr_img1.jpg";

async fn request_risk_events(app: &TestApp, query: &str) -> baf_tests::Reply {
    app.call(
        Method::GET,
        &format!("{API}/private/RiskEvents{query}"),
        None,
    )
    .await
}

async fn risk_events(app: &TestApp, query: &str) -> Value {
    let reply = request_risk_events(app, query).await;
    reply.assert_ok();
    reply.body
}

/// (type, level, isActive, applicant) of each listed event, newest first.
fn summary(page: &Value) -> Vec<(i64, i64, bool, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_i64().unwrap(),
                e["level"].as_i64().unwrap(),
                e["isActive"].as_bool().unwrap(),
                e["validationRequestId"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_mass_attack_is_recorded_in_the_background_until_the_account_activates_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.change_settings(SettingsChange {
        mass_attack_count: Some(2),
        ..Default::default()
    })
    .await;
    let id = app.create_applicant(json!({})).await;
    app.register(id, OBAMA).await.assert_ok();
    // authorizations are validation requests too: the third from this address is one too many
    assert_eq!(app.register(id, OBAMA_AGAIN).await.body["status"], 0);
    let third = app.register(id, OBAMA_AGAIN).await;
    assert_eq!(third.body["status"], 0, "an inactive risk fails nothing");
    let page = risk_events(&app, "").await;
    assert_eq!(summary(&page), [(0, 1, false, id.to_string())]);
    assert_eq!(
        page["items"][0]["validationResponseId"],
        third.body["attemptId"]
    );
    assert_eq!(
        (page["total"].as_i64(), page["totalPages"].as_i64()),
        (Some(1), Some(1))
    );
    let applicant = app.get_applicant(id).await.body;
    assert_eq!(
        (
            applicant["hasRiskEvents"].as_bool(),
            applicant["hasBackgroundRiskEvents"].as_bool()
        ),
        (Some(false), Some(true))
    );
    let detail = app
        .attempt(id, third.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert_eq!(
        (
            detail["riskEvents"][0]["riskName"].as_str(),
            detail["riskEvents"][0]["riskNumber"].as_i64(),
            detail["riskEvents"][0]["isActive"].as_bool(),
            detail["hasRiskEvents"].as_bool()
        ),
        (Some("MassAttack"), Some(0), Some(false), Some(false))
    );

    app.change_settings(SettingsChange {
        mass_attack_active: Some(true),
        ..Default::default()
    })
    .await;
    let blocked = app.register(id, OBAMA_AGAIN).await;
    assert_eq!(blocked.body["status"], 1, "{}", blocked.text);
    assert_eq!(app.get_applicant(id).await.body["hasRiskEvents"], true);
    let page = risk_events(&app, "").await;
    assert_eq!(
        summary(&page),
        [(0, 1, true, id.to_string()), (0, 1, false, id.to_string())]
    );
    let active: Vec<(i64, bool)> = app
        .call(
            Method::GET,
            &format!("{API}/private/RiskManagement/ActiveRisks"),
            None,
        )
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_i64().unwrap(),
                r["isActive"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        active,
        [(0, true), (1, false), (2, true), (6, true), (7, false)]
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn risk_events_filter_by_type_level_and_day(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    let second = app.create_applicant(json!({})).await;
    assert_eq!(app.register(second, OBAMA_AGAIN).await.body["status"], 1);
    let all = risk_events(&app, "").await;
    assert_eq!(summary(&all), [(6, 1, true, second.to_string())]);
    for (query, total) in [
        ("?Type=6", 1),
        ("?type=0", 0),
        ("?Level=1", 1),
        ("?Level=0", 0),
        ("?CreatedFrom=01-01-2000&CreatedTo=31-12-2999", 1),
        ("?CreatedTo=01-01-2000", 0),
        ("?Page=2&PageSize=1", 1),
    ] {
        let page = risk_events(&app, query).await;
        assert_eq!(page["total"], total, "{query}: {page}");
    }
    assert_eq!(
        risk_events(&app, "?Page=2&PageSize=1").await["items"],
        json!([])
    );
    for (query, field) in [
        ("?Level=5", "Level"),
        ("?Type=3", "Type"),
        ("?Type=x", "Type"),
        ("?CreatedFrom=2024-01-01", "CreatedFrom"),
        ("?PageSize=0", "PageSize"),
    ] {
        let reply = request_risk_events(&app, query).await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"].get(field).is_some(),
            "{query}: {}",
            reply.text
        );
    }
    // the public key is not enough, and another account sees none of them
    let public = app
        .raw(
            Method::GET,
            &format!("{API}/private/RiskEvents"),
            Some(&app.account.public_key.clone()),
            None,
        )
        .await;
    public.assert_error(403, "Forbidden");
    let other = app.other_account().await;
    let theirs = app
        .raw(
            Method::GET,
            &format!("{API}/private/RiskEvents"),
            Some(&other.secret_key),
            None,
        )
        .await;
    assert_eq!(theirs.body["total"], 0, "{}", theirs.text);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_inactive_duplicate_face_registers_and_is_recorded(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.change_settings(SettingsChange {
        duplicate_face_active: Some(false),
        ..Default::default()
    })
    .await;
    let first = app.create_applicant(json!({})).await;
    app.register(first, OBAMA).await.assert_ok();
    let second = app.create_applicant(json!({})).await;
    let reply = app.register(second, OBAMA_AGAIN).await;
    assert_eq!(
        (
            reply.body["status"].as_i64(),
            reply.body["validationStatus"]["profileAlreadyExists"].as_bool()
        ),
        (Some(0), Some(true)),
        "{}",
        reply.text
    );
    assert_eq!(
        summary(&risk_events(&app, "").await),
        [(6, 1, false, second.to_string())]
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_shared_browser_and_a_shared_phone_are_risks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let first = app
        .create_applicant(json!({"phone": "+7 982 200-00-00"}))
        .await;
    let second = app.create_applicant(json!({"phone": "79822000000"})).await;
    let loner = app
        .create_applicant(json!({"phone": "+1 555 0100 999"}))
        .await;
    let browser = json!({"browserFingerprint": "0a1b2c3d4e5f6789"});
    let reply = app.validate_from(first, OBAMA, browser.clone(), None).await;
    assert_eq!(reply.body["status"], 0, "{}", reply.text);
    let reply = app.validate_from(loner, ROSE, json!({}), None).await;
    assert_eq!(reply.body["status"], 0, "{}", reply.text);
    assert_eq!(
        summary(&risk_events(&app, "").await),
        [(7, 0, false, first.to_string())],
        "the first applicant's phone is the second's"
    );
    app.change_settings(SettingsChange {
        inconsistent_metadata_active: Some(true),
        ..Default::default()
    })
    .await;
    let reply = app.validate_from(second, BIDEN, browser, None).await;
    assert_eq!(reply.body["status"], 1, "{}", reply.text);
    let events = summary(&risk_events(&app, "?PageSize=2").await);
    let mut newest: Vec<(i64, bool)> = events.iter().map(|e| (e.0, e.2)).collect();
    newest.sort_unstable();
    assert_eq!(newest, [(1, false), (7, true)]);
    assert!(events.iter().all(|e| e.3 == second.to_string()));

    // a fingerprint that is not one is refused, and nothing is recorded
    let before = app.get_applicant(loner).await.body["attemptsCount"].clone();
    let refused = app
        .validate_from(
            loner,
            ROSE,
            json!({"browserFingerprint": "not a hash!"}),
            None,
        )
        .await;
    refused.assert_error(400, "ValidationError");
    assert!(
        refused.text.contains("browserFingerprint"),
        "{}",
        refused.text
    );
    assert_eq!(app.get_applicant(loner).await.body["attemptsCount"], before);
}

/// Two registrations from a proxy's address, with the last hop it appended in X-Forwarded-For.
async fn register_behind(app: &TestApp, forwarded_for: &str, selfie: &str) -> (Uuid, Value) {
    let id = app.create_applicant(json!({})).await;
    let reply = app
        .validate_from(id, selfie, json!({}), Some(forwarded_for))
        .await;
    reply.assert_ok();
    let detail = app
        .attempt(id, reply.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    (id, detail)
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(pool: PgPool) {
    let proxied = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.trusted_proxies = vec![baf_api::client::parse_proxy("127.0.0.1").unwrap()];
    })
    .await;
    proxied
        .change_settings(SettingsChange {
            mass_attack_count: Some(1),
            ..Default::default()
        })
        .await;
    let (_, detail) = register_behind(&proxied, "6.6.6.6, 198.51.100.1", OBAMA).await;
    assert_eq!(detail["requestIpAddress"], "198.51.100.1");
    let (_, detail) = register_behind(&proxied, "198.51.100.2", BIDEN).await;
    assert_eq!(detail["requestIpAddress"], "198.51.100.2");
    assert_eq!(risk_events(&proxied, "").await["total"], 0);
    let (third, _) = register_behind(&proxied, "198.51.100.1", ROSE).await;
    assert_eq!(
        summary(&risk_events(&proxied, "").await),
        [(0, 1, false, third.to_string())],
        "the second request from one client behind the proxy is more than 1"
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn x_forwarded_for_from_an_untrusted_peer_is_ignored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, detail) = register_behind(&app, "198.51.100.1", OBAMA).await;
    assert_eq!(detail["requestIpAddress"], "127.0.0.1");
}

//! The hosted verification page, its capability, short links, notifications and status webhooks.

use baf_api::LinkSigner;
use baf_api::capability::{Capability, KEY_NAME};
use baf_app::notify::signature;
use baf_server::config::NotifierKind;
use baf_store::PgPool;
use baf_tests::{API, ENGINE, Receiver, TestApp, base64, face};
use reqwest::Method;
use serde_json::{Value, json};

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";

/// The page's embedded configuration.
fn page_config(html: &str) -> Value {
    let start = html
        .find(r#"<script id="config" type="application/json">"#)
        .expect("config script")
        + 44;
    let end = start + html[start..].find("</script>").expect("end of config");
    serde_json::from_str(&html[start..end]).expect("config JSON")
}

async fn page_reply(app: &TestApp, id: impl std::fmt::Display) -> baf_tests::Reply {
    app.raw(
        Method::GET,
        &format!("/embedded?requestId={id}"),
        None,
        None,
    )
    .await
}

async fn open_page(app: &TestApp, id: impl std::fmt::Display) -> (u16, String) {
    let reply = page_reply(app, id).await;
    (reply.status.as_u16(), reply.text)
}

async fn validate_with(
    app: &TestApp,
    token: &str,
    applicant: impl std::fmt::Display,
) -> baf_tests::Reply {
    let body = json!({"model": {"faceImageBase64": base64(&face(OBAMA)), "documentType": 10}, "applicantId": applicant.to_string()});
    app.raw(
        Method::POST,
        &format!("{API}/public/Validation"),
        Some(token),
        Some(("application/json", body.to_string())),
    )
    .await
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn opening_the_link_counts_and_hands_the_page_a_capability(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"callbackUrl": "https://client/done"}))
        .await;
    let (status, html) = open_page(&app, id).await;
    assert_eq!(status, 200);
    assert!(html.contains("getUserMedia") || html.contains("/embedded/app.js"));
    let config = page_config(&html);
    assert_eq!(
        (
            config["applicantId"].as_str(),
            config["attemptsLeft"].as_i64()
        ),
        (Some(id.to_string().as_str()), Some(3))
    );
    assert!(config["token"].as_str().unwrap().starts_with("cap_"));
    assert_eq!(config["callbackUrl"], "https://client/done");
    assert_eq!(app.get_applicant(id).await.body["openedLinkTimes"], 1);
    open_page(&app, id).await;
    assert_eq!(app.get_applicant(id).await.body["openedLinkTimes"], 2);
    assert_eq!(open_page(&app, uuid::Uuid::new_v4()).await.0, 404);
    assert_eq!(open_page(&app, "garbage").await.0, 404);
    let script = app.raw(Method::GET, "/embedded/app.js", None, None).await;
    assert!(
        script.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        script.text.contains("getUserMedia")
            && !script.text.contains("http://")
            && !script.text.contains("https://")
    );
}

/// A reload that sends back the page's cookie reuses its capability and is not another opening;
/// the page may not be framed, cached or leak through the referrer.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_opening_counts_once_per_capability_on_a_locked_down_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let first = page_reply(&app, id).await;
    for reply in [&first, &page_reply(&app, "nope").await] {
        let header = |name: &str| reply.headers[name].to_str().unwrap().to_owned();
        assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
        assert!(header("content-security-policy").starts_with("default-src 'none'"));
        assert_eq!(header("x-frame-options"), "DENY");
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert_eq!(header("cache-control"), "no-store");
    }
    let cookie = first.headers["set-cookie"].to_str().unwrap().to_owned();
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/embedded",
        "Max-Age=1800",
    ] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let token = page_config(&first.text)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with(&format!("baf_page={token};")),
        "{cookie}"
    );

    let client = reqwest::Client::new();
    let reload = |cookie: String| {
        client
            .get(app.url(&format!("/embedded?requestId={id}")))
            .header("cookie", cookie)
            .send()
    };
    let again = reload(format!("baf_page={token}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page_config(&again)["token"], token.as_str());
    assert_eq!(app.get_applicant(id).await.body["openedLinkTimes"], 1);

    // another applicant's capability, or a forged one, is no reload of this page
    let other = app.create_applicant(json!({})).await;
    let (_, other_page) = open_page(&app, other).await;
    let other_token = page_config(&other_page)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for cookie in [
        format!("baf_page={other_token}"),
        "baf_page=cap_forged.x".to_owned(),
    ] {
        let page = reload(cookie).await.unwrap().text().await.unwrap();
        assert!(
            page_config(&page)["token"]
                .as_str()
                .unwrap()
                .starts_with("cap_")
        );
    }
    assert_eq!(app.get_applicant(id).await.body["openedLinkTimes"], 3);
}

/// A completed or canceled applicant's link opens a closed page: no capability, no callback URL,
/// and no opening counted.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_closed_applicants_link_issues_no_capability(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(json!({"callbackUrl": "https://client/done?session=secret"}))
        .await;
    app.call(
        Method::POST,
        &format!("{API}/public/Applicants/{id}/Complete"),
        None,
    )
    .await
    .assert_ok();
    let (status, html) = open_page(&app, id).await;
    assert_eq!(status, 200);
    assert_eq!(page_config(&html), json!({"closed": true}));
    assert!(
        !html.contains("cap_") && !html.contains("client/done"),
        "{html}"
    );
    assert_eq!(app.get_applicant(id).await.body["openedLinkTimes"], 0);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_capability_validates_its_applicant_and_nothing_else(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let other = app.create_applicant(json!({"firstName": "Other"})).await;
    let token = page_config(&open_page(&app, id).await.1)["token"]
        .as_str()
        .unwrap()
        .to_owned();

    validate_with(&app, &token, other)
        .await
        .assert_error(403, "Forbidden");
    assert_eq!(app.get_applicant(other).await.body["attemptsCount"], 0);
    for (method, path) in [
        (Method::GET, format!("{API}/private/Applicants/{id}")),
        (Method::GET, format!("{API}/private/Applicants")),
        (Method::DELETE, format!("{API}/private/Applicants/{id}")),
        (
            Method::GET,
            format!("{API}/public/Applicants/{id}/Completed"),
        ),
        (
            Method::POST,
            format!("{API}/public/Applicants/{id}/Complete"),
        ),
        (Method::GET, format!("{API}/private/Blacklist")),
    ] {
        let reply = app.raw(method, &path, Some(&token), None).await;
        assert_eq!(reply.status, 401, "{path}: {}", reply.text);
    }
    let registered = validate_with(&app, &token, id).await;
    registered.assert_ok();
    assert_eq!(registered.body["status"], 0);
    assert_eq!(app.get_applicant(id).await.body["status"], 1);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_expired_or_forged_capability_is_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    open_page(&app, id).await;
    let key: Vec<u8> = sqlx::query_scalar("select value from server_secret where name = $1")
        .bind(KEY_NAME)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    let signer = LinkSigner::new(key);
    let account = app.account.account_id;
    let expired = signer.issue(Capability {
        account,
        applicant: baf_domain_id(id),
        expires: chrono::Utc::now() - chrono::Duration::seconds(1),
    });
    validate_with(&app, &expired, id)
        .await
        .assert_error(401, "Unauthorized");
    let forged = LinkSigner::new(b"not the key".to_vec()).issue(Capability {
        account,
        applicant: baf_domain_id(id),
        expires: chrono::Utc::now() + chrono::Duration::minutes(5),
    });
    validate_with(&app, &forged, id)
        .await
        .assert_error(401, "Unauthorized");
    let valid = signer.issue(Capability {
        account,
        applicant: baf_domain_id(id),
        expires: chrono::Utc::now() + chrono::Duration::minutes(5),
    });
    validate_with(&app, &valid, id).await.assert_ok();
}

fn baf_domain_id(id: uuid::Uuid) -> baf_domain::ApplicantId {
    baf_domain::ApplicantId(id)
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_short_link_leads_to_the_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let created = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({})),
        )
        .await;
    let short = created.body["shortValidationLink"].as_str().unwrap();
    let redirect = app
        .raw(
            Method::GET,
            short.trim_start_matches(&app.url("")),
            None,
            None,
        )
        .await;
    let location = redirect.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, created.body["validationLink"].as_str().unwrap());
    let (status, _) = open_page(&app, created.body["applicantId"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}

fn assert_signed(headers: &reqwest::header::HeaderMap, body: &[u8], secret: &str) {
    assert_eq!(
        headers["x-baf-signature"].to_str().unwrap(),
        signature(secret, body)
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn links_are_sent_to_the_sms_webhook_signed(pool: PgPool) {
    let receiver = Receiver::start(0).await;
    let url = receiver.url.clone();
    let app = TestApp::spawn_configured(pool, ENGINE.clone(), |c| {
        c.notifier = NotifierKind::Webhook;
        c.notifier_url = Some(url);
        c.notifier_secret = "s3cret".into();
    })
    .await;
    let created = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({"sendSms": true, "phone": "+49 30 1234567"})),
        )
        .await;
    created.assert_ok();
    let requests = receiver.wait_for(1).await;
    let (headers, body) = &requests[0];
    assert_signed(headers, body, "s3cret");
    let message: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        (message["applicantId"].clone(), message["phone"].as_str()),
        (created.body["applicantId"].clone(), Some("+49 30 1234567"))
    );
    assert_eq!(message["link"], created.body["shortValidationLink"]);
    assert!(
        message["message"]
            .as_str()
            .unwrap()
            .contains(message["link"].as_str().unwrap())
    );

    let id = created.body["applicantId"].as_str().unwrap();
    app.call(
        Method::POST,
        &format!("{API}/private/Applicants/{id}/ReNotify"),
        None,
    )
    .await
    .assert_ok();
    assert_eq!(receiver.wait_for(2).await.len(), 2);
    let quiet = app
        .create_applicant(json!({"phone": "+49 30 1234567"}))
        .await;
    app.call(
        Method::POST,
        &format!("{API}/private/Applicants/{quiet}/ReNotify"),
        None,
    )
    .await
    .assert_error(400, "120027");
    app.call(
        Method::POST,
        &format!("{API}/private/Applicants/{}/ReNotify", uuid::Uuid::new_v4()),
        None,
    )
    .await
    .assert_error(404, "120024");
    assert_eq!(receiver.requests().await.len(), 2);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_failing_sms_gateway_is_retried_then_120027_and_the_applicant_is_not_kept(pool: PgPool) {
    let receiver = Receiver::start(usize::MAX).await;
    let url = receiver.url.clone();
    let app = TestApp::spawn_configured(pool, ENGINE.clone(), |c| {
        c.notifier = NotifierKind::Webhook;
        c.notifier_url = Some(url);
    })
    .await;
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({"sendSms": true, "phone": "+49 30 1234567"})),
        )
        .await;
    reply.assert_error(400, "120027");
    assert_eq!(receiver.requests().await.len(), 3, "three tries");
    assert_eq!(app.list("").await.body["total"], 0);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn status_changes_are_posted_signed_and_retried_with_a_delivery_log(pool: PgPool) {
    let receiver = Receiver::start(1).await;
    let url = receiver.url.clone();
    let app = TestApp::spawn_configured(pool, ENGINE.clone(), |c| {
        c.status_webhook_url = Some(url);
        c.status_webhook_secret = "hook".into();
    })
    .await;
    let id = app.create_applicant(json!({"referenceId": "ref-9"})).await;
    app.register(id, OBAMA).await.assert_ok();
    let requests = receiver.wait_for(2).await;
    let (headers, body) = requests.last().unwrap();
    assert_signed(headers, body, "hook");
    let event: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        (
            event["applicantId"].as_str(),
            event["status"].as_i64(),
            event["previousStatus"].as_i64()
        ),
        (Some(id.to_string().as_str()), Some(1), Some(0))
    );
    assert_eq!(
        (event["statusName"].as_str(), event["referenceId"].as_str()),
        (Some("Success"), Some("ref-9"))
    );
    assert!(event["attemptId"].is_i64());
    // the receiver has the request before the server has its answer and logs the delivery
    let mut conn = app.store.connection().await.unwrap();
    let mut log = baf_store::webhooks::list(&mut conn, None, 10)
        .await
        .unwrap();
    for _ in 0..100 {
        if log
            .first()
            .is_some_and(|delivery| delivery.state == "delivered")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        log = baf_store::webhooks::list(&mut conn, None, 10)
            .await
            .unwrap();
    }
    assert_eq!(
        (log.len(), log[0].state.as_str(), log[0].attempts),
        (1, "delivered", 2)
    );

    let other = app.create_applicant(json!({})).await;
    app.complete(other).await.assert_ok();
    let requests = receiver.wait_for(3).await;
    let event: Value = serde_json::from_slice(&requests[2].1).unwrap();
    assert_eq!(event["statusName"], "Canceled");
    // no change, no event
    app.complete(other).await.assert_ok();
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(receiver.requests().await.len(), 3);
}

//! `GET /metrics`: Prometheus text, request series by route template, the face engine's stages
//! and the scrape-time gauges.

use baf_store::PgPool;
use baf_tests::TestApp;
use serde_json::json;

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";

/// Whether some sample line of `metric` carries every one of `labels`.
fn has_series(text: &str, metric: &str, labels: &[&str]) -> bool {
    text.lines().any(|line| {
        line.strip_prefix(metric)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
            && labels.iter().all(|label| line.contains(label))
    })
}

async fn scrape(url: &str) -> (u16, String, String) {
    let response = reqwest::get(url).await.expect("scraped");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn metrics_name_routes_by_template_and_show_the_engine_and_the_pools(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    app.get_applicant(id).await.assert_ok();
    app.register(id, OBAMA).await.assert_ok();
    reqwest::get(app.url("/healthz")).await.unwrap();
    let (status, content_type, text) = scrape(&app.url("/metrics")).await;
    assert!(
        !has_series(&text, "baf_http_requests_total", &[r#"route="/healthz""#]),
        "probes are not counted"
    );
    assert_eq!(status, 200, "no key is needed");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(
        has_series(
            &text,
            "baf_http_requests_total",
            &[
                r#"route="/publicapi/api/v2/private/Applicants/{applicantId}""#,
                r#"method="GET""#,
                r#"status="200""#
            ]
        ),
        "{text}"
    );
    assert!(!text.contains(&id.to_string()), "no raw id in a label");
    assert!(has_series(
        &text,
        "baf_http_request_duration_seconds_bucket",
        &[r#"route="/publicapi/api/v2/public/Validation""#]
    ));
    for stage in ["decode", "detect", "quality", "liveness", "embed", "search"] {
        assert!(
            has_series(
                &text,
                "baf_face_stage_seconds_count",
                &[&format!(r#"stage="{stage}""#)]
            ),
            "{stage}: {text}"
        );
    }
    assert!(has_series(
        &text,
        "baf_attempts_total",
        &[r#"flow="Registration""#, r#"status="Success""#]
    ));
    for gauge in [
        "baf_face_queue_depth",
        "baf_gallery_profiles",
        "baf_webhook_outbox_pending",
    ] {
        assert!(has_series(&text, gauge, &[]), "{gauge}: {text}");
    }
    assert!(has_series(
        &text,
        "baf_db_pool_connections",
        &[r#"state="idle""#]
    ));
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn metrics_can_have_a_listener_of_their_own(pool: PgPool) {
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let app = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.metrics_listen = Some(address);
    })
    .await;
    app.create_applicant(json!({})).await;
    let (status, _, _) = scrape(&app.url("/metrics")).await;
    assert_eq!(status, 404, "not with the API");
    let (status, _, text) = scrape(&format!("http://{address}/metrics")).await;
    assert_eq!(status, 200);
    assert!(has_series(
        &text,
        "baf_http_requests_total",
        &[r#"method="POST""#]
    ));
}

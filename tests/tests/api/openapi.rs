//! The OpenAPI document is generated from the code; the committed copy must not drift.

use baf_store::PgPool;
use baf_tests::TestApp;
use reqwest::Method;

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = baf_api::openapi().to_pretty_json().unwrap();
    assert!(
        generated.trim() == COMMITTED.trim(),
        "openapi/openapi.json is stale: run `cargo run -p baf-server -- openapi > openapi/openapi.json`"
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_document_and_an_offline_swagger_ui_are_served(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let doc = app.raw(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(
        doc.body["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true),
        "{}",
        doc.text
    );
    assert!(doc.body["paths"]["/publicapi/api/v2/private/Applicants/{applicantId}"].is_object());
    let page = app.raw(Method::GET, "/swagger/", None, None).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.text.contains("cdn") && !page.text.contains("unpkg"),
        "the page must not need a CDN"
    );
    for asset in [
        "/swagger/swagger-ui.css",
        "/swagger/swagger-ui-bundle.js",
        "/swagger/swagger-initializer.js",
    ] {
        let reply = app.raw(Method::GET, asset, None, None).await;
        assert_eq!(reply.status, 200, "{asset}");
    }
}

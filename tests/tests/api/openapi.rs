//! The OpenAPI document is generated from the code; the committed copy must not drift.

use baf_store::PgPool;
use baf_tests::TestApp;
use reqwest::Method;

const COMMITTED: &str = include_str!("../../../openapi/openapi.json");

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = serde_json::to_string_pretty(&baf_api::openapi()).unwrap();
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

/// A request: method, the operation's path template, the path sent, the key and the body.
type Case<'a> = (
    Method,
    &'a str,
    String,
    Option<&'a str>,
    Option<(&'a str, String)>,
);

/// Errors the server really answers are documented for their operation, with their code in
/// the response's description and the body schema the blacklist's wrapper or the envelope.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_errors_answered_are_the_errors_documented(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let document: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    let id = app.create_applicant(serde_json::json!({})).await;
    let missing = uuid::Uuid::new_v4();
    let secret = app.account.secret_key.clone();
    let public = app.account.public_key.clone();
    let json = |body: &str| Some(("application/json", body.to_owned()));
    let cases: Vec<Case> = vec![
        (
            Method::GET,
            "/private/Applicants/{applicantId}",
            format!("/private/Applicants/{missing}"),
            Some(&secret),
            None,
        ),
        (
            Method::GET,
            "/private/Applicants/{applicantId}",
            format!("/private/Applicants/{id}"),
            None,
            None,
        ),
        (
            Method::GET,
            "/private/Applicants/{applicantId}",
            format!("/private/Applicants/{id}"),
            Some(&public),
            None,
        ),
        (
            Method::GET,
            "/private/Applicants/{applicantId}",
            "/private/Applicants/not-a-uuid".to_owned(),
            Some(&secret),
            None,
        ),
        (
            Method::GET,
            "/private/Applicants",
            "/private/Applicants?SortField=nope".to_owned(),
            Some(&secret),
            None,
        ),
        (
            Method::POST,
            "/private/Applicants",
            "/private/Applicants".to_owned(),
            Some(&secret),
            Some(("text/plain", "{}".to_owned())),
        ),
        (
            Method::GET,
            "/private/Applicants/{applicantId}/Attempts/{attemptId}/Video",
            format!("/private/Applicants/{id}/Attempts/1/Video"),
            Some(&secret),
            None,
        ),
        (
            Method::POST,
            "/private/Applicants/{applicantId}/UpdateMainPhoto",
            format!("/private/Applicants/{id}/UpdateMainPhoto"),
            Some(&secret),
            json(r#"{"faceImageBase64":"aGVsbG8="}"#),
        ),
        (
            Method::GET,
            "/public/Applicants/{applicantId}/Completed",
            format!("/public/Applicants/{id}/Completed"),
            Some(&public),
            None,
        ),
        (
            Method::POST,
            "/public/Validation",
            "/public/Validation".to_owned(),
            Some(&public),
            json(&format!(
                r#"{{"model":{{"documentType":10}},"applicantId":"{id}"}}"#
            )),
        ),
        (
            Method::GET,
            "/private/Blacklist/{personId}",
            format!("/private/Blacklist/{missing}"),
            Some(&secret),
            None,
        ),
        (
            Method::POST,
            "/private/Blacklist",
            "/private/Blacklist".to_owned(),
            Some(&secret),
            json(r#"{"firstName":"","lastName":"","dob":""}"#),
        ),
    ];
    for (method, template, path, key, body) in cases {
        let reply = app
            .raw(
                method.clone(),
                &format!("{}{path}", baf_tests::API),
                key,
                body,
            )
            .await;
        let status = reply.status.as_u16().to_string();
        let operation = &document["paths"][format!("{}{template}", baf_tests::API)]
            [method.as_str().to_ascii_lowercase()];
        let documented = &operation["responses"][&status];
        assert!(
            documented.is_object(),
            "{method} {path} answered {status}, which {template} does not document: {}",
            reply.text
        );
        let wrapped = template.starts_with("/private/Blacklist");
        let code = if wrapped {
            &reply.body["errors"][0]["code"]
        } else {
            &reply.body["code"]
        };
        let code = code
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {}", reply.text));
        assert!(
            documented["description"]
                .as_str()
                .unwrap()
                .contains(&format!("`{code}`")),
            "{method} {path} answered {status} {code}, not in {documented}"
        );
        let schema = documented["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap();
        let expected = if wrapped {
            "WrappedError"
        } else {
            "ErrorEnvelope"
        };
        assert!(schema.ends_with(expected), "{path}: {schema}");
    }
}

/// What a client generated from the document relies on: `metadata` is a map of strings (not the
/// error envelope's map of lists), page sizes carry their bounds, and `FromApplicantId` answers
/// the JSON it documents.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_document_describes_what_the_server_does(pool: PgPool) {
    let document: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    let schemas = &document["components"]["schemas"];
    let metadata = &schemas["CreateApplicant"]["properties"]["metadata"]["oneOf"][1];
    assert_eq!(
        metadata["additionalProperties"]["type"], "string",
        "{metadata}"
    );
    let list = &document["paths"]["/publicapi/api/v2/private/Applicants"]["get"]["parameters"];
    let page_size = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "PageSize")
        .unwrap();
    assert_eq!(
        (
            &page_size["schema"]["minimum"],
            &page_size["schema"]["maximum"]
        ),
        (&serde_json::json!(1), &serde_json::json!(400))
    );
    let from_applicant = &document["paths"]["/publicapi/api/v2/private/Blacklist/FromApplicantId"]
        ["post"]["responses"]["200"]["content"];
    assert!(
        from_applicant["application/json"].is_object(),
        "{from_applicant}"
    );

    let app = TestApp::spawn(pool).await;
    let id = app
        .create_applicant(serde_json::json!({"firstName": "Ann", "lastName": "Lee"}))
        .await;
    let reply = app
        .call(
            Method::POST,
            &format!("{}/private/Blacklist/FromApplicantId", baf_tests::API),
            Some(serde_json::json!({"applicantId": id})),
        )
        .await;
    assert!(
        reply.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?} {}",
        reply.headers,
        reply.text
    );
}

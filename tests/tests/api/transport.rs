//! Spec §1–§2: prefixes, case-insensitive paths, content types, the timestamp format and the
//! error envelope for every kind of bad input.

use baf_store::PgPool;
use baf_tests::{API, TestApp, john};
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn routes_answer_under_both_prefixes_in_any_case(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(john()).await;
    let key = app.account.secret_key.clone();
    for path in [
        format!("/publicapi/api/v2/private/Applicants/{id}"),
        format!("/api/v2/private/Applicants/{id}"),
        format!("/publicapi/api/v2/private/applicants/{id}"),
        format!(
            "/API/V2/PRIVATE/APPLICANTS/{}",
            id.to_string().to_uppercase()
        ),
    ] {
        let reply = app.raw(Method::GET, &path, Some(&key), None).await;
        reply.assert_ok();
        assert_eq!(reply.body["applicantId"], id.to_string(), "{path}");
    }
    app.raw(
        Method::GET,
        &format!("/api/v2/public/applicants/{id}/completed"),
        Some(&key),
        None,
    )
    .await
    .assert_error(404, "120025");
    app.raw(
        Method::POST,
        &format!("/api/v2/public/applicants/{id}/COMPLETE"),
        Some(&key),
        None,
    )
    .await
    .assert_ok();
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_vendors_json_content_types_are_accepted_and_others_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let key = app.account.secret_key.clone();
    let path = format!("{API}/private/Applicants");
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/json-patch+json",
        "text/json",
        "application/vnd.baf+json",
    ] {
        app.raw(
            Method::POST,
            &path,
            Some(&key),
            Some((content_type, r#"{"firstName":"A"}"#.into())),
        )
        .await
        .assert_ok();
    }
    app.raw(
        Method::POST,
        &path,
        Some(&key),
        Some(("text/plain", r#"{"firstName":"A"}"#.into())),
    )
    .await
    .assert_error(415, "UnsupportedMediaType");
    assert_eq!(app.list("").await.body["total"], 5);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn responses_are_json_utf8_with_naive_microsecond_timestamps(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(john()).await;
    let reply = app.get_applicant(id).await;
    assert_eq!(
        reply.headers["content-type"],
        "application/json; charset=utf-8"
    );
    let created = reply.body["created"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(created, "%Y-%m-%dT%H:%M:%S%.6f").is_ok(),
        "{created}"
    );
    assert_eq!(
        created.len(),
        "2023-11-17T04:40:31.509932".len(),
        "{created}"
    );
    assert!(
        !created.ends_with('Z') && !created.contains('+'),
        "{created}"
    );
    let age = chrono::Utc::now().naive_utc()
        - chrono::NaiveDateTime::parse_from_str(created, "%Y-%m-%dT%H:%M:%S%.6f").unwrap();
    assert!(
        age.num_seconds().abs() < 60,
        "timestamps are UTC: {created}"
    );
    let error = app.get_applicant(uuid::Uuid::new_v4()).await;
    assert_eq!(
        error.headers["content-type"],
        "application/json; charset=utf-8"
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn bad_bodies_are_400_with_the_failing_property_and_store_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let key = app.account.secret_key.clone();
    let path = format!("{API}/private/Applicants");
    for (body, property) in [
        ("{\"firstName\": ", "firstName"),
        ("not json", "body"),
        ("[1, 2]", "body"),
        (r#"{"firstName": 5}"#, "firstName"),
        (r#"{"sendSms": "yes"}"#, "sendSms"),
        (r#"{"metadata": {"tenant": 1}}"#, "metadata.tenant"),
        (r#"{"metadata": ["a"]}"#, "metadata"),
        (r#"{"status": "x"}"#, "status"),
        (r#"{"status": 70000}"#, "status"),
        ("{\"firstName\": \"a\\u0000b\"}", "firstName"),
        (&format!("{}1{}", "[".repeat(500), "]".repeat(500)), "body"),
    ] {
        let reply = app
            .raw(
                Method::POST,
                &path,
                Some(&key),
                Some(("application/json", body.to_owned())),
            )
            .await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"][property].is_array(),
            "{body}: {}",
            reply.text
        );
    }
    let id = app.create_applicant(json!({"firstName": "Kept"})).await;
    let reply = app
        .raw(
            Method::PUT,
            &format!("{path}/{id}"),
            Some(&key),
            Some(("application/json", r#"{"firstName": 1}"#.into())),
        )
        .await;
    reply.assert_error(400, "ValidationError");
    assert_eq!(app.list("").await.body["total"], 1);
    assert_eq!(app.get_applicant(id).await.body["firstName"], "Kept");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn text_the_database_cannot_store_is_refused_in_every_parameter(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.list("TextFilter=a%00b")
        .await
        .assert_error(400, "ValidationError");
    app.call(
        Method::GET,
        &format!("{API}/private/Applicants/ByReferenceId/a%00b"),
        None,
    )
    .await
    .assert_error(400, "ValidationError");
    let blacklist = app
        .call(
            Method::GET,
            &format!("{API}/private/Blacklist?TextFilter=%00"),
            None,
        )
        .await;
    assert_eq!(blacklist.status, 400, "{}", blacklist.text);
    app.raw(Method::GET, "/ab%00cd", None, None)
        .await
        .assert_error(404, "NotFound");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn malformed_ids_are_400_naming_the_parameter(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in [
        "/private/Applicants/not-a-uuid",
        "/public/Applicants/123/Completed",
        "/private/Applicants/%00/Open",
    ] {
        let method = if path.ends_with("Open") {
            Method::POST
        } else {
            Method::GET
        };
        let reply = app.call(method, &format!("{API}{path}"), None).await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"]["applicantId"].is_array(),
            "{path}: {}",
            reply.text
        );
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_oversized_body_is_413_in_the_envelope(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let body = json!({"firstName": "x".repeat(10 * 1024 * 1024)}).to_string();
    let reply = app
        .raw(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(&app.account.secret_key),
            Some(("application/json", body)),
        )
        .await;
    reply.assert_error(413, "PayloadTooLarge");
    let long_name = app
        .call(
            Method::POST,
            &format!("{API}/private/Applicants"),
            Some(json!({"firstName": "x".repeat(3000)})),
        )
        .await;
    long_name.assert_error(400, "ValidationError");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn unknown_routes_and_methods_get_the_envelope(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.call(Method::GET, &format!("{API}/private/Nothing"), None)
        .await
        .assert_error(404, "NotFound");
    app.call(Method::PATCH, &format!("{API}/private/Applicants"), None)
        .await
        .assert_error(405, "MethodNotAllowed");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn extra_headers_and_query_parameters_of_real_clients_are_harmless(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = reqwest::Client::new();
    let reply = client
        .post(app.url(&format!("{API}/private/Applicants?caller=sdk")))
        .bearer_auth(&app.account.secret_key)
        .header("accept", "text/plain")
        .header("X-Secret-Api-Token", "whatever")
        .header("content-type", "application/json")
        .body(r#"{"firstName":"A"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn trace_ids_are_w3c_shaped_and_continue_an_incoming_trace(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let reply = app.get_applicant(uuid::Uuid::new_v4()).await;
    let trace = reply.body["traceId"].as_str().unwrap();
    let parts: Vec<_> = trace.split('-').collect();
    assert_eq!(
        (
            parts.len(),
            parts[0],
            parts[1].len(),
            parts[2].len(),
            parts[3]
        ),
        (4, "00", 32, 16, "00"),
        "{trace}"
    );
    let client = reqwest::Client::new();
    let reply: serde_json::Value = client
        .get(app.url(&format!(
            "{API}/private/Applicants/{}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(&app.account.secret_key)
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        reply["traceId"]
            .as_str()
            .unwrap()
            .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{reply}"
    );
}

/// The trace id of an error body is the `X-Request-Id` of its response; a client's own id is kept.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_trace_id_travels_in_x_request_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let reply = app.get_applicant(uuid::Uuid::new_v4()).await;
    assert_eq!(
        reply.headers["x-request-id"].to_str().unwrap(),
        reply.body["traceId"].as_str().unwrap()
    );
    let reply = reqwest::Client::new()
        .get(app.url(&format!(
            "{API}/private/Applicants/{}",
            uuid::Uuid::new_v4()
        )))
        .bearer_auth(&app.account.secret_key)
        .header("x-request-id", "checkout-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.headers()["x-request-id"], "checkout-7f3a");
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["traceId"], "checkout-7f3a");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn health_and_readiness_live_outside_the_api(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let health = app.raw(Method::GET, "/healthz", None, None).await;
    assert_eq!((health.status.as_u16(), health.text.as_str()), (200, "ok"));
    let ready = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, 200);
    app.store.pool().close().await;
    let not_ready = app.raw(Method::GET, "/readyz", None, None).await;
    assert_eq!(not_ready.status, 503);
}

/// Connections for single statements are not checked with a round trip after every use, so one
/// that Postgres has closed may fail one request; it must not stay in use and fail more.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn connections_closed_by_postgres_fail_at_most_one_request(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let warm_up = futures::future::join_all((0..8).map(|_| app.get_applicant(id))).await;
    assert!(warm_up.iter().all(|reply| reply.status == 200));
    let terminated: i64 = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity \
         where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend') t",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert!(
        terminated >= 2,
        "the server's connections were terminated ({terminated})"
    );
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(app.get_applicant(id).await.status.as_u16());
    }
    let failures = statuses.iter().filter(|status| **status != 200).count();
    assert!(
        failures <= 1 && statuses[1..].iter().all(|status| *status == 200),
        "{statuses:?}"
    );
}

/// Postgres refusing connections (down, restarting) is a 503 with `Retry-After` on every path,
/// not a 500; the server answers again once Postgres is back.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn a_database_that_refuses_connections_is_a_503_with_retry_after(pool: PgPool) {
    use sqlx::Connection;
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let database: String = sqlx::query_scalar("select current_database()")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    // from the server's maintenance database: a session may not lock itself out
    let mut admin = sqlx::PgConnection::connect(&std::env::var("DATABASE_URL").unwrap())
        .await
        .unwrap();
    let allow =
        |allowed: bool| format!("alter database \"{database}\" allow_connections {allowed}");
    sqlx::query(&allow(false))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&database)
        .execute(&mut admin)
        .await
        .unwrap();
    for _ in 0..3 {
        for reply in [
            app.get_applicant(id).await,
            app.call(
                Method::POST,
                &format!("{API}/private/Applicants"),
                Some(json!({})),
            )
            .await,
        ] {
            reply.assert_error(503, "ServiceUnavailable");
            assert!(
                reply.headers.contains_key("retry-after"),
                "{:?}",
                reply.headers
            );
        }
    }
    sqlx::query(&allow(true)).execute(&mut admin).await.unwrap();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.get_applicant(id).await.status.as_u16());
    }
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
}

/// Guessing keys from one address ends in 429 with `Retry-After` after 30 failures a minute,
/// without a database query each; the account's own key, already in use, keeps working.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn guessing_keys_is_throttled_per_address(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let path = format!("{API}/private/Applicants/{id}");
    let mut statuses = Vec::new();
    for guess in 0..40 {
        let key = format!("sk_{}", uuid::Uuid::from_u128(guess));
        let reply = app.raw(Method::GET, &path, Some(&key), None).await;
        statuses.push(reply.status.as_u16());
        if reply.status == 429 {
            reply.assert_error(429, "TooManyRequests");
            assert_eq!(reply.headers["retry-after"], "60");
        }
    }
    assert_eq!(
        (
            statuses.iter().filter(|s| **s == 401).count(),
            statuses.iter().filter(|s| **s == 429).count()
        ),
        (30, 10),
        "{statuses:?}"
    );
    app.get_applicant(id).await.assert_ok();
}

/// An account may limit each of its keys' requests per minute: beyond it 429 with
/// `Retry-After`, per key, while accounts without a limit are untouched.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn an_account_may_limit_its_keys_request_rate(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    baf_server::accounts::change_settings(
        &app.store,
        &baf_server::accounts::SettingsChange {
            account: app.account.account_id.0,
            requests_per_minute: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let id = app.create_applicant(json!({})).await;
    for _ in 0..4 {
        app.get_applicant(id).await.assert_ok();
    }
    let limited = app.get_applicant(id).await;
    limited.assert_error(429, "TooManyRequests");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    // the public key has a budget of its own
    let public = app.account.public_key.clone();
    let completed = app
        .raw(
            Method::GET,
            &format!("{API}/public/Applicants/{id}/Completed"),
            Some(&public),
            None,
        )
        .await;
    completed.assert_error(404, "120025");
}

/// Reads until the server closes the connection; what it sent meanwhile.
async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A client that never finishes its headers is disconnected; one that trickles its body is
/// answered 408 within the body deadline.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn slow_clients_are_cut_off(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.header_read_timeout_seconds = 1;
        config.body_read_timeout_seconds = 1;
    })
    .await;
    let started = std::time::Instant::now();
    let mut headers = tokio::net::TcpStream::connect(app.address).await.unwrap();
    headers
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let cut = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        read_until_closed(&mut headers),
    )
    .await
    .expect("the server closes a connection whose headers never end");
    assert!(!cut.contains("200 OK"), "{cut}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let mut body = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let request = format!(
        "POST {API}/private/Applicants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{",
        app.account.secret_key
    );
    body.write_all(request.as_bytes()).await.unwrap();
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        read_until_closed(&mut body),
    )
    .await
    .expect("the server answers a body that never arrives");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"RequestTimeout""#), "{answer}");
}

/// A connection that never finishes its request does not hold shutdown beyond its grace period.
#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn shutdown_waits_for_slow_connections_only_so_long(pool: PgPool) {
    let app = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.header_read_timeout_seconds = 600;
        config.shutdown_grace_seconds = 1;
    })
    .await;
    let mut stuck = tokio::net::TcpStream::connect(app.address).await.unwrap();
    stuck.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    tokio::time::timeout(std::time::Duration::from_secs(10), app.shut_down())
        .await
        .expect("the server stops within its grace period");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn shutting_down_finishes_the_requests_in_flight(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let id = app.create_applicant(json!({})).await;
    let body = json!({"model": {"faceImageBase64": baf_tests::base64(&baf_tests::face("selfie/obama/fr_obama3.jpg")), "documentType": 10}, "applicantId": id});
    let address = app.address;
    // The whole request is written before the stop, so the server has it in hand: a request still
    // being uploaded at shutdown may rightly be cut off.
    let body = body.to_string();
    let request = format!(
        "POST {API}/public/Validation HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        app.account.secret_key,
        body.len()
    );
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    socket.flush().await.unwrap();
    // the large selfie takes tens of milliseconds on the face engine: stop while it is being analysed
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let store = app.store.clone();
    app.shut_down().await;
    let mut reply = String::new();
    socket
        .read_to_string(&mut reply)
        .await
        .expect("the request in flight was answered");
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "{}",
        &reply[..reply.len().min(300)]
    );
    assert!(
        tokio::net::TcpStream::connect(address).await.is_err(),
        "no new connections after shutdown"
    );
    let status: i16 = sqlx::query_scalar("select status from applicant where applicant_id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(status, 1, "what the client was told succeeded is stored");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_server_speaks_https_with_the_operators_certificate(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, pem) = baf_tests::self_signed_certificate(dir.path(), "localhost");
    let app = TestApp::spawn_configured(pool, baf_tests::ENGINE.clone(), |config| {
        config.tls_cert = Some(cert.clone());
        config.tls_key = Some(key.clone());
    })
    .await;
    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let health = trusting.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    app.create_applicant(json!({})).await;
    assert!(
        reqwest::Client::new()
            .get(app.url("/healthz"))
            .send()
            .await
            .is_err(),
        "a client that does not trust the certificate refuses it"
    );
    let plain = reqwest::get(format!("http://127.0.0.1:{}/healthz", app.address.port())).await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "plain HTTP gets no answer on the TLS port"
    );
}

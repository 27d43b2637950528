//! The test harness: [`TestApp::spawn`] starts the real server on `127.0.0.1:0` over the fresh
//! database `#[sqlx::test]` hands each test, with one account, and offers one method per BAF call.

use std::net::SocketAddr;

use baf_server::ServeConfig;
use baf_server::accounts::CreatedAccount;
use baf_store::{PgPool, Store};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use uuid::Uuid;

pub const API: &str = "/publicapi/api/v2";

pub struct TestApp {
    pub address: SocketAddr,
    pub store: Store,
    pub account: CreatedAccount,
    client: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
}

/// A response with its body read as JSON (`Value::Null` when empty or not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Reply {
    /// The BAF error code of an error envelope.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_else(|| panic!("not an error envelope: {} {}", self.status, self.text))
    }

    pub fn assert_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!((self.status.as_u16(), self.code()), (status, code), "{}", self.text);
        let envelope = self.body.as_object().expect("envelope object");
        for field in ["code", "message", "additionalData", "propertyErrors", "multipleErrors", "traceId"] {
            assert!(envelope.contains_key(field), "envelope lacks {field}: {}", self.text);
        }
        self
    }

    pub fn assert_ok(&self) -> &Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        self
    }
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> Self {
        let store = Store::new(pool);
        let account = baf_server::accounts::create(&store, "test", None).await.expect("create account");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let config = ServeConfig {
            listen: address,
            database_url: String::new(),
            public_url: format!("http://{address}"),
            log: baf_server::config::LogFormat::Text,
            db_connections: 8,
            body_limit_bytes: 1024 * 1024,
        };
        let (shutdown, signal) = oneshot::channel::<()>();
        let server_store = store.clone();
        tokio::spawn(async move {
            let signal = async move {
                let _ = signal.await;
            };
            baf_server::run(&config, server_store, listener, signal).await.expect("server runs");
        });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { address, store, account, client, _shutdown: shutdown }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A request with any key (or none), body and content type.
    pub async fn raw(&self, method: Method, path: &str, key: Option<&str>, body: Option<(&str, String)>) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some((content_type, body)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, headers, text, body }
    }

    /// A request with the account's secret key and an optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let key = self.account.secret_key.clone();
        self.raw(method, path, Some(&key), body.map(|b| ("application/json", b.to_string()))).await
    }

    pub async fn create_applicant(&self, body: Value) -> Uuid {
        let reply = self.call(Method::POST, &format!("{API}/private/Applicants"), Some(body)).await;
        reply.assert_ok();
        reply.body["applicantId"].as_str().and_then(|id| id.parse().ok()).expect("applicantId")
    }

    pub async fn get_applicant(&self, id: Uuid) -> Reply {
        self.call(Method::GET, &format!("{API}/private/Applicants/{id}"), None).await
    }

    pub async fn list(&self, query: &str) -> Reply {
        self.call(Method::GET, &format!("{API}/private/Applicants?{query}"), None).await
    }

    pub async fn update(&self, id: Uuid, body: Value) -> Reply {
        self.call(Method::PUT, &format!("{API}/private/Applicants/{id}"), Some(body)).await
    }

    pub async fn delete(&self, id: Uuid) -> Reply {
        self.call(Method::DELETE, &format!("{API}/private/Applicants/{id}"), None).await
    }

    pub async fn open(&self, id: Uuid) -> Reply {
        self.call(Method::POST, &format!("{API}/private/Applicants/{id}/Open"), None).await
    }

    pub async fn complete(&self, id: Uuid) -> Reply {
        self.call(Method::POST, &format!("{API}/public/Applicants/{id}/Complete"), None).await
    }

    pub async fn completed(&self, id: Uuid) -> Reply {
        self.call(Method::GET, &format!("{API}/public/Applicants/{id}/Completed"), None).await
    }

    /// A second account on the same server, for tenant-isolation tests.
    pub async fn other_account(&self) -> CreatedAccount {
        baf_server::accounts::create(&self.store, "other", None).await.expect("create account")
    }

    /// Sets the applicant's status directly, for states only later issues' flows reach.
    pub async fn force_status(&self, id: Uuid, status: i16, attempts_used: i32) {
        sqlx::query("update applicant set status = $2, attempts_used = $3 where applicant_id = $1")
            .bind(id)
            .bind(status)
            .bind(attempts_used)
            .execute(self.store.pool())
            .await
            .expect("status set");
    }
}

/// The minimal body of a new applicant.
pub fn john() -> Value {
    json!({"firstName": "John", "lastName": "Dow", "phone": "+49 30 1234567", "email": "john@example.com"})
}

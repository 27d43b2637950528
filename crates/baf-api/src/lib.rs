//! The BAF public API v2 over HTTP (`/publicapi/api/v2/...`, also `/api/v2/...`, any case).
//! Handlers are thin: extract, call `baf-store`/`baf-domain`, map to a DTO. Errors leave through
//! [`error::ApiError`], the only place that knows statuses and BAF codes.

pub mod capability;
pub mod context;
pub mod dto;
pub mod error;
pub mod extract;
mod media;
pub mod notify;
pub mod profiles;
mod routes;
mod text;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use baf_blobs::BlobStore;
use baf_domain::ApplicantId;
use baf_domain::applicant::Applicant;
use baf_store::Store;
use rand::Rng;
use tower::ServiceBuilder;
use tower::util::MapRequest;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

pub use capability::LinkSigner;
pub use error::{ApiError, BafCode};
pub use extract::{KeyCache, hash_key};
pub use notify::Notifier;
pub use profiles::ProfileIndex;
pub use webhooks::StatusWebhook;

/// What the API needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Base of the links handed to applicants, e.g. `https://verify.example.com`.
    pub public_url: String,
    /// Largest request body accepted, in bytes (base64 images make bodies large).
    pub body_limit: usize,
    /// How long the verification page's capability stays valid.
    pub link_ttl: chrono::Duration,
    /// Where `sendSms` and `ReNotify` deliver the link.
    pub notifier: Notifier,
    /// Where status changes are POSTed, when configured.
    pub status_webhook: Option<StatusWebhook>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Where the bytes of attempts' images and videos live.
    pub blobs: Arc<dyn BlobStore>,
    pub engine: verification::Engine,
    pub profiles: Arc<ProfileIndex>,
    pub keys: KeyCache,
    pub signer: Arc<LinkSigner>,
    pub config: Arc<ApiConfig>,
}

impl AppState {
    pub fn new(
        store: Store,
        blobs: Arc<dyn BlobStore>,
        engine: verification::Engine,
        profiles: Arc<ProfileIndex>,
        signer: LinkSigner,
        config: ApiConfig,
    ) -> Self {
        Self {
            store,
            blobs,
            engine,
            profiles,
            keys: KeyCache::default(),
            signer: Arc::new(signer),
            config: Arc::new(config),
        }
    }

    fn status_webhook(&self) -> Option<&StatusWebhook> {
        self.config.status_webhook.as_ref()
    }

    fn base_url(&self) -> &str {
        self.config.public_url.trim_end_matches('/')
    }

    pub fn validation_link(&self, id: ApplicantId) -> String {
        format!("{}/embedded?requestId={id}", self.base_url())
    }

    fn links(&self, applicant: &Applicant) -> Links {
        Links {
            validation: self.validation_link(applicant.id),
            short: format!("{}/{}", self.base_url(), applicant.short_code),
        }
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.store.clone()
    }
}

/// The two links an applicant is reached by.
struct Links {
    validation: String,
    short: String,
}

impl Links {
    const SHORT_CODE_LEN: usize = 10;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// 10 base62 characters (59 bits): unguessable by enumeration, short enough for an SMS.
    fn new_short_code() -> String {
        let mut rng = rand::rng();
        (0..Self::SHORT_CODE_LEN)
            .map(|_| Self::ALPHABET[rng.random_range(0..Self::ALPHABET.len())] as char)
            .collect()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BAF-compatible face verification server",
        description = "Self-hosted implementation of the BAF (Biometric Anti-Fraud) public API v2. \
                       Every route is also served under /api/v2 and matched case-insensitively.",
    ),
    modifiers(&BearerKey),
    security(("bearer" = [])),
    tags(
        (name = "Applicants", description = "Applicants and their status"),
        (name = "Validation", description = "Registration and authorization by face"),
        (name = "Attempts", description = "Verification attempts, their images and videos"),
        (name = "Blacklist", description = "People refused by names and date of birth, or by face"),
    )
)]
struct ApiDoc;

struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "sk_<uuid> (every route) or pk_<uuid> (public/ routes only)",
                    ))
                    .build(),
            ),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::applicants::router())
        .merge(routes::attempts::router())
        .merge(routes::validation::router())
        .merge(routes::blacklist::router())
}

/// The OpenAPI document generated from the routes (committed as `openapi/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

/// The router with every layer, before path normalisation.
pub fn router(state: AppState) -> Router {
    let (api, doc) = api().split_for_parts();
    let body_limit = state.config.body_limit;
    Router::new()
        .merge(api)
        .route("/healthz", get(routes::service::healthz))
        .route("/readyz", get(routes::service::readyz))
        .route("/{code}", get(routes::service::short_link))
        .route("/embedded", get(routes::embedded::page))
        .route("/embedded/app.js", get(routes::embedded::script))
        .route("/embedded/app.css", get(routes::embedded::style))
        .merge(SwaggerUi::new("/swagger").url("/openapi.json", doc))
        .fallback(routes::service::not_found)
        .method_not_allowed_fallback(routes::service::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(context::request_context))
        .with_state(state)
}

pub type Service = MapRequest<Router, fn(Request<Body>) -> Request<Body>>;

/// The whole HTTP service: paths are rewritten to their registered spelling before routing,
/// which a layer on the router itself could not do (it runs after the route is chosen).
pub fn service(state: AppState) -> Service {
    ServiceBuilder::new()
        .map_request(context::normalize_path as fn(Request<Body>) -> Request<Body>)
        .service(router(state))
}

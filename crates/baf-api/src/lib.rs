//! The BAF public API v2 over HTTP (`/publicapi/api/v2/...`, also `/api/v2/...`, any case).
//! Handlers are thin: extract, call `baf-store`/`baf-domain`, map to a DTO. Errors leave through
//! [`error::ApiError`], the only place that knows statuses and BAF codes.

pub mod capability;
pub mod context;
pub mod dto;
pub mod error;
pub mod extract;
mod routes;
mod text;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::Request;
use axum::response::IntoResponse;
use axum::routing::get;
use baf_app::App;
use baf_store::Store;
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

/// What the HTTP layer needs to know about its deployment.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Largest request body accepted, in bytes (base64 images make bodies large).
    pub body_limit: usize,
    /// How long the verification page's capability stays valid.
    pub link_ttl: chrono::Duration,
}

#[derive(Clone)]
pub struct AppState {
    /// The use cases and the services they run on.
    pub app: App,
    pub keys: KeyCache,
    pub signer: Arc<LinkSigner>,
    pub config: Arc<ApiConfig>,
}

impl AppState {
    pub fn new(app: App, signer: LinkSigner, config: ApiConfig) -> Self {
        Self {
            app,
            keys: KeyCache::default(),
            signer: Arc::new(signer),
            config: Arc::new(config),
        }
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Store {
        state.app.store.clone()
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

//! The BAF public API v2 over HTTP (`/publicapi/api/v2/...`, also `/api/v2/...`, any case).
//! Handlers are thin: extract, call one `baf-app` use case (or a `baf-store` read), map to a DTO.
//! Errors leave through [`error::ApiError`], the only place that knows statuses and BAF codes.

pub mod capability;
pub mod client;
pub mod context;
pub mod dto;
pub mod error;
pub mod extract;
mod keys;
pub mod metrics;
mod openapi;
mod routes;
mod state;
mod text;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceBuilder;
use tower::util::MapRequest;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

pub use capability::LinkSigner;
pub use error::{ApiError, BafCode};
pub use extract::hash_key;
pub use keys::KeyCache;
pub use openapi::document as openapi;
pub use state::{ApiConfig, AppState};

/// The router with every layer, before path normalisation. `/metrics` is served here unless the
/// deployment serves it on a listener of its own ([`metrics_router`]).
pub fn router(state: AppState) -> Router {
    let (api, doc) = openapi::api();
    let body_limit = state.config.body_limit;
    let router = if state.config.metrics_on_own_listener {
        Router::new()
    } else {
        Router::new().route("/metrics", get(metrics::scrape))
    };
    router
        .merge(api)
        .route("/{code}", get(routes::service::short_link))
        .route("/embedded", get(routes::embedded::page))
        .route("/embedded/app.js", get(routes::embedded::script))
        .route("/embedded/app.css", get(routes::embedded::style))
        .merge(
            SwaggerUi::new("/swagger")
                .external_url_unchecked("/openapi.json", openapi::served(doc)),
        )
        .fallback(routes::service::not_found)
        .method_not_allowed_fallback(routes::service::method_not_allowed)
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(axum::middleware::from_fn(context::scope_trace_id))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_TYPE,
            context::json_with_charset,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(context::request_span)
                .on_request(())
                .on_response(context::log_response)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(context::REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            context::REQUEST_ID,
            context::MakeTraceId,
        ))
        // after the layers: probes every few seconds are neither logged nor counted
        .route("/healthz", get(routes::service::healthz))
        .route("/readyz", get(routes::service::readyz))
        .with_state(state)
}

/// `/metrics` alone, for `BAF_METRICS_LISTEN`.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::scrape))
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

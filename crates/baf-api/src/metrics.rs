//! Prometheus metrics: request counts and durations by route template, and the gauges read at
//! each scrape (face queue, galleries, database pool, webhook outbox).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

/// Seconds: from a cached key lookup (sub-millisecond) to a registration with a document (~1 s).
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed by the first server of the process (tests run several).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), DURATION_BUCKETS)
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// Counts and times every request by its route template (`/publicapi/api/v2/private/Applicants/
/// {applicantId}`), never by a raw path: ids would make a series per applicant.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("baf_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("baf_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// `GET /metrics`, in the Prometheus text format.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let app = &state.app;
    metrics::gauge!("baf_face_queue_depth").set(app.engine.queue_depth() as f64);
    metrics::gauge!("baf_gallery_profiles").set(app.profiles.total() as f64);
    let pool = app.store.pool();
    let idle = pool.num_idle() as f64;
    metrics::gauge!("baf_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("baf_db_pool_connections", "state" => "busy")
        .set(f64::from(pool.size()) - idle);
    if let Ok(mut conn) = app.store.connection().await
        && let Ok(pending) = baf_store::webhooks::pending(&mut conn).await
    {
        metrics::gauge!("baf_webhook_outbox_pending").set(pending as f64);
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle().render(),
    )
        .into_response()
}

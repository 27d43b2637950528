//! Per-request context: the W3C-style trace id that appears in error bodies, in the log and in
//! the `X-Request-Id` response header, the request's log span (tower-http's `SetRequestId` and
//! `TraceLayer` carry them), and the rewriting of paths the vendor's clients send in any case.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::Span;

/// Marks a response whose cause must be logged; the request's trace logs it in the request's span.
#[derive(Clone, Debug)]
pub struct InternalErrorReport(pub String);

/// Carries the trace id in and out: a client's own id is kept (correlation across its services),
/// otherwise one is made from its `traceparent`.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static TRACE_ID: String;
}

/// The current request's trace id (`00-<32 hex>-<16 hex>-00`); a fresh one outside a request.
pub fn trace_id() -> String {
    TRACE_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_trace_id(None))
}

/// Keeps the caller's trace from a valid `traceparent` header, with a new span id of ours.
fn new_trace_id(traceparent: Option<&str>) -> String {
    let mut rng = rand::rng();
    let span: u64 = rng.random();
    let incoming = traceparent.and_then(|value| {
        let trace = value.split('-').nth(1)?;
        (trace.len() == 32
            && trace.bytes().all(|b| b.is_ascii_hexdigit())
            && trace != "0".repeat(32))
        .then(|| trace.to_ascii_lowercase())
    });
    let trace = incoming.unwrap_or_else(|| format!("{:032x}", rng.random::<u128>()));
    format!("00-{trace}-{span:016x}-00")
}

/// `SetRequestId`'s maker: a trace id continuing the request's `traceparent`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MakeTraceId;

impl MakeRequestId for MakeTraceId {
    fn make_request_id<B>(&mut self, request: &axum::http::Request<B>) -> Option<RequestId> {
        let traceparent = request
            .headers()
            .get("traceparent")
            .and_then(|v| v.to_str().ok());
        HeaderValue::from_str(&new_trace_id(traceparent))
            .ok()
            .map(RequestId::new)
    }
}

fn request_trace_id<B>(request: &axum::http::Request<B>) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .map_or_else(|| new_trace_id(None), str::to_owned)
}

/// `TraceLayer`'s span: method, path (never the query, which may carry a link token) and trace id.
pub fn request_span<B>(request: &axum::http::Request<B>) -> Span {
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), trace_id = %request_trace_id(request))
}

/// `TraceLayer`'s outcome line, with the cause of an internal error, which the client never sees.
pub fn log_response<B>(response: &axum::http::Response<B>, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    match response.extensions().get::<InternalErrorReport>() {
        Some(InternalErrorReport(cause)) => {
            tracing::error!(status, latency_ms, error = %cause, "request failed")
        }
        None => tracing::info!(status, latency_ms, "request finished"),
    }
}

/// Makes the request's trace id readable by [`trace_id`] wherever the request's work runs.
pub async fn scope_trace_id(request: Request, next: Next) -> Response {
    let trace_id = request_trace_id(&request);
    TRACE_ID.scope(trace_id, next.run(request)).await
}

/// `SetResponseHeader`'s value: JSON bodies name their charset, as the vendor's do.
pub fn json_with_charset<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == "application/json")
        .then_some(HeaderValue::from_static("application/json; charset=utf-8"))
}

/// The path segments of the API, in the spelling the routes are registered with.
const SEGMENTS: &[&str] = &[
    "publicapi",
    "api",
    "v2",
    "private",
    "public",
    "Applicants",
    "ByReferenceId",
    "Completed",
    "Complete",
    "Open",
    "ReNotify",
    "UpdateMainPhoto",
    "Attempts",
    "Images",
    "Video",
    "LivenessActionVideo",
    "Validation",
    "Blacklist",
    "FromApplicantId",
    "RiskEvents",
    "RiskManagement",
    "ActiveRisks",
];

/// ASP.NET matches routes case-insensitively and the vendor's docs use both `/publicapi/api/v2`
/// and `/api/v2`: rewrite API paths to the one registered form before routing. The value after
/// `ByReferenceId` is client data and keeps its case.
pub fn canonical_path(path: &str) -> Option<String> {
    let lower = path.to_ascii_lowercase();
    let prefixed = if lower.starts_with("/publicapi/") {
        false
    } else if lower.starts_with("/api/") {
        true
    } else {
        return None;
    };
    let mut out = String::with_capacity(path.len() + 10);
    if prefixed {
        out.push_str("/publicapi");
    }
    let mut keep_next = false;
    for segment in path.split('/').skip(1) {
        out.push('/');
        let canonical = (!keep_next)
            .then(|| {
                SEGMENTS
                    .iter()
                    .find(|known| known.eq_ignore_ascii_case(segment))
            })
            .flatten();
        keep_next = segment.eq_ignore_ascii_case("ByReferenceId");
        out.push_str(canonical.copied().unwrap_or(segment));
    }
    (out != path).then_some(out)
}

/// `MapRequest` function: applies [`canonical_path`] to the request URI.
pub fn normalize_path<B>(mut request: axum::http::Request<B>) -> axum::http::Request<B> {
    if let Some(path) = canonical_path(request.uri().path()) {
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_are_rewritten_to_the_registered_spelling() {
        for (path, canonical) in [
            (
                "/publicapi/api/v2/private/applicants",
                Some("/publicapi/api/v2/private/Applicants"),
            ),
            (
                "/api/v2/PRIVATE/APPLICANTS/abc/open",
                Some("/publicapi/api/v2/private/Applicants/abc/Open"),
            ),
            ("/publicapi/api/v2/private/Applicants", None),
            (
                "/API/v2/private/Applicants/ByReferenceId/open",
                Some("/publicapi/api/v2/private/Applicants/ByReferenceId/open"),
            ),
            (
                "/publicapi/api/v2/private/applicants/byreferenceid/MixedCase",
                Some("/publicapi/api/v2/private/Applicants/ByReferenceId/MixedCase"),
            ),
            ("/healthz", None),
            ("/AbCdEf1234", None),
        ] {
            assert_eq!(canonical_path(path).as_deref(), canonical, "{path}");
        }
    }

    #[test]
    fn trace_ids_are_traceparent_shaped_and_keep_an_incoming_trace() {
        let id = new_trace_id(None);
        let parts: Vec<_> = id.split('-').collect();
        assert_eq!(
            (
                parts.len(),
                parts[0],
                parts[1].len(),
                parts[2].len(),
                parts[3]
            ),
            (4, "00", 32, 16, "00")
        );
        let kept = new_trace_id(Some(
            "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        ));
        assert!(kept.starts_with("00-0af7651916cd43dd8448eb211c80319c-"));
        assert_ne!(
            new_trace_id(Some("garbage")).split('-').nth(1),
            Some("garbage")
        );
    }
}

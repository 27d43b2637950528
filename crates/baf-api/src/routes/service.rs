//! Routes outside the BAF API: health, readiness and the short validation links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Redirect;
use baf_store::Store;

use crate::AppState;
use crate::error::{ApiError, BafCode};

/// The process is alive.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The process can serve: the database answers.
pub async fn readyz(
    State(store): State<Store>,
) -> Result<&'static str, (StatusCode, &'static str)> {
    store
        .ping()
        .await
        .map(|()| "ready")
        .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"))
}

/// `<public url>/<code>` redirects to the applicant's full validation link.
pub async fn short_link(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Redirect, ApiError> {
    // codes are base62; anything else (a NUL byte included) cannot be one
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::new(BafCode::RouteNotFound, "No such link."));
    }
    let mut conn = state.app.store.connection().await?;
    match baf_store::applicants::by_short_code(&mut conn, &code).await? {
        Some(id) => Ok(Redirect::to(&state.app.validation_link(id))),
        None => Err(ApiError::new(BafCode::RouteNotFound, "No such link.")),
    }
}

pub async fn not_found() -> ApiError {
    ApiError::new(BafCode::RouteNotFound, "No such route.")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        BafCode::MethodNotAllowed,
        "This route does not accept this method.",
    )
}

//! The hosted verification page behind `validationLink`: `GET /embedded?requestId=<applicantId>`.
//! Opening it counts in `openedLinkTimes` and hands the page a capability for this applicant
//! alone (see `capability`); the page then calls `POST public/Validation` with it.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use baf_app::applicants::OpenedLink;
use baf_domain::applicant::Applicant;
use baf_domain::validation;
use baf_domain::{AccountSettings, ApplicantId, ApplicantStatus};
use chrono::Utc;
use serde::Deserialize;

use crate::AppState;
use crate::capability::Capability;
use crate::error::ApiError;

const PAGE: &str = include_str!("../../assets/embedded.html");
const SCRIPT: &str = include_str!("../../assets/embedded.js");
const STYLE: &str = include_str!("../../assets/embedded.css");

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(rename = "requestId", alias = "requestid", alias = "RequestId")]
    request_id: Option<String>,
}

fn not_found() -> Response {
    let page = PAGE
        .replace("{{CONFIG}}", "null")
        .replace("{{TITLE}}", "Link not valid");
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

pub async fn page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let Some(id) = query
        .request_id
        .and_then(|raw| raw.parse().ok())
        .map(ApplicantId)
    else {
        return Ok(not_found());
    };
    let Some(OpenedLink {
        applicant,
        settings,
        registered,
    }) = state.app.open_link(id).await?
    else {
        return Ok(not_found());
    };

    let token = state.signer.issue(Capability {
        account: applicant.account_id,
        applicant: id,
        expires: Utc::now() + state.config.link_ttl,
    });
    Ok(page_for(&applicant, &settings, registered, &token))
}

/// The page with its configuration: what the script needs to know of the applicant, and the token.
fn page_for(
    applicant: &Applicant,
    settings: &AccountSettings,
    registered: bool,
    token: &str,
) -> Response {
    let config = serde_json::json!({
        "applicantId": applicant.id,
        "token": token,
        "validationUrl": "/publicapi/api/v2/public/Validation",
        "status": applicant.status.code(),
        "completed": applicant.status.is_completed(),
        "registered": registered && applicant.status == ApplicantStatus::Success,
        "attemptsLeft": validation::attempts_left(settings, applicant.attempts_used),
        "callbackUrl": applicant.callback_url,
    });
    // `</` inside a script element would end it early
    let config = config.to_string().replace("</", "<\\/");
    let page = PAGE
        .replace("{{CONFIG}}", &config)
        .replace("{{TITLE}}", "Identity verification");
    ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        SCRIPT,
    )
}

pub async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        STYLE,
    )
}

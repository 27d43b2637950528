//! The hosted verification page behind `validationLink`: `GET /embedded?requestId=<applicantId>`.
//! Opening it counts in `openedLinkTimes` once per capability and hands the page a capability for
//! this applicant alone (see `capability`), kept in a cookie so a reload reuses it; the page then
//! calls `POST public/Validation` with it. A closed applicant's link gets no capability.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use baf_app::applicants::OpenedLink;
use baf_domain::validation;
use baf_domain::{ApplicantId, ApplicantStatus};
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

/// The page's cookie: the capability it was given, so a reload reuses it instead of counting
/// another opening.
const CAPABILITY_COOKIE: &str = "baf_page";

/// A page that may only load its own script and style, send to this server, and never be framed
/// (a camera page inside someone else's frame is a clickjacking target), leaking neither the
/// link nor the capability through the referrer or a cache.
fn secured(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                 media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
                 frame-ancestors 'none'",
            ),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        Html(html),
    )
        .into_response()
}

fn not_found() -> Response {
    let html = PAGE
        .replace("{{CONFIG}}", "null")
        .replace("{{TITLE}}", "Link not valid");
    secured(StatusCode::NOT_FOUND, html)
}

/// A completed, canceled or exhausted applicant: the page says so, with no capability and no
/// callback URL.
fn closed() -> Response {
    let html = PAGE
        .replace("{{CONFIG}}", r#"{"closed":true}"#)
        .replace("{{TITLE}}", "Verification closed");
    secured(StatusCode::OK, html)
}

pub async fn page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    cookies: CookieJar,
) -> Result<Response, ApiError> {
    let Some(id) = query
        .request_id
        .and_then(|raw| raw.parse().ok())
        .map(ApplicantId)
    else {
        return Ok(not_found());
    };
    let held = held_capability(&state, &cookies, id);
    let Some(opened) = state
        .app
        .open_link(id, held.as_ref().map(|(c, _)| c.account))
        .await?
    else {
        return Ok(not_found());
    };
    if !opened.accepts_selfie {
        return Ok(closed());
    }
    let token = match held {
        Some((_, token)) => token,
        None => state.signer.issue(Capability {
            account: opened.applicant.account_id,
            applicant: id,
            expires: Utc::now() + state.config.link_ttl,
        }),
    };
    let cookie = capability_cookie(&state, token.clone());
    Ok((cookies.add(cookie), page_for(&opened, &token)).into_response())
}

/// The still-valid capability for this applicant that the browser already holds, and its token.
fn held_capability(
    state: &AppState,
    cookies: &CookieJar,
    id: ApplicantId,
) -> Option<(Capability, String)> {
    let token = cookies.get(CAPABILITY_COOKIE)?.value().to_owned();
    let capability = state.signer.verify(&token, Utc::now())?;
    (capability.applicant == id).then_some((capability, token))
}

fn capability_cookie(state: &AppState, token: String) -> Cookie<'static> {
    let lifetime = cookie::time::Duration::seconds(state.config.link_ttl.num_seconds());
    Cookie::build((CAPABILITY_COOKIE, token))
        .path("/embedded")
        .http_only(true)
        .secure(state.app.config.public_url.starts_with("https:"))
        .same_site(SameSite::Strict)
        .max_age(lifetime)
        .build()
}

/// The page with its configuration: what the script needs to know of the applicant, and the token.
fn page_for(opened: &OpenedLink, token: &str) -> Response {
    let OpenedLink {
        applicant,
        settings,
        registered,
        ..
    } = opened;
    let config = serde_json::json!({
        "applicantId": applicant.id,
        "token": token,
        "validationUrl": "/publicapi/api/v2/public/Validation",
        "status": applicant.status.code(),
        "completed": applicant.status.is_completed(),
        "registered": *registered && applicant.status == ApplicantStatus::Success,
        "attemptsLeft": validation::attempts_left(settings, applicant.attempts_used),
        "callbackUrl": applicant.callback_url,
    });
    // `</` inside a script element would end it early
    let config = config.to_string().replace("</", "<\\/");
    let html = PAGE
        .replace("{{CONFIG}}", &config)
        .replace("{{TITLE}}", "Identity verification");
    secured(StatusCode::OK, html)
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

//! `private/Applicants/{applicantId}/Attempts`: the attempts of an applicant, their images and
//! videos (spec §4).

use std::collections::BTreeMap;

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use baf_app::attempts::AttemptFile;
use baf_domain::document::{DocumentReport, TestStatus, ValidationTest};
use baf_domain::risks::RiskEvent;
use baf_domain::validation::{AttemptRecord, InvalidDataError, ValidationStatus};
use baf_domain::{AccountId, ApplicantId};
use baf_store::attempts::{self, Attempt, MediaKind};
use baf_store::{PgConnection, Store, applicants};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::dto::{AttemptSummary, baf_time, document_type_name};
use crate::error::ApiError;
use crate::extract::{AttemptPath, SecretAccount};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(images))
        .routes(routes!(video))
        .routes(routes!(liveness_action_video))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptList {
    attempts: Vec<AttemptSummary>,
}

/// 120024 for an applicant this account does not have, before anything about its attempts.
async fn checked_applicant(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<(), ApiError> {
    applicants::get(conn, account, applicant).await?;
    Ok(())
}

/// The applicant's attempts, newest first.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Attempts", operation_id = "listAttempts", tag = "Attempts",
    params(("applicantId" = Uuid, Path)),
    responses((status = 200, body = AttemptList)))]
async fn list(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    crate::extract::ApplicantPath(applicant): crate::extract::ApplicantPath,
) -> Result<JsonResponse<AttemptList>, ApiError> {
    let mut conn = store.connection().await?;
    checked_applicant(&mut conn, account, applicant).await?;
    let all = attempts::list(&mut conn, account, applicant).await?;
    Ok(JsonResponse(AttemptList {
        attempts: all.iter().map(AttemptSummary::from).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    verdict: bool,
    details: Vec<VerdictDetail>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerdictDetail {
    name: &'static str,
    verdict: bool,
    /// 0..1
    score: f64,
    #[schema(value_type = Option<Object>)]
    additional_info: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Validations {
    liveness: Option<Verdict>,
    quality: Option<Verdict>,
    matching: Option<Verdict>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FaceVerificationResult {
    /// Liveness, 0..100.
    anti_spoofing: f64,
    /// Quality, 0..100.
    quality: f64,
    /// Match confidence, 0..100.
    confidence: f64,
    liveness_reflection_confidence: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DvsResult {
    request_id: Uuid,
    document_type: i16,
    capture_method: Option<String>,
    /// The fields read on the document, when the attempt read one.
    #[schema(value_type = Option<Object>)]
    document: Option<BTreeMap<String, String>>,
    parsed_data: Option<ParsedData>,
    document_verification_result: Option<DocumentVerificationResult>,
    face_verification_result: Option<FaceVerificationResult>,
}

/// What the reading found on the document.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParsedData {
    /// Something was read: a zone or a barcode.
    is_ocr_success: bool,
    is_pdf417_success: bool,
    is_mrz_success: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentVerificationResult {
    /// 1 when the document passed its checks, 0 when one failed (the codes of a test's status).
    status: i8,
    /// The reading's confidence, 0 to 100: that of its least sure field.
    total_confidence: u8,
    /// The document's own checks, as `documentValidationTests` reported them.
    #[schema(value_type = Vec<Object>)]
    validation_tests: Vec<ValidationTest>,
    /// How sure the reading is of each field of `document`, 0 to 100.
    #[schema(value_type = Object)]
    verification_confidence: BTreeMap<String, u8>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimilarApplicants {
    ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskEventDto {
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
    risk_number: i32,
    risk_name: String,
    is_active: bool,
}

impl From<&RiskEvent> for RiskEventDto {
    fn from(e: &RiskEvent) -> Self {
        Self {
            created: e.created,
            risk_number: e.number(),
            risk_name: e.risk_name.clone(),
            is_active: e.is_active,
        }
    }
}

/// The full record of one attempt.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDetails {
    document_fail_status_reasons: Vec<String>,
    face_fail_status_reasons: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    invalid_data_errors: Vec<InvalidDataError>,
    dvs_result: DvsResult,
    validations: Validations,
    similar_applicants: SimilarApplicants,
    mobile_phone_model: Option<String>,
    #[serde(rename = "mobilePhoneOS")]
    mobile_phone_os: Option<String>,
    capture_method: Option<String>,
    request_ip_address: Option<String>,
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String)]
    created: DateTime<Utc>,
    document_type: &'static str,
    document_type_int: i16,
    has_risk_events: bool,
    status: i16,
    #[schema(value_type = Object)]
    validation_status: ValidationStatus,
    /// Images are served by `.../Images`, under the account's review permission.
    #[schema(value_type = Option<Object>)]
    content: Option<serde_json::Value>,
    risk_events: Vec<RiskEventDto>,
    applicant_id: Uuid,
    attempt_id: i64,
}

fn validations(record: &AttemptRecord) -> Validations {
    let Some(scores) = record.scores else {
        return Validations {
            liveness: None,
            quality: None,
            matching: None,
        };
    };
    let status = &record.validation_status;
    let verdict = |name, ok: Option<bool>, score: f64, info: Option<serde_json::Value>| {
        ok.map(|ok| Verdict {
            verdict: ok,
            details: vec![VerdictDetail {
                name,
                verdict: ok,
                score,
                additional_info: info,
            }],
        })
    };
    let live = f64::from(scores.calibrated_liveness()) / 100.0;
    let attack = serde_json::json!({
        "attackType": if status.anti_spoofing_is_valid == Some(true) { "none" } else { "presentation" },
        "attackTypeConfidence": if status.anti_spoofing_is_valid == Some(true) { live } else { 1.0 - live },
    });
    Validations {
        liveness: verdict(
            "FaceLiveness",
            status.anti_spoofing_is_valid,
            live,
            Some(attack),
        ),
        quality: verdict(
            "FaceQuality",
            status.quality_is_valid,
            f64::from(scores.quality_percent) / 100.0,
            None,
        ),
        matching: verdict(
            "FaceMatching",
            status.face_is_valid,
            scores.shown_match() / 100.0,
            None,
        ),
    }
}

impl From<&Attempt> for AttemptDetails {
    fn from(a: &Attempt) -> Self {
        let record = &a.record;
        Self {
            document_fail_status_reasons: record
                .document
                .iter()
                .flat_map(|document| document.failures().map(str::to_owned))
                .collect(),
            face_fail_status_reasons: record.face_fail_reasons.clone(),
            invalid_data_errors: record.invalid_data_errors.clone(),
            dvs_result: DvsResult {
                request_id: a.applicant.0,
                document_type: a.document_type,
                capture_method: None,
                document: record.document.as_ref().and_then(DocumentReport::document),
                parsed_data: record.document.as_ref().map(|d| ParsedData {
                    is_ocr_success: d.mrz_read || d.pdf417_read,
                    is_pdf417_success: d.pdf417_read,
                    is_mrz_success: d.mrz_read,
                }),
                document_verification_result: record.document.as_ref().map(|d| {
                    DocumentVerificationResult {
                        status: if d.is_valid() {
                            TestStatus::Passed as i8
                        } else {
                            TestStatus::Failed as i8
                        },
                        total_confidence: d.total_confidence(),
                        validation_tests: d.tests.clone(),
                        verification_confidence: d.confidence.clone(),
                    }
                }),
                face_verification_result: record.scores.map(|s| FaceVerificationResult {
                    anti_spoofing: f64::from(s.calibrated_liveness()),
                    quality: f64::from(s.quality_percent),
                    confidence: s.shown_match(),
                    liveness_reflection_confidence: None,
                }),
            },
            validations: validations(record),
            similar_applicants: SimilarApplicants {
                ids: record.similar_applicants.iter().map(|id| id.0).collect(),
            },
            mobile_phone_model: None,
            mobile_phone_os: None,
            capture_method: None,
            request_ip_address: record.request_ip_address.clone(),
            created: a.created,
            document_type: document_type_name(a.document_type),
            document_type_int: a.document_type,
            has_risk_events: a.has_risk_events,
            status: record.response_status.code(),
            validation_status: record.validation_status.clone(),
            content: None,
            risk_events: record.risk_events.iter().map(RiskEventDto::from).collect(),
            applicant_id: a.applicant.0,
            attempt_id: a.id.0,
        }
    }
}

/// One attempt in full: verdicts, scores, risk events, similar applicants.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Attempts/{attemptId}", operation_id = "getAttempt", tag = "Attempts",
    params(("applicantId" = Uuid, Path), ("attemptId" = i64, Path)),
    responses((status = 200, body = AttemptDetails)))]
async fn get(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    AttemptPath(applicant, attempt): AttemptPath,
) -> Result<JsonResponse<AttemptDetails>, ApiError> {
    let mut conn = store.connection().await?;
    checked_applicant(&mut conn, account, applicant).await?;
    Ok(JsonResponse(AttemptDetails::from(
        &attempts::get(&mut conn, account, applicant, attempt).await?,
    )))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptImages {
    face_image_base64: Option<String>,
    front_image_base64: Option<String>,
    back_or_second_image_base64: Option<String>,
    liveness_reflection_video_link: Option<String>,
    liveness_active_video_link: Option<String>,
    track_string: Option<String>,
}

/// The attempt's images (base64) and links to its videos.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Attempts/{attemptId}/Images", operation_id = "getAttemptImages", tag = "Attempts",
    params(("applicantId" = Uuid, Path), ("attemptId" = i64, Path)),
    responses(
        (status = 200, body = AttemptImages),
    ))]
async fn images(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    AttemptPath(applicant, attempt_id): AttemptPath,
) -> Result<JsonResponse<AttemptImages>, ApiError> {
    let files = state
        .app
        .attempt_files(account, applicant, attempt_id)
        .await?;
    Ok(JsonResponse(AttemptImages::new(
        &format!(
            "{}/publicapi/api/v2/private/Applicants/{applicant}/Attempts/{attempt_id}",
            state.app.base_url()
        ),
        files,
    )))
}

impl AttemptImages {
    /// Images inline as base64; videos as links under `base`, the attempt's URL.
    fn new(base: &str, files: Vec<AttemptFile>) -> Self {
        let mut images = Self {
            face_image_base64: None,
            front_image_base64: None,
            back_or_second_image_base64: None,
            liveness_reflection_video_link: None,
            liveness_active_video_link: None,
            track_string: None,
        };
        for file in files {
            let image = match file.kind {
                MediaKind::Face => &mut images.face_image_base64,
                MediaKind::Front => &mut images.front_image_base64,
                MediaKind::Back => &mut images.back_or_second_image_base64,
                MediaKind::LivenessVideo => {
                    images.liveness_reflection_video_link = Some(format!("{base}/Video"));
                    continue;
                }
                MediaKind::LivenessActionVideo => {
                    images.liveness_active_video_link = Some(format!("{base}/LivenessActionVideo"));
                    continue;
                }
            };
            *image = Some(base64::engine::general_purpose::STANDARD.encode(file.bytes));
        }
        images
    }
}

async fn stored_video(
    state: &AppState,
    account: AccountId,
    AttemptPath(applicant, attempt): AttemptPath,
    kind: MediaKind,
) -> Result<Response, ApiError> {
    let video = state
        .app
        .attempt_video(account, applicant, attempt, kind)
        .await?;
    let content_type = HeaderValue::from_str(&video.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, content_type)], video.bytes).into_response())
}

/// The attempt's liveness video, as stored.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Attempts/{attemptId}/Video", operation_id = "getAttemptVideo", tag = "Attempts",
    params(("applicantId" = Uuid, Path), ("attemptId" = i64, Path)),
    responses((status = 200, description = "the video file")))]
async fn video(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    path: AttemptPath,
) -> Result<Response, ApiError> {
    stored_video(&state, account, path, MediaKind::LivenessVideo).await
}

/// The attempt's motion-control video, as stored.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Attempts/{attemptId}/LivenessActionVideo", operation_id = "getAttemptLivenessActionVideo", tag = "Attempts",
    params(("applicantId" = Uuid, Path), ("attemptId" = i64, Path)),
    responses((status = 200, description = "the video file")))]
async fn liveness_action_video(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    path: AttemptPath,
) -> Result<Response, ApiError> {
    stored_video(&state, account, path, MediaKind::LivenessActionVideo).await
}

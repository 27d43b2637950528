//! `POST public/Validation`: registration by selfie, registration with a document, and
//! authorization by 1:N search (spec §5).
//!
//! Order of work: a cheap admission check, then the face engine (off the async runtime, never
//! under a lock), then the decision under the applicant's row lock — and for registrations under
//! the account's profile lock too, so two registrations of one face can never both succeed.

use axum::Json as JsonResponse;
use axum::extract::State;
use baf_domain::validation::{
    self, Evidence, FaceScores, Flow, InvalidDataError, MAX_SEARCH_RESULTS, Outcome, RequestShape,
    SELFIE_DOCUMENT_TYPE, Thresholds, ValidationStatus,
};
use baf_domain::{AccountId, ApplicantId, ApplicantStatus};
use baf_store::attempts::{MediaKind, NewMedia};
use baf_store::{applicants, attempts, profiles};
use bytes::Bytes;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tracing::Instrument;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;
use verification::{FaceAnalysis, MainFace};

use crate::AppState;
use crate::error::{ApiError, BafCode, ErrorEnvelope};
use crate::extract::{Json, ValidationCaller};
use crate::media;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(validate))
}

/// `endeavorId` is accepted and ignored: this server has no LRS integration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationRequest {
    model: Option<ValidationModel>,
    applicant_id: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationModel {
    /// The selfie: base64, with or without a `data:image/...;base64,` prefix; JPEG, PNG, WebP or BMP.
    face_image_base64: Option<String>,
    /// The document's front (any `documentType` other than 10).
    front_image_base64: Option<String>,
    back_or_second_image_base64: Option<String>,
    /// 10: selfie registration or authorization; any other value: registration with a document.
    document_type: Option<i16>,
    /// Optional liveness video, stored and served by `.../Attempts/{id}/Video`.
    liveness_video_base64: Option<String>,
    /// Optional motion-control video, served by `.../Attempts/{id}/LivenessActionVideo`.
    liveness_action_video_base64: Option<String>,
}

/// The checked request: decoded bytes, nothing analysed yet.
struct Submission {
    applicant: ApplicantId,
    document_type: i16,
    face: Option<Bytes>,
    front: Option<Bytes>,
    back: Option<Bytes>,
    liveness_video: Option<Bytes>,
    liveness_action_video: Option<Bytes>,
}

impl ValidationRequest {
    fn into_submission(self) -> Result<Submission, ApiError> {
        let applicant = self.applicant_id.ok_or_else(|| {
            ApiError::invalid_field("applicantId", "The applicantId field is required.")
        })?;
        let model = self
            .model
            .ok_or_else(|| ApiError::invalid_field("model", "The model field is required."))?;
        let document_type = model.document_type.unwrap_or(SELFIE_DOCUMENT_TYPE);
        if !(0..=SELFIE_DOCUMENT_TYPE).contains(&document_type) {
            return Err(ApiError::invalid_field(
                "model.documentType",
                format!("Unknown document type {document_type}."),
            ));
        }
        let decode = |field: &str, text: Option<String>| -> Result<Option<Bytes>, ApiError> {
            match text.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(text) => verification::decode_base64(text)
                    .map(|bytes| Some(Bytes::from(bytes)))
                    .map_err(|e| ApiError::for_image(field, e)),
            }
        };
        Ok(Submission {
            applicant: ApplicantId(applicant),
            document_type,
            face: decode("model.faceImageBase64", model.face_image_base64)?,
            front: decode("model.frontImageBase64", model.front_image_base64)?,
            back: decode(
                "model.backOrSecondImageBase64",
                model.back_or_second_image_base64,
            )?,
            liveness_video: decode("model.livenessVideoBase64", model.liveness_video_base64)?,
            liveness_action_video: decode(
                "model.livenessActionVideoBase64",
                model.liveness_action_video_base64,
            )?,
        })
    }
}

impl Submission {
    fn shape(&self) -> RequestShape {
        RequestShape {
            document_type: self.document_type,
            has_face_image: self.face.is_some(),
            has_front_image: self.front.is_some(),
        }
    }

    /// The files to keep with the attempt.
    fn files(&self) -> Vec<(MediaKind, Bytes)> {
        [
            (MediaKind::Face, &self.face),
            (MediaKind::Front, &self.front),
            (MediaKind::Back, &self.back),
            (MediaKind::LivenessVideo, &self.liveness_video),
            (MediaKind::LivenessActionVideo, &self.liveness_action_video),
        ]
        .into_iter()
        .filter_map(|(kind, bytes)| bytes.clone().map(|bytes| (kind, bytes)))
        .collect()
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResponse {
    applicant_id: Uuid,
    attempt_id: i64,
    document_type: i16,
    /// Document reading is not available: always null.
    #[schema(value_type = Option<Object>)]
    document: Option<serde_json::Value>,
    /// The account's attempt limit.
    attempts_count: i32,
    attempts_left: i32,
    /// 0 Success, 1 Fail, 2 InvalidData, 3 Error.
    status: i16,
    #[schema(value_type = Object)]
    validation_status: ValidationStatus,
    #[schema(value_type = Vec<Object>)]
    invalid_data_errors: Vec<InvalidDataError>,
    face_success: Option<bool>,
    document_success: Option<bool>,
    document_has_not_expired: Option<bool>,
    document_validation_tests: Vec<DocumentValidationTest>,
    call_back_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DocumentValidationTest {
    display_name: &'static str,
    name: &'static str,
    /// -1 Disabled, 2 Skipped.
    status: i16,
    status_string: &'static str,
    reason: &'static str,
}

/// What the document checks report until document reading exists: each is off (Disabled) or
/// would run but has nothing to read (Skipped).
fn document_tests(settings: &baf_domain::ValidationRequestSettings) -> Vec<DocumentValidationTest> {
    let test = |display_name, name, enabled: bool| {
        if enabled {
            DocumentValidationTest {
                display_name,
                name,
                status: 2,
                status_string: "Skipped",
                reason: "Document reading is not available on this server",
            }
        } else {
            DocumentValidationTest {
                display_name,
                name,
                status: -1,
                status_string: "Disabled",
                reason: "Integration was turned off",
            }
        }
    };
    vec![
        test(
            "DocumentReading",
            "DocumentReadingValidation",
            settings.is_ocr_enabled,
        ),
        test(
            "AddressValidation",
            "AddressValidation",
            settings.is_address_check_enabled,
        ),
        test(
            "DMV",
            "DMVValidation",
            settings.is_dmv_enabled || settings.is_dmv_partial_enabled,
        ),
        test(
            "IdentiFraud",
            "IdentiFraudValidation",
            settings.is_identi_fraud_enabled,
        ),
    ]
}

/// Register or authorize an applicant by face.
#[utoipa::path(post, path = "/publicapi/api/v2/public/Validation", tag = "Validation",
    request_body = ValidationRequest,
    responses(
        (status = 200, description = "The attempt was decided (status 0 Success or 1 Fail)", body = ValidationResponse),
        (status = 400, description = "120036 completed, 120037 attempts used, 120038 no or several faces (recorded as InvalidData), \
            120040 closed, 120042 image required, 120043 no registered face, 120039 face engine failure, ValidationError", body = ErrorEnvelope),
        (status = 404, description = "120024", body = ErrorEnvelope),
        (status = 503, description = "every face worker is busy; see Retry-After", body = ErrorEnvelope),
    ))]
async fn validate(
    caller: ValidationCaller,
    State(state): State<AppState>,
    Json(body): Json<ValidationRequest>,
) -> Result<JsonResponse<ValidationResponse>, ApiError> {
    let submission = body.into_submission()?;
    if caller.only.is_some_and(|only| only != submission.applicant) {
        return Err(ApiError::new(
            BafCode::Forbidden,
            "This verification page may only verify its own applicant.",
        ));
    }
    // Refuse early what would be refused anyway, before spending inference on it.
    {
        let mut conn = state.store.connection().await?;
        let context =
            applicants::for_validation(&mut conn, caller.account, submission.applicant).await?;
        validation::admit(
            &context.applicant,
            context.has_profile,
            &context.settings,
            submission.shape(),
        )?;
    }
    let face = submission.face.clone().ok_or(ApiError::new(
        BafCode::FaceImageRequired,
        "Face image is required",
    ))?;
    let selfie = state
        .engine
        .submit(face)
        .map_err(|e| ApiError::for_image("model.faceImageBase64", e))?;
    let account = caller.account;
    // From here the work runs to its end even if the client goes away (a dropped connection
    // drops its handler): every file written is then named by a recorded attempt or removed,
    // and the gallery learns of every profile saved. The client reads the outcome back as
    // `lastValidationResponse`, as after any lost answer.
    let decision = async move {
        // The files are made durable while a worker analyses the selfie: the attempt's row may
        // only name them once they are.
        let (selfie, stored) = tokio::join!(
            selfie,
            media::store(
                &state.blobs,
                account,
                submission.applicant,
                submission.files()
            )
        );
        let stored = stored?;
        match analyze_document_and_record(&state, account, &submission, selfie, &stored.rows).await
        {
            Ok(Decided::Attempt { response, saved }) => {
                if let Some((embedding, seq)) = saved {
                    state
                        .profiles
                        .saved(account, submission.applicant, &embedding, seq);
                }
                Ok(response)
            }
            Ok(Decided::InvalidData(error)) => Err(error),
            Err(error) => {
                media::discard(&state.blobs, stored).await;
                Err(error)
            }
        }
    };
    let answer = tokio::spawn(decision.in_current_span())
        .await
        .map_err(ApiError::internal)?;
    answer.map(JsonResponse)
}

enum Decided {
    Attempt {
        response: ValidationResponse,
        saved: Option<(verification::Embedding, i64)>,
    },
    /// Recorded as an InvalidData attempt, answered with the error envelope.
    InvalidData(ApiError),
}

async fn analyze_document_and_record(
    state: &AppState,
    account: AccountId,
    submission: &Submission,
    selfie: Result<FaceAnalysis, verification::Error>,
    media: &[NewMedia],
) -> Result<Decided, ApiError> {
    let selfie = selfie.map_err(|e| ApiError::for_image("model.faceImageBase64", e))?;
    let document = match (&submission.front, submission.document_type) {
        (Some(front), document_type) if document_type != SELFIE_DOCUMENT_TYPE => Some(
            state
                .engine
                .analyze(front.clone())
                .await
                .map_err(|e| ApiError::for_image("model.frontImageBase64", e))?,
        ),
        _ => None,
    };
    decide_and_record(state, account, submission, selfie, document, media).await
}

async fn decide_and_record(
    state: &AppState,
    account: AccountId,
    submission: &Submission,
    selfie: FaceAnalysis,
    document: Option<FaceAnalysis>,
    media: &[NewMedia],
) -> Result<Decided, ApiError> {
    let mut tx = state.store.begin().await?;
    // lock first: attempt limits and status changes are decided under this lock
    let applicants::ValidationContext {
        applicant,
        settings,
        has_profile,
        bans_faces,
    } = applicants::lock_for_validation(&mut tx, account, submission.applicant).await?;
    let flow = validation::admit(&applicant, has_profile, &settings, submission.shape())?;
    let now = Utc::now();

    let single = selfie.into_single();
    let document_face = document.map(|d| d.main);
    let (outcome, embedding) = match (single, document_face) {
        (Err(e @ (verification::Error::NoFace | verification::Error::MultipleFaces { .. })), _) => {
            let error = ApiError::from(e);
            let invalid = InvalidDataError {
                code: "120038".into(),
                message: error.message().to_owned(),
                description: None,
            };
            (
                validation::invalid_data(flow, &applicant, &settings, invalid),
                None,
            )
        }
        (Err(other), _) => return Err(ApiError::from(other)),
        (Ok(_), Some(None)) => {
            let invalid = InvalidDataError {
                code: "120038".into(),
                message: "No faces found on the document".into(),
                description: None,
            };
            (
                validation::invalid_data(flow, &applicant, &settings, invalid),
                None,
            )
        }
        (Ok(main), document_face) => {
            let thresholds = Thresholds::for_flow(flow, &applicant, &settings);
            let mut evidence = gather_evidence(
                state,
                &mut tx,
                account,
                &applicant.id,
                flow,
                thresholds,
                &main,
                document_face.flatten(),
            )
            .await?;
            if flow.registers() && bans_faces {
                evidence.blacklisted = blacklisted_face(
                    &mut tx,
                    account,
                    &main.embedding,
                    settings.face_match_threshold,
                )
                .await?;
            }
            (
                validation::decide(flow, &applicant, &settings, &evidence, now),
                Some(main.embedding),
            )
        }
    };

    let (attempt, created) = attempts::insert(
        &mut tx,
        account,
        applicant.id,
        submission.document_type,
        &outcome.record,
        media,
    )
    .await?;
    applicants::record_attempt(
        &mut tx,
        account,
        applicant.id,
        &applicants::AttemptEffect {
            attempt,
            created,
            response_status: outcome.record.response_status,
            status: outcome.applicant_status,
            attempts_used: outcome.attempts_used,
            success: outcome.succeeded() && flow.registers(),
            risk: !outcome.record.risk_events.is_empty(),
        },
    )
    .await?;
    crate::webhooks::status_changed(
        &mut tx,
        state.status_webhook(),
        &applicant,
        outcome.applicant_status,
        Some(attempt),
    )
    .await?;
    let saved = match (&embedding, outcome.save_profile) {
        (Some(embedding), true) => {
            let image_key = media
                .iter()
                .find(|m| m.kind == MediaKind::Face)
                .map(|m| m.blob_key.as_str());
            let profile = profiles::NewProfile {
                embedding: embedding.as_slice(),
                model: embedding.model().name(),
                image_key,
            };
            Some((
                embedding.clone(),
                profiles::upsert(&mut tx, account, applicant.id, profile).await?,
            ))
        }
        _ => None,
    };
    tx.commit().await.map_err(ApiError::internal)?;

    if let Some(error) = outcome.record.invalid_data_errors.first() {
        return Ok(Decided::InvalidData(ApiError::new(
            BafCode::NoOrManyFaces,
            error.message.clone(),
        )));
    }
    let response = response(
        &applicant,
        &settings,
        attempt,
        submission.document_type,
        &outcome,
        flow,
    );
    Ok(Decided::Attempt { response, saved })
}

async fn gather_evidence(
    state: &AppState,
    tx: &mut baf_store::PgConnection,
    account: AccountId,
    applicant: &ApplicantId,
    flow: Flow,
    thresholds: Thresholds,
    selfie: &MainFace,
    document: Option<MainFace>,
) -> Result<Evidence, ApiError> {
    let match_confidence = document
        .as_ref()
        .and_then(|d| selfie.embedding.similarity(&d.embedding))
        .map(|s| s.confidence());
    let scores = face_scores(selfie, match_confidence);
    let mut evidence = Evidence {
        scores,
        duplicates: Vec::new(),
        found_own_profile: false,
        blacklisted: false,
    };
    match flow {
        Flow::Registration | Flow::RegistrationWithDocument => {
            evidence.duplicates = state
                .profiles
                .other_profiles_matching(
                    tx,
                    account,
                    *applicant,
                    &selfie.embedding,
                    thresholds.duplicate_percent,
                )
                .await?;
        }
        Flow::Authorization => {
            let hits = state
                .profiles
                .search(
                    tx,
                    account,
                    &selfie.embedding,
                    thresholds.match_percent,
                    MAX_SEARCH_RESULTS,
                )
                .await?;
            if let Some((_, confidence)) = hits.iter().find(|(id, _)| id == applicant) {
                evidence.found_own_profile = true;
                evidence.scores.match_confidence = Some(*confidence);
            }
        }
        Flow::ProfileUpdate => {}
    }
    Ok(evidence)
}

/// What the engine measured on a face, on the vendor's scales.
pub(crate) fn face_scores(face: &MainFace, match_confidence: Option<f64>) -> FaceScores {
    FaceScores {
        quality: face.quality.score,
        quality_percent: face.quality.percent(),
        liveness: face.liveness.score,
        liveness_percent: Some(face.liveness.percent()),
        match_confidence,
    }
}

/// Whether the face matches a blacklisted face of its model at the account's face-match threshold.
async fn blacklisted_face(
    tx: &mut baf_store::PgConnection,
    account: AccountId,
    face: &verification::Embedding,
    threshold: u8,
) -> Result<bool, ApiError> {
    let model = face.model();
    let banned = baf_store::blacklist::faces(tx, account, model.name()).await?;
    Ok(banned
        .iter()
        .filter_map(|(_, raw)| verification::Embedding::from_raw(model, raw))
        .any(|banned| {
            face.similarity(&banned)
                .is_some_and(|s| s.confidence() >= f64::from(threshold))
        }))
}

fn response(
    applicant: &baf_domain::applicant::Applicant,
    settings: &baf_domain::AccountSettings,
    attempt: baf_domain::AttemptId,
    document_type: i16,
    outcome: &Outcome,
    flow: Flow,
) -> ValidationResponse {
    let with_document = flow == Flow::RegistrationWithDocument;
    ValidationResponse {
        applicant_id: applicant.id.0,
        attempt_id: attempt.0,
        document_type,
        document: None,
        attempts_count: i32::from(settings.max_attempts),
        attempts_left: validation::attempts_left(settings, outcome.attempts_used),
        status: outcome.record.response_status.code(),
        validation_status: outcome.record.validation_status.clone(),
        invalid_data_errors: outcome.record.invalid_data_errors.clone(),
        face_success: outcome
            .record
            .validation_status
            .face_is_valid
            .map(|_| outcome.succeeded()),
        document_success: None,
        document_has_not_expired: None,
        document_validation_tests: if with_document {
            document_tests(&applicant.settings)
        } else {
            Vec::new()
        },
        call_back_url: (outcome.applicant_status == ApplicantStatus::Success)
            .then(|| applicant.callback_url.clone())
            .flatten(),
    }
}

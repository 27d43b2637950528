//! `POST public/Validation`: registration by selfie, registration with a document, and
//! authorization by 1:N search (spec §5). The use case is `baf_app::App::validate`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::Json as JsonResponse;
use axum::extract::State;
use baf_app::validate::{Submission, Validated};
use baf_domain::ApplicantId;
use baf_domain::ApplicantStatus;
use baf_domain::document::{DocumentReport, TestStatus, ValidationTest};
use baf_domain::risks::is_fingerprint;
use baf_domain::validation::{
    self, Flow, InvalidDataError, SELFIE_DOCUMENT_TYPE, ValidationStatus,
};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::extract::{Json, ValidationCaller};

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
    /// This server's extension, sent by its hosted page: an opaque hash of the browser's
    /// environment (8 to 128 of `A-Z a-z 0-9 _ -`). The same fingerprint from several applicants
    /// within the account's risk period is a PeriodicAttack risk.
    browser_fingerprint: Option<String>,
}

impl ValidationRequest {
    fn into_submission(self, client_address: Option<IpAddr>) -> Result<Submission, ApiError> {
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
        let browser_fingerprint = match model.browser_fingerprint.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) if is_fingerprint(text) => Some(text.to_owned()),
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "model.browserFingerprint",
                    "The browserFingerprint must be 8 to 128 letters, digits, '-' or '_'.",
                ));
            }
        };
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
            client_address,
            browser_fingerprint,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResponse {
    applicant_id: Uuid,
    attempt_id: i64,
    document_type: i16,
    /// The fields read on the document (`firstName`, `familyName`, `dob`, `expires`, `id`,
    /// `idType`...), when the registration read one.
    #[schema(value_type = Option<Object>)]
    document: Option<BTreeMap<String, String>>,
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
    #[schema(value_type = Vec<Object>)]
    document_validation_tests: Vec<ValidationTest>,
    call_back_url: Option<String>,
}

/// The document's own checks when it was read, then the integrations this server does not run:
/// each off (Disabled) or on with nothing to run it (Skipped).
fn document_tests(
    settings: &baf_domain::ValidationRequestSettings,
    report: Option<&DocumentReport>,
) -> Vec<ValidationTest> {
    let test = |display_name, name, enabled: bool| {
        if enabled {
            ValidationTest::new(
                display_name,
                name,
                TestStatus::Skipped,
                "This integration is not available on this server",
            )
        } else {
            ValidationTest::new(
                display_name,
                name,
                TestStatus::Disabled,
                "Integration was turned off",
            )
        }
    };
    let own = match report {
        Some(report) => report.tests.clone(),
        None => vec![test("DocumentReading", "DocumentReadingValidation", false)],
    };
    own.into_iter()
        .chain([
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
        ])
        .collect()
}

/// Register or authorize an applicant by face.
#[utoipa::path(post, path = "/publicapi/api/v2/public/Validation", operation_id = "validate", tag = "Validation",
    request_body = ValidationRequest,
    responses(
        (status = 200, description = "The attempt was decided (status 0 Success or 1 Fail)", body = ValidationResponse),
    ))]
async fn validate(
    ValidationCaller(caller): ValidationCaller,
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    Json(body): Json<ValidationRequest>,
) -> Result<JsonResponse<ValidationResponse>, ApiError> {
    let submission = body.into_submission(client)?;
    let validated = state.app.validate(caller, submission).await?;
    Ok(JsonResponse(response(&validated)))
}

fn response(validated: &Validated) -> ValidationResponse {
    let Validated {
        applicant,
        settings,
        attempt,
        document_type,
        flow,
        outcome,
    } = validated;
    let with_document = *flow == Flow::RegistrationWithDocument;
    let report = outcome.record.document.as_ref();
    ValidationResponse {
        applicant_id: applicant.id.0,
        attempt_id: attempt.0,
        document_type: *document_type,
        document: report.and_then(DocumentReport::document),
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
        document_success: outcome.record.validation_status.document_is_valid,
        document_has_not_expired: report
            .and_then(|report| report.expired)
            .map(|expired| !expired),
        document_validation_tests: if with_document {
            document_tests(&applicant.settings, report)
        } else {
            Vec::new()
        },
        call_back_url: (outcome.applicant_status == ApplicantStatus::Success)
            .then(|| applicant.callback_url.clone())
            .flatten(),
    }
}

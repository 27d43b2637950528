//! `private/Applicants` and `public/Applicants`: the applicant resource of the BAF API (spec §3).

use axum::Json as JsonResponse;
use axum::extract::{Path, State};
use baf_domain::applicant::{
    self, Applicant, ApplicantUpdate, Metadata, NewApplicant, Patch, Refusal,
};
use baf_domain::{ApplicantStatus, ValidationRequestSettings, VerificationMethod};
use baf_store::Store;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::dto::{AttemptSummary, Page, baf_time, present};
use crate::error::ApiError;
use crate::extract::{Account, ApplicantPath, Json, QueryPairs, SecretAccount};
use crate::{AppState, text};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(by_reference))
        .routes(routes!(completed))
        .routes(routes!(complete))
        .routes(routes!(open))
        .routes(routes!(update_main_photo))
        .routes(routes!(re_notify))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateApplicant {
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    reference_id: Option<String>,
    /// Free string map of the client's own keys.
    #[schema(inline)]
    metadata: Option<Metadata>,
    callback_url: Option<String>,
    send_sms: Option<bool>,
    /// Initial status: 0 Pending (default), 1 Success, 2 Failed, 3 Canceled, 5 FailedAttempt.
    status: Option<i16>,
    /// 0 SMS, 1 manual (default).
    verification_method: Option<i16>,
}

impl CreateApplicant {
    fn into_domain(self) -> Result<NewApplicant, ApiError> {
        for (field, value) in [
            ("firstName", &self.first_name),
            ("lastName", &self.last_name),
            ("phone", &self.phone),
            ("email", &self.email),
            ("referenceId", &self.reference_id),
            ("callbackUrl", &self.callback_url),
        ] {
            text::check(field, value.as_deref())?;
        }
        let metadata = self.metadata.unwrap_or_default();
        text::check_metadata(&metadata)?;
        let status = match self.status {
            None => ApplicantStatus::Pending,
            Some(code) => ApplicantStatus::from_code(code).ok_or_else(|| {
                ApiError::invalid_field(
                    "status",
                    format!("Unknown status {code}; use 0, 1, 2, 3 or 5."),
                )
            })?,
        };
        let verification_method = match self.verification_method {
            None => VerificationMethod::default(),
            Some(code) => VerificationMethod::from_code(code).ok_or_else(|| {
                ApiError::invalid_field(
                    "verificationMethod",
                    format!("Unknown verification method {code}; use 0 or 1."),
                )
            })?,
        };
        Ok(NewApplicant {
            first_name: self.first_name,
            last_name: self.last_name,
            phone: self.phone,
            email: self.email,
            reference_id: self.reference_id,
            metadata,
            callback_url: self.callback_url,
            send_sms: self.send_sms.unwrap_or(false),
            verification_method,
            status,
        }
        .normalized()?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApplicant {
    applicant_id: Uuid,
    #[schema(
        example = "http://localhost:8080/embedded?requestId=3fa85f64-5717-4562-b3fc-2c963f66afa6"
    )]
    validation_link: String,
    #[schema(example = "http://localhost:8080/UA6IB5gk2Q")]
    short_validation_link: String,
}

/// Create an applicant. Every field is optional.
#[utoipa::path(post, path = "/publicapi/api/v2/private/Applicants", operation_id = "createApplicant", tag = "Applicants",
    request_body = CreateApplicant,
    responses(
        (status = 200, body = CreatedApplicant),
    ))]
async fn create(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    Json(body): Json<CreateApplicant>,
) -> Result<JsonResponse<CreatedApplicant>, ApiError> {
    let new = body.into_domain()?;
    let (applicant, links) = state.app.create_applicant(account, &new).await?;
    Ok(JsonResponse(CreatedApplicant {
        applicant_id: applicant.id.0,
        validation_link: links.validation,
        short_validation_link: links.short,
    }))
}

/// List the account's applicants, newest first unless sorted.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants", operation_id = "listApplicants", tag = "Applicants",
    params(
        ("Page" = Option<i32>, Query, description = "1..2147483647, default 1", minimum = 1),
        ("PageSize" = Option<i32>, Query, description = "1..400, default 10", minimum = 1, maximum = 400),
        ("CreatedFrom" = Option<String>, Query, description = "dd-mm-yyyy, inclusive"),
        ("CreatedTo" = Option<String>, Query, description = "dd-mm-yyyy, inclusive"),
        ("SortField" = Option<String>, Query, description = "camelCase applicant field, e.g. firstName, created, status"),
        ("Order" = Option<String>, Query, description = "`descending`; ascending otherwise"),
        ("TextFilter" = Option<String>, Query, description = "case-insensitive match on names, phone, email, referenceId"),
    ),
    responses(
        (status = 200, body = Page<ApplicantDto>),
    ))]
async fn list(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonResponse<Page<ApplicantDto>>, ApiError> {
    let query = text::list_query(&pairs, baf_store::applicants::SORT_FIELDS)?;
    let mut conn = store.connection().await?;
    let (applicants, total) = baf_store::applicants::list(&mut conn, account, &query).await?;
    Ok(JsonResponse(Page::new(
        &query,
        total,
        applicants.into_iter().map(ApplicantDto::from).collect(),
    )))
}

/// Get an applicant by id.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/{applicantId}", operation_id = "getApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses((status = 200, body = ApplicantDto)))]
async fn get(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    ApplicantPath(id): ApplicantPath,
) -> Result<JsonResponse<ApplicantDto>, ApiError> {
    let mut conn = store.connection().await?;
    let applicant = baf_store::applicants::get(&mut conn, account, id).await?;
    Ok(JsonResponse(
        ApplicantDto::with_success_attempt(&mut conn, applicant).await?,
    ))
}

/// Get the one applicant with this referenceId.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Applicants/ByReferenceId/{referenceId}", operation_id = "getApplicantByReferenceId", tag = "Applicants",
    params(("referenceId" = String, Path)),
    responses(
        (status = 200, body = ApplicantDto),
    ))]
async fn by_reference(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    Path(reference): Path<String>,
) -> Result<JsonResponse<ApplicantDto>, ApiError> {
    text::check("referenceId", Some(&reference))?;
    let mut conn = store.connection().await?;
    let applicant = baf_store::applicants::by_reference(&mut conn, account, &reference).await?;
    Ok(JsonResponse(
        ApplicantDto::with_success_attempt(&mut conn, applicant).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateApplicant {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    reference_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    callback_url: Option<Option<String>>,
    /// Replaces the whole map when present.
    #[schema(inline)]
    metadata: Option<Metadata>,
}

impl UpdateApplicant {
    fn into_domain(self) -> Result<ApplicantUpdate, ApiError> {
        let patch = |field: &'static str, value: Option<Option<String>>| {
            text::check(field, value.as_ref().and_then(Option::as_deref))?;
            Ok::<_, ApiError>(Patch::from_wire(value))
        };
        let update = ApplicantUpdate {
            first_name: patch("firstName", self.first_name)?,
            last_name: patch("lastName", self.last_name)?,
            phone: patch("phone", self.phone)?,
            email: patch("email", self.email)?,
            reference_id: patch("referenceId", self.reference_id)?,
            callback_url: patch("callbackUrl", self.callback_url)?,
            metadata: self.metadata,
        };
        if let Some(metadata) = &update.metadata {
            text::check_metadata(metadata)?;
        }
        Ok(update)
    }
}

/// Partial update: an absent field keeps its value, `""` clears it, `metadata` replaces the map.
#[utoipa::path(put, path = "/publicapi/api/v2/private/Applicants/{applicantId}", operation_id = "updateApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)), request_body = UpdateApplicant,
    responses(
        (status = 200, description = "updated"),
    ))]
async fn update(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
    Json(body): Json<UpdateApplicant>,
) -> Result<(), ApiError> {
    let update = body.into_domain()?;
    Ok(state.app.update_applicant(account, id, update).await?)
}

/// Delete an applicant with its attempts, images and face profile.
#[utoipa::path(delete, path = "/publicapi/api/v2/private/Applicants/{applicantId}", operation_id = "deleteApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses((status = 200, description = "deleted")))]
async fn delete(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
) -> Result<(), ApiError> {
    Ok(state.app.delete_applicant(account, id).await?)
}

/// 200 when the applicant is completed (Success, Failed or Canceled).
#[utoipa::path(get, path = "/publicapi/api/v2/public/Applicants/{applicantId}/Completed", operation_id = "getApplicantCompleted", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses(
        (status = 200, description = "completed"),
    ))]
async fn completed(
    account: Account,
    State(store): State<Store>,
    ApplicantPath(id): ApplicantPath,
) -> Result<(), ApiError> {
    let mut conn = store.connection().await?;
    let applicant = baf_store::applicants::get(&mut conn, account.id, id).await?;
    applicant::require_completed(applicant.status).map_err(|refusal| {
        ApiError::from(refusal)
            .with_message(format!("Validation request {id} is not completed yet."))
    })
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompleteResponse {
    callback_url: Option<String>,
}

/// Force-close: an open applicant becomes 3 Canceled; a completed one keeps its final status.
#[utoipa::path(post, path = "/publicapi/api/v2/public/Applicants/{applicantId}/Complete", operation_id = "completeApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses((status = 200, body = CompleteResponse)))]
async fn complete(
    account: Account,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
) -> Result<JsonResponse<CompleteResponse>, ApiError> {
    let applicant = state.app.complete_applicant(account.id, id).await?;
    Ok(JsonResponse(CompleteResponse {
        callback_url: applicant.callback_url,
    }))
}

/// Reopen: back to 0 Pending; from Failed the used attempts are reset.
#[utoipa::path(post, path = "/publicapi/api/v2/private/Applicants/{applicantId}/Open", operation_id = "openApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses(
        (status = 200, description = "reopened"),
    ))]
async fn open(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
) -> Result<(), ApiError> {
    Ok(state.app.reopen_applicant(account, id).await?)
}

/// An applicant as `GET private/Applicants/{id}`, the list and ByReferenceId return it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantDto {
    applicant_id: Uuid,
    attempts_count: i32,
    last_attempt_id: Option<i64>,
    success_attempt_id: Option<i64>,
    /// The successful registration attempt (null in list items).
    success_attempt: Option<AttemptSummary>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    reference_id: Option<String>,
    opened_link_times: i32,
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String, example = "2023-11-17T04:40:31.509932")]
    created: DateTime<Utc>,
    account_id: Uuid,
    validation_request_settings: SettingsDto,
    completed: bool,
    /// 0 Pending, 1 Success, 2 Failed, 3 Canceled, 5 FailedAttempt.
    status: i16,
    status_name: &'static str,
    attempts_used: i32,
    document_expired: Option<bool>,
    last_validation_response: Option<LastValidationResponse>,
    has_risk_events: bool,
    has_background_risk_events: bool,
    #[schema(inline)]
    metadata: Metadata,
    callback_url: Option<String>,
    verification_method: i16,
}

/// The newest attempt; `validationResponseId` is its `attemptId`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastValidationResponse {
    validation_response_id: i64,
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String, example = "2023-11-17T04:40:31.509932")]
    created: DateTime<Utc>,
    /// 0 Success, 1 Fail, 2 InvalidData, 3 Error.
    response_status: i16,
    response_status_name: &'static str,
}

impl ApplicantDto {
    async fn with_success_attempt(
        conn: &mut baf_store::PgConnection,
        applicant: Applicant,
    ) -> Result<Self, ApiError> {
        let success = match applicant.success_attempt_id {
            Some(attempt) => Some(
                baf_store::attempts::get(conn, applicant.account_id, applicant.id, attempt).await?,
            ),
            None => None,
        };
        let mut dto = Self::from(applicant);
        dto.success_attempt = success.as_ref().map(AttemptSummary::from);
        Ok(dto)
    }
}

/// `validationRequestSettings`: the account's settings as frozen for this applicant.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsDto {
    validation_request_id: Uuid,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    settings: ValidationRequestSettings,
}

impl From<Applicant> for ApplicantDto {
    fn from(a: Applicant) -> Self {
        Self {
            applicant_id: a.id.0,
            attempts_count: a.attempts_count,
            last_attempt_id: a.last_attempt_id.map(|id| id.0),
            success_attempt_id: a.success_attempt_id.map(|id| id.0),
            success_attempt: None,
            first_name: a.first_name,
            last_name: a.last_name,
            phone: a.phone,
            email: a.email,
            reference_id: a.reference_id,
            opened_link_times: a.opened_link_times,
            created: a.created,
            account_id: a.account_id.0,
            validation_request_settings: SettingsDto {
                validation_request_id: a.id.0,
                settings: a.settings,
            },
            completed: a.status.is_completed(),
            status: a.status.code(),
            status_name: a.status.name(),
            attempts_used: a.attempts_used,
            document_expired: a.document_expired,
            last_validation_response: a.last_attempt.map(|last| LastValidationResponse {
                validation_response_id: last.id.0,
                created: last.created,
                response_status: last.response_status.code(),
                response_status_name: last.response_status.name(),
            }),
            has_risk_events: a.has_risk_events,
            has_background_risk_events: a.has_background_risk_events,
            metadata: a.metadata,
            callback_url: a.callback_url,
            verification_method: a.verification_method.code(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateMainPhoto {
    /// The new registration photo: base64, with or without a `data:` prefix.
    face_image_base64: Option<String>,
}

/// Replace the registered face after the same checks as a registration (one face, quality,
/// liveness, no other applicant's face).
#[utoipa::path(post, path = "/publicapi/api/v2/private/Applicants/{applicantId}/UpdateMainPhoto", operation_id = "updateMainPhoto", tag = "Applicants",
    params(("applicantId" = Uuid, Path)), request_body = UpdateMainPhoto,
    responses(
        (status = 200, description = "the profile now holds the new face"),
    ))]
async fn update_main_photo(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
    Json(body): Json<UpdateMainPhoto>,
) -> Result<(), ApiError> {
    let text = body
        .face_image_base64
        .filter(|t| !t.trim().is_empty())
        .ok_or(ApiError::from(Refusal::FaceImageRequired))?;
    let image = verification::decode_base64(text.trim())
        .map_err(|e| ApiError::for_image("faceImageBase64", e))?;
    Ok(state
        .app
        .update_main_photo(account, id, bytes::Bytes::from(image))
        .await?)
}

/// Resend the verification link to the applicant's phone through the configured notifier.
#[utoipa::path(post, path = "/publicapi/api/v2/private/Applicants/{applicantId}/ReNotify", operation_id = "reNotifyApplicant", tag = "Applicants",
    params(("applicantId" = Uuid, Path)),
    responses(
        (status = 200, description = "sent"),
    ))]
async fn re_notify(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    ApplicantPath(id): ApplicantPath,
) -> Result<(), ApiError> {
    Ok(state.app.renotify_applicant(account, id).await?)
}

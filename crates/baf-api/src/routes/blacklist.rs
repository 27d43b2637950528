//! `private/Blacklist` (spec §6). Every answer is wrapped as the vendor's blacklist service wraps
//! it: `{data, succeeded, isError, errors}`; errors keep their HTTP status and carry the usual
//! envelope inside `errors`. `FromApplicantId` alone answers with the bare person id.

use axum::Json as JsonResponse;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use baf_domain::blacklist::{BlacklistPerson, PersonData, SORT_FIELDS};
use baf_domain::{ApplicantId, PersonId};
use baf_store::{Store, blacklist};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::dto::{Page, baf_time_opt};
use crate::error::{ApiError, ErrorEnvelope};
use crate::extract::{Json, PersonPath, QueryPairs, SecretAccount};
use crate::text;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .route_layer(axum::middleware::map_response(wrap_errors))
        .routes(routes!(from_applicant))
}

/// The vendor's blacklist wrapper.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Wrapped<T> {
    data: Option<T>,
    succeeded: bool,
    is_error: bool,
    errors: Vec<ErrorEnvelope>,
}

/// The blacklist wrapper of an error: `data` is null and `errors` holds the envelope.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WrappedError {
    #[schema(value_type = Option<Object>)]
    data: Option<()>,
    succeeded: bool,
    is_error: bool,
    errors: Vec<ErrorEnvelope>,
}

fn ok<T>(data: T) -> JsonResponse<Wrapped<T>> {
    JsonResponse(Wrapped {
        data: Some(data),
        succeeded: true,
        is_error: false,
        errors: Vec::new(),
    })
}

/// Wraps every error envelope these routes produce, extractor rejections included: each is an
/// `ApiError`, which leaves its envelope in the response's extensions.
async fn wrap_errors(response: Response) -> Response {
    if response.status().is_success() {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let wrapped = WrappedError {
        data: None,
        succeeded: false,
        is_error: true,
        errors: parts
            .extensions
            .remove::<ErrorEnvelope>()
            .into_iter()
            .collect(),
    };
    let mut response = (parts.status, axum::Json(wrapped)).into_response();
    for (name, value) in parts
        .headers
        .iter()
        .filter(|(name, _)| *name != axum::http::header::CONTENT_LENGTH)
    {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    *response.extensions_mut() = parts.extensions;
    response
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonRequest {
    first_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    /// Any ISO-8601 form: `2023-06-22T13:57:35.163Z`, with an offset, naive (read as UTC), or a date.
    dob: Option<String>,
}

/// Reads a date of birth in any ISO form; an empty one is "no date of birth".
fn parse_dob(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let parsed = DateTime::parse_from_rfc3339(raw)
        .map(|t| t.to_utc())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc())
        })
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        });
    parsed.map(Some).map_err(|_| {
        ApiError::invalid_field("dob", format!("The value '{raw}' is not a valid date."))
    })
}

impl PersonRequest {
    fn into_data(self) -> Result<PersonData, ApiError> {
        for (field, value) in [
            ("firstName", &self.first_name),
            ("middleName", &self.middle_name),
            ("familyName", &self.family_name),
        ] {
            text::check(field, value.as_deref())?;
        }
        let dob = parse_dob(self.dob.as_deref())?;
        Ok(PersonData::entered(
            self.first_name.as_deref(),
            self.middle_name.as_deref(),
            self.family_name.as_deref(),
            dob,
        )?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonDto {
    id: Uuid,
    applicant_id: Option<Uuid>,
    first_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    #[serde(serialize_with = "baf_time_opt")]
    #[schema(value_type = Option<String>, example = "2023-06-22T13:57:35.163000")]
    dob: Option<DateTime<Utc>>,
    /// Whether a face is banned with this entry (copied from the applicant's profile).
    has_face: bool,
}

impl From<BlacklistPerson> for PersonDto {
    fn from(p: BlacklistPerson) -> Self {
        Self {
            id: p.id.0,
            applicant_id: p.applicant_id.map(|a| a.0),
            first_name: p.first_name,
            middle_name: p.middle_name,
            family_name: p.family_name,
            dob: p.dob,
            has_face: p.has_face,
        }
    }
}

/// Add a person by names and date of birth; `data` is the new personId.
#[utoipa::path(post, path = "/publicapi/api/v2/private/Blacklist", operation_id = "createBlacklistPerson", tag = "Blacklist", request_body = PersonRequest,
    responses(
        (status = 200, description = "`data` is the new personId", body = Wrapped<Uuid>),
    ))]
async fn create(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    Json(body): Json<PersonRequest>,
) -> Result<JsonResponse<Wrapped<Uuid>>, ApiError> {
    let data = body.into_data()?;
    let id = PersonId::new_random();
    let mut conn = store.connection().await?;
    blacklist::insert(&mut conn, account, id, &data, None, None).await?;
    Ok(ok(id.0))
}

/// The blacklist, newest first unless sorted.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Blacklist", operation_id = "listBlacklist", tag = "Blacklist",
    params(
        ("Page" = Option<i32>, Query, description = "1..2147483647, default 1", minimum = 1),
        ("PageSize" = Option<i32>, Query, description = "1..400, default 10", minimum = 1, maximum = 400),
        ("SortField" = Option<String>, Query, description = "id, firstName, middleName, familyName, dob, created, applicantId"),
        ("Order" = Option<String>, Query, description = "`descending`; ascending otherwise"),
        ("TextFilter" = Option<String>, Query, description = "case-insensitive match on the names"),
    ),
    responses((status = 200, body = Wrapped<Page<PersonDto>>)))]
async fn list(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonResponse<Wrapped<Page<PersonDto>>>, ApiError> {
    let query = text::list_query(&pairs, SORT_FIELDS)?;
    let mut conn = store.connection().await?;
    let (people, total) = blacklist::list(&mut conn, account, &query).await?;
    Ok(ok(Page::new(
        &query,
        total,
        people.into_iter().map(PersonDto::from).collect(),
    )))
}

/// One blacklisted person.
#[utoipa::path(get, path = "/publicapi/api/v2/private/Blacklist/{personId}", operation_id = "getBlacklistPerson", tag = "Blacklist",
    params(("personId" = Uuid, Path)),
    responses((status = 200, body = Wrapped<PersonDto>)))]
async fn get(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    PersonPath(id): PersonPath,
) -> Result<JsonResponse<Wrapped<PersonDto>>, ApiError> {
    let mut conn = store.connection().await?;
    Ok(ok(blacklist::get(&mut conn, account, id).await?.into()))
}

/// Change a person's names and date of birth (the same rules as adding one).
#[utoipa::path(put, path = "/publicapi/api/v2/private/Blacklist/{personId}", operation_id = "updateBlacklistPerson", tag = "Blacklist",
    params(("personId" = Uuid, Path)), request_body = PersonRequest,
    responses(
        (status = 200, body = Wrapped<PersonDto>),
    ))]
async fn update(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    PersonPath(id): PersonPath,
    Json(body): Json<PersonRequest>,
) -> Result<JsonResponse<Wrapped<PersonDto>>, ApiError> {
    let data = body.into_data()?;
    let mut conn = store.connection().await?;
    blacklist::update(&mut conn, account, id, &data).await?;
    Ok(ok(blacklist::get(&mut conn, account, id).await?.into()))
}

/// Lift the ban: later attempts are no longer refused for this person.
#[utoipa::path(delete, path = "/publicapi/api/v2/private/Blacklist/{personId}", operation_id = "deleteBlacklistPerson", tag = "Blacklist",
    params(("personId" = Uuid, Path)),
    responses((status = 200, description = "`data` is the removed personId", body = Wrapped<Uuid>)))]
async fn delete(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    PersonPath(id): PersonPath,
) -> Result<JsonResponse<Wrapped<Uuid>>, ApiError> {
    let mut conn = store.connection().await?;
    blacklist::delete(&mut conn, account, id).await?;
    Ok(ok(id.0))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FromApplicant {
    applicant_id: Option<Uuid>,
}

/// Blacklist an applicant: its names and, when it registered, its face. Answers the new personId
/// as a bare JSON string.
#[utoipa::path(post, path = "/publicapi/api/v2/private/Blacklist/FromApplicantId", operation_id = "blacklistApplicant", tag = "Blacklist", request_body = FromApplicant,
    responses(
        (status = 200, description = "the new personId", body = Uuid, content_type = "application/json"),
    ))]
async fn from_applicant(
    SecretAccount(account): SecretAccount,
    State(state): State<AppState>,
    Json(body): Json<FromApplicant>,
) -> Result<JsonResponse<Uuid>, ApiError> {
    let applicant = ApplicantId(body.applicant_id.ok_or_else(|| {
        ApiError::invalid_field("applicantId", "The applicantId field is required.")
    })?);
    let id = state.app.blacklist_applicant(account, applicant).await?;
    Ok(JsonResponse(id.0))
}

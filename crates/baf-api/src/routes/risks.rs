//! `private/RiskEvents` and `private/RiskManagement/ActiveRisks`: BAF's Risks API. Every risk
//! found on an attempt is listed; an account's settings say which of them fail an attempt.

use axum::Json as JsonResponse;
use axum::extract::State;
use baf_domain::AccountSettings;
use baf_domain::listing::query_value;
use baf_domain::risks::{RiskLevel, RiskType};
use baf_store::risks::{RiskFilter, StoredRisk};
use baf_store::{Store, accounts, risks};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::AppState;
use crate::dto::{Page, baf_time};
use crate::error::ApiError;
use crate::extract::{QueryPairs, SecretAccount};
use crate::text;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(risk_events))
        .routes(routes!(active_risks))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RiskEventDto {
    id: i64,
    /// The attempt the risk was found on.
    validation_response_id: i64,
    /// Its applicant.
    validation_request_id: Uuid,
    /// 0 Moderate, 1 Significant.
    level: i16,
    /// 0 MassAttack, 1 PeriodicAttack, 2 BlackListed (this server's; none of the vendor's
    /// numbers), 6 DuplicateFace, 7 InconsistentMetadata.
    #[serde(rename = "type")]
    risk_type: i16,
    /// Whether the risk failed the attempt (this server's addition).
    is_active: bool,
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String, example = "2023-11-17T04:38:04.653858")]
    created: DateTime<Utc>,
}

impl From<StoredRisk> for RiskEventDto {
    fn from(risk: StoredRisk) -> Self {
        Self {
            id: risk.id,
            validation_response_id: risk.attempt.0,
            validation_request_id: risk.applicant.0,
            level: risk.level,
            risk_type: risk.risk_type,
            is_active: risk.is_active,
            created: risk.created,
        }
    }
}

/// Reads `Level` and `Type`, each a number the vendor defines; an unknown one is a validation error.
fn risk_filter(pairs: &[(String, String)]) -> Result<RiskFilter, ApiError> {
    let number = |name: &'static str| -> Result<Option<i64>, ApiError> {
        query_value(pairs, name)
            .map(|raw| {
                raw.parse::<i64>().map_err(|_| {
                    ApiError::invalid_field(name, format!("The value '{raw}' is not a number."))
                })
            })
            .transpose()
    };
    let level = number("Level")?
        .map(|code| {
            RiskLevel::from_code(code).ok_or_else(|| {
                ApiError::invalid_field("Level", "Level must be 0 (Moderate) or 1 (Significant).")
            })
        })
        .transpose()?;
    let risk_type = number("Type")?
        .map(|code| {
            RiskType::from_number(code).ok_or_else(|| {
                ApiError::invalid_field(
                    "Type",
                    "Type must be 0 MassAttack, 1 PeriodicAttack, 2 BlackListed, 6 DuplicateFace \
                     or 7 InconsistentMetadata.",
                )
            })
        })
        .transpose()?;
    Ok(RiskFilter { level, risk_type })
}

/// The account's risk events, newest first.
#[utoipa::path(get, path = "/publicapi/api/v2/private/RiskEvents", operation_id = "listRiskEvents", tag = "Risks",
    params(
        ("Page" = Option<i32>, Query, description = "1..2147483647, default 1", minimum = 1),
        ("PageSize" = Option<i32>, Query, description = "1..400, default 10", minimum = 1, maximum = 400),
        ("CreatedFrom" = Option<String>, Query, description = "dd-mm-yyyy, UTC"),
        ("CreatedTo" = Option<String>, Query, description = "dd-mm-yyyy, UTC, the whole day included"),
        ("Level" = Option<i32>, Query, description = "0 Moderate, 1 Significant"),
        ("Type" = Option<i32>, Query, description = "0 MassAttack, 1 PeriodicAttack, 2 BlackListed, 6 DuplicateFace, 7 InconsistentMetadata"),
    ),
    responses((status = 200, body = Page<RiskEventDto>)))]
async fn risk_events(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
    QueryPairs(pairs): QueryPairs,
) -> Result<JsonResponse<Page<RiskEventDto>>, ApiError> {
    let query = text::list_query(&pairs, &[])?;
    let filter = risk_filter(&pairs)?;
    let mut conn = store.connection().await?;
    let (events, total) = risks::list(&mut conn, account, &query, filter).await?;
    Ok(JsonResponse(Page::new(
        &query,
        total,
        events.into_iter().map(RiskEventDto::from).collect(),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActiveRiskDto {
    #[serde(rename = "type")]
    risk_type: i16,
    name: &'static str,
    level: i16,
    /// Whether this risk fails the attempt it is found on; an inactive one is only recorded.
    is_active: bool,
}

fn active_risk_list(settings: &AccountSettings) -> Vec<ActiveRiskDto> {
    RiskType::all()
        .map(|risk| ActiveRiskDto {
            risk_type: risk.number(),
            name: risk.name(),
            level: risk.level().code(),
            is_active: settings.risks.is_active(risk),
        })
        .collect()
}

/// The account's risk types and whether each is active.
#[utoipa::path(get, path = "/publicapi/api/v2/private/RiskManagement/ActiveRisks", operation_id = "activeRisks", tag = "Risks",
    responses((status = 200, body = Vec<ActiveRiskDto>)))]
async fn active_risks(
    SecretAccount(account): SecretAccount,
    State(store): State<Store>,
) -> Result<JsonResponse<Vec<ActiveRiskDto>>, ApiError> {
    let mut conn = store.connection().await?;
    let settings = accounts::settings(&mut conn, account).await?;
    Ok(JsonResponse(active_risk_list(&settings)))
}

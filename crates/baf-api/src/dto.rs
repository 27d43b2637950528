//! Wire shapes shared by several resources.

use baf_domain::listing::ListQuery;
use baf_domain::validation::ValidationStatus;
use baf_store::attempts::Attempt;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

/// One page of a list, as every BAF list route answers it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    page: i64,
    page_size: i64,
    total: i64,
    total_pages: i64,
    items: Vec<T>,
}

impl<T> Page<T> {
    pub fn new(query: &ListQuery, total: i64, items: Vec<T>) -> Self {
        Self {
            page: query.page,
            page_size: query.page_size,
            total,
            total_pages: query.total_pages(total),
            items,
        }
    }
}

/// Writes timestamps the vendor's way: naive UTC with microseconds and no zone suffix
/// (`2023-11-17T04:40:31.509932`); existing clients parse exactly that layout.
pub fn baf_time<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f"))
}

pub fn baf_time_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => baf_time(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`) in a body.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_microseconds_and_no_zone() {
        #[derive(serde::Serialize)]
        struct T(#[serde(serialize_with = "baf_time")] DateTime<Utc>);
        let time = DateTime::parse_from_rfc3339("2023-11-17T04:40:31.509932123Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            serde_json::to_string(&T(time)).unwrap(),
            "\"2023-11-17T04:40:31.509932\""
        );
        let whole = DateTime::parse_from_rfc3339("2023-11-17T04:40:31Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            serde_json::to_string(&T(whole)).unwrap(),
            "\"2023-11-17T04:40:31.000000\""
        );
    }
}

/// BAF's names for the document types it knows; anything else is a generic document.
pub fn document_type_name(document_type: i16) -> &'static str {
    match document_type {
        1 => "ID",
        2 => "Passport",
        3 => "DriverLicense",
        4 => "ResidencePermit",
        10 => "Selfie",
        _ => "Document",
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttemptSummary {
    attempt_id: i64,
    #[serde(serialize_with = "baf_time")]
    #[schema(value_type = String, example = "2023-09-20T07:51:46.544983")]
    created: DateTime<Utc>,
    document_type: &'static str,
    document_type_int: i16,
    has_risk_events: bool,
    /// 0 Success, 1 Fail, 2 InvalidData, 3 Error.
    status: i16,
    #[schema(value_type = Object)]
    validation_status: ValidationStatus,
}

impl From<&Attempt> for AttemptSummary {
    fn from(a: &Attempt) -> Self {
        Self {
            attempt_id: a.id.0,
            created: a.created,
            document_type: document_type_name(a.document_type),
            document_type_int: a.document_type,
            has_risk_events: a.has_risk_events,
            status: a.record.response_status.code(),
            validation_status: a.record.validation_status.clone(),
        }
    }
}

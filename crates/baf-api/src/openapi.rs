//! The OpenAPI document: generated from the routes' annotations and, for the error responses,
//! from the [`BafCode`] table; committed as `openapi/openapi.json` and checked against the code
//! by a test.

mod limits;

use std::collections::BTreeMap;

use utoipa::OpenApi;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

use crate::error::{BafCode, ErrorEnvelope};
use crate::routes::blacklist::WrappedError;
use crate::{AppState, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BAF-compatible face verification server",
        description = "Self-hosted implementation of the BAF (Biometric Anti-Fraud) public API v2. \
                       Every route is also served under /api/v2 and matched case-insensitively.",
    ),
    modifiers(&BearerKey),
    components(schemas(ErrorEnvelope, WrappedError)),
    security(("bearer" = [])),
    tags(
        (name = "Applicants", description = "Applicants and their status"),
        (name = "Validation", description = "Registration and authorization by face"),
        (name = "Attempts", description = "Verification attempts, their images and videos"),
        (name = "Blacklist", description = "People refused by names and date of birth, or by face"),
        (name = "Risks", description = "Risk events found on attempts, and which risks fail one"),
    )
)]
struct ApiDoc;

struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "sk_<uuid> (every route) or pk_<uuid> (public/ routes only)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The error responses of every operation, built from the [`BafCode`] table: what every
/// operation can answer ([`EVERY_OPERATION`] and the like), then what [`OPERATION_ERRORS`] lists
/// for it. A code's status and meaning come from the table, so the document cannot drift from
/// the answers.
struct ErrorResponses;

/// Any operation: no or an unknown key, a malformed id, parameter or body, a failure of ours,
/// and an exhausted database pool.
const EVERY_OPERATION: &[BafCode] = &[
    BafCode::Validation,
    BafCode::Unauthorized,
    BafCode::TooManyRequests,
    BafCode::Internal,
    BafCode::Busy,
];
/// A public key on a `private/` route.
const PRIVATE_OPERATION: &[BafCode] = &[BafCode::Forbidden];
/// A JSON body.
const WITH_BODY: &[BafCode] = &[
    BafCode::PayloadTooLarge,
    BafCode::UnsupportedMediaType,
    BafCode::RequestTimeout,
];

/// What each operation answers beyond the above, by method and path under [`API`].
const OPERATION_ERRORS: &[(&str, &str, &[BafCode])] = {
    use BafCode::*;
    &[
        ("get", "/private/Applicants", &[UnknownSortField]),
        ("post", "/private/Applicants", &[SmsFailed]),
        (
            "get",
            "/private/Applicants/ByReferenceId/{referenceId}",
            &[ApplicantNotFound, AmbiguousReference],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}",
            &[ApplicantNotFound],
        ),
        (
            "put",
            "/private/Applicants/{applicantId}",
            &[ApplicantNotFound, PhoneRequiredForSms],
        ),
        (
            "delete",
            "/private/Applicants/{applicantId}",
            &[ApplicantNotFound],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}/Attempts",
            &[ApplicantNotFound],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}/Attempts/{attemptId}",
            &[ApplicantNotFound, AttemptNotFound],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}/Attempts/{attemptId}/Images",
            &[ApplicantNotFound, AttemptNotFound, ImageReviewDenied],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}/Attempts/{attemptId}/Video",
            &[ApplicantNotFound, AttemptNotFound, NoVideo],
        ),
        (
            "get",
            "/private/Applicants/{applicantId}/Attempts/{attemptId}/LivenessActionVideo",
            &[ApplicantNotFound, AttemptNotFound, NoVideo],
        ),
        (
            "post",
            "/private/Applicants/{applicantId}/Open",
            &[ApplicantNotFound, AlreadyOpen],
        ),
        (
            "post",
            "/private/Applicants/{applicantId}/ReNotify",
            &[ApplicantNotFound, SmsFailed],
        ),
        (
            "post",
            "/private/Applicants/{applicantId}/UpdateMainPhoto",
            &[
                ApplicantNotFound,
                NotRegistered,
                FaceImageRequired,
                NoOrManyFaces,
                FaceEngine,
            ],
        ),
        ("get", "/private/Blacklist", &[UnknownSortField]),
        ("get", "/private/RiskEvents", &[UnknownSortField]),
        ("get", "/private/RiskManagement/ActiveRisks", &[]),
        (
            "post",
            "/private/Blacklist",
            &[BlacklistFieldsEmpty, BlacklistDuplicate],
        ),
        (
            "post",
            "/private/Blacklist/FromApplicantId",
            &[ApplicantNotFound, BlacklistFieldsEmpty, BlacklistDuplicate],
        ),
        ("get", "/private/Blacklist/{personId}", &[PersonNotFound]),
        (
            "put",
            "/private/Blacklist/{personId}",
            &[PersonNotFound, BlacklistFieldsEmpty, BlacklistDuplicate],
        ),
        ("delete", "/private/Blacklist/{personId}", &[PersonNotFound]),
        (
            "post",
            "/public/Applicants/{applicantId}/Complete",
            &[ApplicantNotFound],
        ),
        (
            "get",
            "/public/Applicants/{applicantId}/Completed",
            &[ApplicantNotFound, NotCompleted],
        ),
        (
            "post",
            "/public/Validation",
            &[
                ApplicantNotFound,
                Forbidden,
                AlreadyCompleted,
                AttemptsExhausted,
                Closed,
                FaceImageRequired,
                NoVerifiedFace,
                NoOrManyFaces,
                FaceEngine,
            ],
        ),
    ]
};

const API: &str = "/publicapi/api/v2";

/// The blacklist's routes wrap their errors, all but `FromApplicantId`.
fn error_body(path: &str) -> &'static str {
    let wrapped = path.starts_with(&format!("{API}/private/Blacklist"))
        && !path.ends_with("/FromApplicantId");
    if wrapped {
        "WrappedError"
    } else {
        "ErrorEnvelope"
    }
}

/// Every code an operation may answer, in the order its responses list them.
fn operation_codes(method: &str, path: &str, has_body: bool) -> Vec<BafCode> {
    let own = path
        .strip_prefix(API)
        .and_then(|suffix| {
            OPERATION_ERRORS
                .iter()
                .find(|(m, p, _)| *m == method && *p == suffix)
        })
        .map_or(&[][..], |(_, _, codes)| codes);
    let private = if path.starts_with(&format!("{API}/private/")) {
        PRIVATE_OPERATION
    } else {
        &[]
    };
    let body = if has_body { WITH_BODY } else { &[] };
    let mut codes = Vec::new();
    for code in own.iter().chain(private).chain(body).chain(EVERY_OPERATION) {
        if !codes.contains(code) {
            codes.push(*code);
        }
    }
    codes
}

fn error_response(codes: &[BafCode], body: &str) -> Response {
    let description = codes
        .iter()
        .map(|code| format!("`{}`: {}", code.code(), code.meaning()))
        .collect::<Vec<_>>()
        .join("; ");
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name(body)))
            .build(),
    );
    let seconds = || ObjectBuilder::new().schema_type(Type::Integer).build();
    if codes.contains(&BafCode::Busy) || codes.contains(&BafCode::TooManyRequests) {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(seconds())
                .description(Some("seconds to wait before retrying"))
                .build(),
        );
    }
    response.build()
}

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
            ] {
                let Some(operation) = operation else { continue };
                let codes = operation_codes(method, path, operation.request_body.is_some());
                let mut by_status: BTreeMap<u16, Vec<BafCode>> = BTreeMap::new();
                for code in codes {
                    by_status
                        .entry(code.status().as_u16())
                        .or_default()
                        .push(code);
                }
                for (status, codes) in by_status {
                    operation.responses.responses.insert(
                        status.to_string(),
                        RefOr::T(error_response(&codes, error_body(path))),
                    );
                }
            }
        }
    }
}

/// The API's routes and their document. The error responses are added once every route is in
/// (`ApiDoc`'s own modifiers run before any route is).
pub(crate) fn api() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::applicants::router())
        .merge(routes::attempts::router())
        .merge(routes::validation::router())
        .merge(routes::blacklist::router())
        .merge(routes::risks::router())
        .split_for_parts();
    utoipa::Modify::modify(&ErrorResponses, &mut document);
    (router, document)
}

/// The OpenAPI document generated from the routes, with the limits the server enforces (kept
/// as JSON: utoipa's schema types cannot hold some of them, such as `anyOf` of two formats).
pub fn document() -> serde_json::Value {
    served(api().1)
}

/// The document as served, from the one `api()` the router is built with.
pub(crate) fn served(document: utoipa::openapi::OpenApi) -> serde_json::Value {
    limits::written_in(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation has its row in [`OPERATION_ERRORS`], and every row names an operation.
    #[test]
    fn every_operation_lists_its_errors() {
        let document = api().1;
        let mut operations = Vec::new();
        for (path, item) in &document.paths.paths {
            for (method, operation) in [
                ("get", &item.get),
                ("put", &item.put),
                ("post", &item.post),
                ("delete", &item.delete),
            ] {
                if operation.is_some() {
                    operations.push((method, path.strip_prefix(API).unwrap().to_owned()));
                }
            }
        }
        for (method, path) in &operations {
            assert!(
                OPERATION_ERRORS
                    .iter()
                    .any(|(m, p, _)| m == method && p == path),
                "{method} {path} has no row in OPERATION_ERRORS"
            );
        }
        for (method, path, _) in OPERATION_ERRORS {
            assert!(
                operations.iter().any(|(m, p)| m == method && p == path),
                "OPERATION_ERRORS names {method} {path}, which is no operation"
            );
        }
    }

    /// Client generators name a function after each operation id: they must be unique.
    #[test]
    fn operation_ids_are_unique() {
        let document = api().1;
        let mut ids: Vec<&str> = document
            .paths
            .paths
            .values()
            .flat_map(|item| [&item.get, &item.put, &item.post, &item.delete])
            .flatten()
            .map(|operation| operation.operation_id.as_deref().expect("an operation id"))
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
    }

    #[test]
    fn error_responses_come_from_the_code_table() {
        let document = api().1;
        let validation = document.paths.paths["/publicapi/api/v2/public/Validation"]
            .post
            .as_ref()
            .unwrap();
        let RefOr::T(bad_request) = &validation.responses.responses["400"] else {
            panic!("an inline response");
        };
        for code in [BafCode::AttemptsExhausted, BafCode::Validation] {
            assert!(
                bad_request
                    .description
                    .contains(&format!("`{}`: {}", code.code(), code.meaning())),
                "{}",
                bad_request.description
            );
        }
        let RefOr::T(busy) = &validation.responses.responses["503"] else {
            panic!("an inline response");
        };
        assert!(busy.headers.contains_key("Retry-After"));
        let statuses: Vec<&str> = validation
            .responses
            .responses
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            statuses,
            [
                "200", "400", "401", "403", "404", "408", "413", "415", "429", "500", "503"
            ]
        );
    }
}

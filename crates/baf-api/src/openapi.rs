//! The OpenAPI document: generated from the routes' annotations, committed as
//! `openapi/openapi.json` and checked against the code by a test.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::{AppState, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "BAF-compatible face verification server",
        description = "Self-hosted implementation of the BAF (Biometric Anti-Fraud) public API v2. \
                       Every route is also served under /api/v2 and matched case-insensitively.",
    ),
    modifiers(&BearerKey),
    security(("bearer" = [])),
    tags(
        (name = "Applicants", description = "Applicants and their status"),
        (name = "Validation", description = "Registration and authorization by face"),
        (name = "Attempts", description = "Verification attempts, their images and videos"),
        (name = "Blacklist", description = "People refused by names and date of birth, or by face"),
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

pub(crate) fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::applicants::router())
        .merge(routes::attempts::router())
        .merge(routes::validation::router())
        .merge(routes::blacklist::router())
}

/// The OpenAPI document generated from the routes.
pub fn document() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

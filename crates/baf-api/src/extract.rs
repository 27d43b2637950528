//! Extractors whose rejections are BAF envelopes: JSON bodies, query pairs, path ids and the
//! API key.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use baf_app::validate::Caller;
use baf_domain::{AccountId, ApplicantId, AttemptId, PersonId};
use baf_store::Store;
use baf_store::accounts::KeyKind;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, BafCode};
use crate::keys::Lookup;
use crate::{ApiConfig, AppState};

/// A JSON body. Accepts the content types of the vendor's clients (`application/json`,
/// `application/json-patch+json`, `text/json`, any `application/*+json`); an empty body reads as `{}`.
pub struct Json<T>(pub T);

fn is_json_content_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence == "text/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T>
where
    Arc<ApiConfig>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("?").to_owned());
        let deadline = Arc::<ApiConfig>::from_ref(state).body_deadline;
        let body = tokio::time::timeout(deadline, Bytes::from_request(request, state))
            .await
            .map_err(|_| {
                ApiError::new(
                    BafCode::RequestTimeout,
                    "The request body did not arrive in time.",
                )
            })?
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(e)
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiError::new(BafCode::PayloadTooLarge, "The request body is too large.")
                }
                other => ApiError::invalid_field("body", other.body_text()),
            })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return parse(b"{}").map(Json);
        }
        if let Some(content_type) = content_type
            && !is_json_content_type(&content_type)
        {
            return Err(ApiError::new(
                BafCode::UnsupportedMediaType,
                format!("Content-Type '{content_type}' is not supported; send application/json."),
            ));
        }
        parse(&body).map(Json)
    }
}

/// Deserializes a JSON object, reporting the failing field's path (`metadata.tenant`) as ASP.NET
/// does. Every body of the API is an object; serde would otherwise read an array positionally.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_field(
            "body",
            "A JSON object is expected.",
        ));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        ApiError::invalid_field(field, error.inner().to_string())
    })
}

/// The raw query pairs, for the list parameters whose names match case-insensitively.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Ok(Self(url_pairs(&parts.uri)))
    }
}

fn url_pairs(uri: &axum::http::Uri) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

/// Reads a path parameter as a uuid, naming the parameter when it is not one.
pub fn parse_uuid(name: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| {
        ApiError::invalid_field(name, format!("The value '{raw}' is not a valid {name}."))
    })
}

/// The path's named parameters; a malformed one is a ValidationError naming it.
struct PathParams(HashMap<String, String>);

impl PathParams {
    /// `field` names the parameter a path that cannot be read at all is reported under.
    async fn read<S: Send + Sync>(
        parts: &mut Parts,
        state: &S,
        field: &str,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(params) =
            axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid_field(field, e.body_text()))?;
        Ok(Self(params))
    }

    fn raw(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    fn uuid(&self, name: &str) -> Result<uuid::Uuid, ApiError> {
        parse_uuid(name, self.raw(name))
    }
}

/// `{applicantId}` in the path.
pub struct ApplicantPath(pub ApplicantId);

impl<S: Send + Sync> FromRequestParts<S> for ApplicantPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = PathParams::read(parts, state, "applicantId").await?;
        Ok(Self(ApplicantId(params.uuid("applicantId")?)))
    }
}

/// `{applicantId}/Attempts/{attemptId}` in the path.
pub struct AttemptPath(pub ApplicantId, pub AttemptId);

impl<S: Send + Sync> FromRequestParts<S> for AttemptPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = PathParams::read(parts, state, "attemptId").await?;
        let applicant = params.uuid("applicantId")?;
        let raw = params.raw("attemptId");
        let attempt = raw.parse::<i64>().map_err(|_| {
            ApiError::invalid_field(
                "attemptId",
                format!("The value '{raw}' is not a valid attemptId."),
            )
        })?;
        Ok(Self(ApplicantId(applicant), AttemptId(attempt)))
    }
}

/// `{personId}` in the path.
pub struct PersonPath(pub PersonId);

impl<S: Send + Sync> FromRequestParts<S> for PersonPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let params = PathParams::read(parts, state, "personId").await?;
        Ok(Self(PersonId(params.uuid("personId")?)))
    }
}

/// The account behind the request's key (secret or public), from `Authorization: Bearer <key>`.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub id: AccountId,
    pub kind: KeyKind,
}

/// The account behind a secret key; `private/` routes take this one.
#[derive(Clone, Copy, Debug)]
pub struct SecretAccount(pub AccountId);

impl FromRequestParts<AppState> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let client = crate::client::client_address(parts, &state.config.trusted_proxies);
        let key = bearer(parts).ok_or_else(unauthorized)?;
        let hash = hash_key(key);
        let account = match state.keys.lookup(&hash, client) {
            Lookup::Known(account) => account,
            Lookup::Unknown => return Err(unauthorized()),
            Lookup::Throttled { retry_after } => {
                return Err(ApiError::too_many_requests(
                    retry_after,
                    "Too many requests with unknown keys from this address; retry later.",
                ));
            }
            Lookup::Ask => {
                let store = Store::from_ref(state);
                let mut conn = store.connection().await?;
                let Some(found) = baf_store::accounts::find_key(&mut conn, &hash).await? else {
                    state.keys.unknown(hash, client);
                    return Err(unauthorized());
                };
                let account = Account {
                    id: found.account,
                    kind: found.kind,
                };
                state.keys.known(hash, account, found.requests_per_minute);
                account
            }
        };
        state.keys.admit(&hash).map_err(|retry_after| {
            ApiError::too_many_requests(
                retry_after,
                "This key made more requests than its account allows per minute; retry later.",
            )
        })?;
        Ok(account)
    }
}

fn unauthorized() -> ApiError {
    ApiError::new(
        BafCode::Unauthorized,
        "A valid API key is required: Authorization: Bearer <key>.",
    )
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.trim()
                .strip_prefix("Bearer ")
                .or_else(|| v.trim().strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|key| !key.is_empty())
}

/// Who may call `POST public/Validation`: an account key, or the verification page's capability,
/// which is limited to one applicant (`only`).
#[derive(Clone, Copy, Debug)]
pub struct ValidationCaller(pub Caller);

impl FromRequestParts<AppState> for ValidationCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(parts).filter(|t| t.starts_with(crate::capability::PREFIX)) {
            let capability = state
                .signer
                .verify(token, chrono::Utc::now())
                .ok_or_else(|| {
                    ApiError::new(
                        BafCode::Unauthorized,
                        "The verification page has expired: open the link again.",
                    )
                })?;
            return Ok(Self(Caller {
                account: capability.account,
                only: Some(capability.applicant),
            }));
        }
        let account = Account::from_request_parts(parts, state).await?;
        Ok(Self(Caller {
            account: account.id,
            only: None,
        }))
    }
}

impl FromRequestParts<AppState> for SecretAccount {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let account = Account::from_request_parts(parts, state).await?;
        match account.kind {
            KeyKind::Secret => Ok(Self(account.id)),
            KeyKind::Public => Err(ApiError::new(
                BafCode::Forbidden,
                "This route needs the account's secret key.",
            )),
        }
    }
}

pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_of_the_vendors_clients_are_accepted() {
        for (content_type, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("application/json-patch+json", true),
            ("text/json", true),
            ("application/problem+json", true),
            ("text/plain", false),
            ("multipart/form-data", false),
        ] {
            assert_eq!(is_json_content_type(content_type), ok, "{content_type}");
        }
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            url_pairs(&"/x?Page=2&TextFilter=a%20b".parse().unwrap()),
            vec![
                ("Page".into(), "2".into()),
                ("TextFilter".into(), "a b".into())
            ]
        );
    }
}

//! Delivery of verification links to applicants (`sendSms`, `ReNotify`): to the log, or to the
//! operator's SMS gateway as a signed webhook.

use std::time::Duration;

use baf_domain::applicant::Applicant;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

/// The header carrying `sha256=<hex HMAC of the body>` on every webhook this server sends.
pub const SIGNATURE_HEADER: &str = "X-Baf-Signature";

const TRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

#[derive(Clone, Debug)]
pub enum Notifier {
    /// Writes the message to the log, where an operator or a log shipper picks it up.
    Log,
    /// POSTs `{applicantId, phone, link, message}` to `url`, signed with `secret`, with retries.
    Webhook {
        client: reqwest::Client,
        url: String,
        secret: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the notification could not be delivered: {0}")]
pub struct NotifyError(String);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkMessage<'a> {
    applicant_id: uuid::Uuid,
    phone: &'a str,
    link: &'a str,
    message: String,
}

/// `sha256=<hex>` of the body, for the receiver to check with the shared secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// POSTs a signed JSON body; any answer other than 2xx, or no answer, is an error.
pub async fn post_signed(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    body: &[u8],
) -> Result<(), String> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, body))
        .body(body.to_vec())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", response.status()))
    }
}

impl Notifier {
    /// Sends the link to the applicant's phone, retrying a failing gateway with back-off.
    pub async fn send_link(&self, applicant: &Applicant, link: &str) -> Result<(), NotifyError> {
        let phone = applicant.phone.as_deref().unwrap_or("");
        let message = format!("Please verify your identity: {link}");
        match self {
            Self::Log => {
                tracing::info!(notifier = "log", applicant_id = %applicant.id, phone, link, message, "verification link");
                Ok(())
            }
            Self::Webhook {
                client,
                url,
                secret,
            } => {
                let body = serde_json::to_vec(&LinkMessage {
                    applicant_id: applicant.id.0,
                    phone,
                    link,
                    message,
                })
                .expect("messages serialize");
                let mut backoff = FIRST_BACKOFF;
                let mut last_error = String::new();
                for attempt in 1..=TRIES {
                    match post_signed(client, url, secret, &body).await {
                        Ok(()) => return Ok(()),
                        Err(error) => {
                            tracing::warn!(applicant_id = %applicant.id, attempt, %error, "notification webhook failed");
                            last_error = error;
                        }
                    }
                    if attempt < TRIES {
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                    }
                }
                Err(NotifyError(last_error))
            }
        }
    }
}

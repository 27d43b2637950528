//! Delivery of verification links to applicants (`sendSms`, `ReNotify`): to the log, or to the
//! operator's SMS gateway as a signed webhook.

use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use baf_domain::ApplicantId;
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
    /// Records in the log that a link was issued, with the phone masked and never the link
    /// (whoever reads the link can verify as the applicant): for trials without an SMS gateway,
    /// where the operator reads `validationLink` from the applicant.
    Log,
    /// POSTs `{applicantId, phone, link, message}` to `url`, signed with `secret`, with retries.
    Webhook {
        client: reqwest::Client,
        url: String,
        secret: String,
    },
}

/// Why a signed POST was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("no answer from the receiver: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the receiver answered {0}")]
    Refused(reqwest::StatusCode),
}

#[derive(Debug, thiserror::Error)]
#[error("the notification could not be delivered after {TRIES} tries")]
pub struct NotifyError(#[source] pub DeliveryError);

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
) -> Result<(), DeliveryError> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, body))
        .body(body.to_vec())
        .timeout(Duration::from_secs(5))
        .send()
        .await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(DeliveryError::Refused(response.status()))
    }
}

impl Notifier {
    /// Sends the link to the applicant's phone, retrying a failing gateway with back-off.
    pub async fn send_link(&self, applicant: &Applicant, link: &str) -> Result<(), NotifyError> {
        let phone = applicant.phone.as_deref().unwrap_or("");
        match self {
            Self::Log => {
                log_link(applicant.id, phone);
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
                    message: format!("Please verify your identity: {link}"),
                })
                .expect("messages serialize");
                let send = || post_signed(client, url, secret, &body);
                send.retry(
                    ExponentialBuilder::default()
                        .with_min_delay(FIRST_BACKOFF)
                        .with_max_times(TRIES as usize - 1),
                )
                .notify(|error, _| {
                    tracing::warn!(applicant_id = %applicant.id, %error, "notification webhook failed; retrying");
                })
                .await
                .map_err(NotifyError)
            }
        }
    }
}

fn log_link(applicant: ApplicantId, phone: &str) {
    tracing::info!(notifier = "log", applicant_id = %applicant, phone = %masked(phone), "verification link issued (the link itself is never logged)");
}

/// The phone with every digit but the last two hidden.
fn masked(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen + 2 > digits { c } else { '*' }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn phones_keep_only_their_last_two_digits() {
        assert_eq!(masked("+1 (555) 010-9967"), "+* (***) ***-**67");
        assert_eq!(masked("7"), "7");
        assert_eq!(masked(""), "");
    }

    /// What the log notifier writes: the applicant and a masked phone, never the phone itself.
    #[test]
    fn the_log_shows_a_masked_phone_only() {
        let written = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&written);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Sink(Arc::clone(&sink)))
            .with_ansi(false)
            .finish();
        let applicant = ApplicantId::new_random();
        tracing::subscriber::with_default(subscriber, || log_link(applicant, "+15550109967"));
        let line = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(line.contains(&applicant.to_string()), "{line}");
        assert!(
            line.contains("*********67") && !line.contains("5550109967"),
            "{line}"
        );
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

//! Capabilities for the hosted verification page.
//!
//! Threat model: the validation link carries the applicant id (a random UUID, 122 bits), which is
//! what the vendor's links carry too; whoever holds the link may verify that applicant, and
//! nothing more. Opening the page trades the link for a token signed with a key kept in the
//! database (HMAC-SHA256), naming one account, one applicant and an expiry. The API accepts the
//! token on `POST public/Validation` alone, and only for its applicant: it cannot read, change,
//! list or delete anything, and another applicant's id is refused. The account's keys never
//! reach the browser. A stolen token is worth one applicant's attempts until it expires;
//! deleting the `link_signing_key` secret revokes every token at once.

use baf_domain::{AccountId, ApplicantId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const PREFIX: &str = "cap_";
/// The name of the signing key in `server_secret`.
pub const KEY_NAME: &str = "link_signing_key";

/// What a valid token allows: validating this applicant of this account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability {
    pub account: AccountId,
    pub applicant: ApplicantId,
    pub expires: DateTime<Utc>,
}

pub struct LinkSigner {
    key: Vec<u8>,
}

impl LinkSigner {
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }

    pub fn issue(&self, capability: Capability) -> String {
        let payload = format!(
            "{}.{}.{}",
            capability.account,
            capability.applicant,
            capability.expires.timestamp()
        );
        let signature = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{PREFIX}{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The capability of a token that this key signed and that has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<Capability> {
        let (payload, signature) = token.strip_prefix(PREFIX)?.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(&payload).verify_slice(&signature).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let mut parts = payload.split('.');
        let account = AccountId(parts.next()?.parse().ok()?);
        let applicant = ApplicantId(parts.next()?.parse().ok()?);
        let expires = DateTime::from_timestamp(parts.next()?.parse().ok()?, 0)?;
        (parts.next().is_none() && expires > now).then_some(Capability {
            account,
            applicant,
            expires,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capability(expires_in: i64) -> Capability {
        Capability {
            account: AccountId::new_random(),
            applicant: ApplicantId::new_random(),
            expires: DateTime::from_timestamp(Utc::now().timestamp() + expires_in, 0).unwrap(),
        }
    }

    #[test]
    fn a_token_verifies_with_its_key_until_it_expires() {
        let signer = LinkSigner::new(b"key".to_vec());
        let cap = capability(60);
        let token = signer.issue(cap);
        assert!(token.starts_with(PREFIX));
        assert_eq!(signer.verify(&token, Utc::now()), Some(cap));
        assert_eq!(signer.verify(&token, cap.expires), None);
        assert_eq!(
            LinkSigner::new(b"other".to_vec()).verify(&token, Utc::now()),
            None
        );
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let signer = LinkSigner::new(b"key".to_vec());
        let token = signer.issue(capability(60));
        let other = signer.issue(capability(60));
        let (payload, _) = token.split_once('.').unwrap();
        let (_, signature) = other.split_once('.').unwrap();
        assert_eq!(
            signer.verify(&format!("{payload}.{signature}"), Utc::now()),
            None
        );
        assert_eq!(signer.verify("cap_garbage", Utc::now()), None);
        assert_eq!(signer.verify("sk_whatever", Utc::now()), None);
    }
}

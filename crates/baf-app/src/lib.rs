//! The application layer: the use cases the API offers, free of HTTP. Each takes plain inputs
//! (ids, bytes), runs the face engine off the async runtime, decides with `baf-domain`'s rules and
//! records the result through `baf-store` in one transaction, and answers an outcome or an
//! [`Error`]. `baf-api` only parses requests, calls these and maps the answers.
//!
//! What the use cases share lives here too: the in-memory face index and its sync with other
//! processes ([`ProfileIndex`]), attempts' files ([`media`]), links sent to applicants
//! ([`Notifier`]) and status-change webhooks ([`webhooks`]).

pub mod applicants;
pub mod attempts;
pub mod blacklist;
pub mod document_reading;
mod error;
pub mod main_photo;
pub mod media;
pub mod notify;
pub mod profiles;
pub mod retention;
pub mod validate;
pub mod webhooks;

use std::sync::Arc;

use baf_blobs::BlobStore;
use baf_domain::ApplicantId;
use baf_domain::applicant::Applicant;
use baf_store::Store;
use rand::Rng;

pub use document_reading::DocumentReaders;
pub use error::{Error, Image};
pub use notify::Notifier;
pub use profiles::ProfileIndex;
pub use webhooks::StatusWebhook;

/// What the use cases need to know about the deployment.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Base of the links handed to applicants, e.g. `https://verify.example.com`.
    pub public_url: String,
    /// Where `sendSms` and `ReNotify` deliver the link.
    pub notifier: Notifier,
    /// Where status changes are POSTed, when configured.
    pub status_webhook: Option<StatusWebhook>,
}

/// The services every use case runs on; cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    /// Where the bytes of attempts' images and videos live.
    pub blobs: Arc<dyn BlobStore>,
    pub engine: verification::Engine,
    pub documents: DocumentReaders,
    pub profiles: Arc<ProfileIndex>,
    pub config: Arc<AppConfig>,
}

impl App {
    pub fn new(
        store: Store,
        blobs: Arc<dyn BlobStore>,
        engine: verification::Engine,
        documents: DocumentReaders,
        profiles: Arc<ProfileIndex>,
        config: AppConfig,
    ) -> Self {
        Self {
            store,
            blobs,
            documents: documents.sharing(engine.decode_budget()),
            engine,
            profiles,
            config: Arc::new(config),
        }
    }

    fn status_webhook(&self) -> Option<&StatusWebhook> {
        self.config.status_webhook.as_ref()
    }

    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.config.public_url.trim_end_matches('/')
    }

    pub fn validation_link(&self, id: ApplicantId) -> String {
        format!("{}/embedded?requestId={id}", self.base_url())
    }

    pub fn links(&self, applicant: &Applicant) -> Links {
        Links {
            validation: self.validation_link(applicant.id),
            short: format!("{}/{}", self.base_url(), applicant.short_code),
        }
    }
}

/// The two links an applicant is reached by.
pub struct Links {
    pub validation: String,
    pub short: String,
}

impl Links {
    const SHORT_CODE_LEN: usize = 10;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// 10 base62 characters (59 bits): unguessable by enumeration, short enough for an SMS.
    fn new_short_code() -> String {
        let mut rng = rand::rng();
        (0..Self::SHORT_CODE_LEN)
            .map(|_| Self::ALPHABET[rng.random_range(0..Self::ALPHABET.len())] as char)
            .collect()
    }
}

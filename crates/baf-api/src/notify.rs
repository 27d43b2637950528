//! Delivery of verification links to applicants.

use baf_domain::applicant::Applicant;

/// Sends the verification link. The default (and for now only) channel is the log, where an
/// operator or a log shipper picks the message up.
#[derive(Clone, Debug, Default)]
pub struct Notifier;

impl Notifier {
    pub fn send_link(&self, applicant: &Applicant, link: &str) {
        tracing::info!(
            notifier = "log",
            applicant_id = %applicant.id,
            phone = applicant.phone.as_deref().unwrap_or(""),
            link,
            "verification link for the applicant"
        );
    }
}

//! What a registration with a document learned from reading it: the fields BAF returns as
//! `document` and the document's own checks (`documentValidationTests`), in the vendor's shapes,
//! and whether they let the document pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A test's outcome with BAF's codes: `-1 Disabled` and `2 Skipped` are the vendor's; `0 Failed`
/// and `1 Passed` are ours (docs/decisions.md), since no vendor document shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
pub enum TestStatus {
    Disabled = -1,
    Failed = 0,
    Passed = 1,
    Skipped = 2,
}

/// One item of `documentValidationTests`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationTest {
    pub display_name: String,
    pub name: String,
    pub status: i8,
    pub status_string: String,
    pub reason: String,
}

impl ValidationTest {
    pub fn new(
        display_name: impl Into<String>,
        name: impl Into<String>,
        status: TestStatus,
        reason: impl Into<String>,
    ) -> Self {
        let status_string: &'static str = status.into();
        Self {
            display_name: display_name.into(),
            name: name.into(),
            status: status as i8,
            status_string: status_string.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn passed(&self) -> bool {
        self.status == TestStatus::Passed as i8
    }

    pub fn failed(&self) -> bool {
        self.status == TestStatus::Failed as i8
    }
}

/// The share of a picture a face fills from which a picture with nothing readable on it is taken
/// for a face photo, not a document. On `shared/documents` the largest face on a document (its
/// portrait, detector box) fills at most 5.2% of the picture; 95% of a sample of 250 selfies of
/// `shared/faces-dev2` fill 10% or more (docs/decisions.md).
pub const SELFIE_FACE_SHARE: f64 = 0.10;

/// The reading of a registration's document, as the attempt keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentReport {
    /// BAF's `document` fields that were read (`firstName`, `dob`, `expires`, `id`...).
    pub fields: BTreeMap<String, String>,
    pub tests: Vec<ValidationTest>,
    /// A machine-readable zone was read (`parsedData.isMrzSuccess`).
    #[serde(default)]
    pub mrz_read: bool,
    /// A licence's PDF417 barcode was read (`parsedData.isPdf417Success`).
    #[serde(default)]
    pub pdf417_read: bool,
    /// Whether the document had expired on the attempt's day; `None` when no expiry was read.
    pub expired: Option<bool>,
    /// How sure the reading is of each field of `fields`, 0 to 100 (`verificationConfidence`).
    #[serde(default)]
    pub confidence: BTreeMap<String, u8>,
}

impl DocumentReport {
    /// The document passes when none of its checks failed.
    pub fn is_valid(&self) -> bool {
        !self.tests.iter().any(ValidationTest::failed)
    }

    /// The fields read, as BAF's `document`: none when nothing could be read.
    pub fn document(&self) -> Option<BTreeMap<String, String>> {
        (!self.fields.is_empty()).then(|| self.fields.clone())
    }

    /// The confidence of the whole reading (`totalConfidence`): that of its least sure field;
    /// 0 when nothing was read.
    pub fn total_confidence(&self) -> u8 {
        self.confidence.values().copied().min().unwrap_or(0)
    }

    /// The holder's first and family names as read, for an applicant registered by this
    /// document that has none of its own.
    pub fn holder_names(&self) -> (Option<String>, Option<String>) {
        let field = |name: &str| self.fields.get(name).cloned();
        (field("firstName"), field("familyName"))
    }

    /// Whether the front sent as a document is a face photo instead: nothing was read on any
    /// side and the face on it fills `face_share` of the picture, at least
    /// [`SELFIE_FACE_SHARE`]. A document's printed portrait is far smaller.
    pub fn is_a_face_photo(&self, face_share: f64) -> bool {
        !self.mrz_read && !self.pdf417_read && face_share >= SELFIE_FACE_SHARE
    }

    /// The reasons of the failed checks, for the attempt's fail reasons.
    pub fn failures(&self) -> impl Iterator<Item = &str> {
        self.tests
            .iter()
            .filter(|test| test.failed())
            .map(|test| test.reason.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_passes_unless_a_check_failed() {
        let test = |status| {
            ValidationTest::new("DocumentExpiry", "DocumentExpiryValidation", status, "why")
        };
        let mut report = DocumentReport {
            tests: vec![test(TestStatus::Passed), test(TestStatus::Skipped)],
            ..DocumentReport::default()
        };
        assert!(report.is_valid());
        assert_eq!(report.failures().count(), 0);
        report.tests.push(test(TestStatus::Failed));
        assert!(!report.is_valid());
        assert_eq!(report.failures().collect::<Vec<_>>(), ["why"]);
        assert_eq!(report.tests[2].status_string, "Failed");
        assert_eq!(report.tests[2].status, 0);
    }

    #[test]
    fn a_large_face_on_nothing_readable_is_a_face_photo() {
        let unread = DocumentReport::default();
        assert!(unread.is_a_face_photo(0.3));
        assert!(unread.is_a_face_photo(SELFIE_FACE_SHARE));
        assert!(!unread.is_a_face_photo(0.05));
        let passport = DocumentReport {
            mrz_read: true,
            ..DocumentReport::default()
        };
        assert!(!passport.is_a_face_photo(0.3));
        let licence = DocumentReport {
            pdf417_read: true,
            ..DocumentReport::default()
        };
        assert!(!licence.is_a_face_photo(0.3));
    }
}

//! Account settings and the per-applicant snapshot BAF calls `validationRequestSettings`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::applicant::Refusal;
use crate::risks::RiskSettings;

/// Attempts an account may allow per applicant, as the vendor's dashboard offers.
pub const ATTEMPTS_RANGE: std::ops::RangeInclusive<u8> = 1..=5;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SettingsError {
    #[error("maxAttempts must be between 1 and 5, got {0}")]
    MaxAttempts(u8),
    #[error("{field} must be a percentage between 0 and 100, got {value}")]
    Percentage { field: &'static str, value: u8 },
    #[error("{0} must be at least 1")]
    Zero(&'static str),
}

/// Everything an account decides; the server reads it at each request that needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountSettings {
    /// Registration attempts per applicant (1..5).
    pub max_attempts: u8,
    /// Confidence (percent) an authorization selfie must reach against the applicant's profile.
    pub face_match_threshold: u8,
    pub image_review: ImageReview,
    /// A duplicate face fails the applicant at once (2 Failed) instead of costing one attempt.
    pub block_duplicates: bool,
    /// Confidence (percent) at which a registration's face counts as a duplicate of another
    /// applicant's profile. A search over N profiles multiplies the false-match rate by N, so this
    /// is stricter than the 1:1 thresholds: 98% states an FMR of 8e-6 per comparison, which flags
    /// fewer than 1% of honest registrations in a 1,000-profile gallery (docs/accuracy.md).
    pub duplicate_face_percent: u8,
    /// Copied into each new applicant as its `validationRequestSettings`.
    pub validation: ValidationRequestSettings,
    /// Requests each of the account's keys may make per minute (`None`: no limit).
    pub requests_per_minute: Option<u32>,
    /// Which risks fail an attempt, and the velocity limits.
    pub risks: RiskSettings,
    /// How long attempts' images and videos are kept (BAF's "Data storage" settings).
    pub retention: Retention,
}

/// Days after which an attempt's images and videos are deleted; `None` keeps them. BAF keeps a
/// registration's media until the applicant is deleted, and so does this by default; the attempt
/// itself (verdicts, scores) always stays.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Retention {
    /// Authorization attempts' media.
    pub attempt_media_days: Option<u32>,
    /// Registration attempts' media (a selfie registration, with a document, a profile update).
    pub registration_media_days: Option<u32>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            face_match_threshold: 90,
            image_review: ImageReview::default(),
            block_duplicates: false,
            duplicate_face_percent: 98,
            validation: ValidationRequestSettings::default(),
            requests_per_minute: None,
            risks: RiskSettings::default(),
            retention: Retention::default(),
        }
    }
}

impl AccountSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !ATTEMPTS_RANGE.contains(&self.max_attempts) {
            return Err(SettingsError::MaxAttempts(self.max_attempts));
        }
        for (field, value) in [
            ("massAttackCount", self.risks.mass_attack_count),
            ("periodMinutes", self.risks.period_minutes),
        ] {
            if value == 0 {
                return Err(SettingsError::Zero(field));
            }
        }
        let v = &self.validation;
        for (field, value) in [
            ("faceMatchThreshold", self.face_match_threshold),
            ("duplicateFacePercent", self.duplicate_face_percent),
            ("faceValidationPercent", v.face_validation_percent),
            ("documentValidationPercent", v.document_validation_percent),
            ("qualityScore", v.quality_score),
            ("livenessReflectionScore", v.liveness_reflection_score),
            ("antiSpoofingPercent", v.anti_spoofing_percent),
        ] {
            if value > 100 {
                return Err(SettingsError::Percentage { field, value });
            }
        }
        Ok(())
    }
}

impl Retention {
    /// The time before which attempts' media are expired at `now`, for authorizations or the
    /// other attempts; `None` when they are kept.
    pub fn cutoff(&self, authorizations: bool, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let days = if authorizations {
            self.attempt_media_days
        } else {
            self.registration_media_days
        };
        days.map(|days| now - chrono::Duration::days(i64::from(days)))
    }
}

/// Whether operators may fetch an attempt's images, and for how long after the attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageReview {
    pub allowed: bool,
    pub hours: u32,
}

impl ImageReview {
    /// Whether the images of an attempt made at `created` may be reviewed at `now`.
    pub fn check(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
        if !self.allowed {
            return Err(Refusal::ImageReviewDenied);
        }
        if now > created + chrono::Duration::hours(i64::from(self.hours)) {
            return Err(Refusal::ImageReviewExpired);
        }
        Ok(())
    }
}

impl Default for ImageReview {
    fn default() -> Self {
        Self {
            allowed: true,
            hours: 24 * 30,
        }
    }
}

/// The thresholds and switches in force for one applicant, frozen when it is created, with the
/// vendor's field names. `isOCREnabled` turns document reading on (the default, as the vendor's
/// examples show); the other integrations (address, DMV, IdentiFraud) only change what
/// `documentValidationTests` report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ValidationRequestSettings {
    /// Face match confidence (percent) for registration: selfie against document, and the
    /// duplicate search among the account's profiles.
    pub face_validation_percent: u8,
    pub document_validation_percent: u8,
    /// Minimum face quality, percent of the model's ceiling.
    pub quality_score: u8,
    pub liveness_reflection_score: u8,
    /// Minimum passive liveness (live probability, percent).
    pub anti_spoofing_percent: u8,
    pub verify_face: bool,
    #[serde(rename = "isOCREnabled")]
    pub is_ocr_enabled: bool,
    pub is_address_check_enabled: bool,
    pub is_face_required_on_document: bool,
    pub is_cross_match_required: bool,
    #[serde(rename = "isDMVEnabled")]
    pub is_dmv_enabled: bool,
    #[serde(rename = "isDMVPartialEnabled")]
    pub is_dmv_partial_enabled: bool,
    pub is_identi_fraud_enabled: bool,
    pub is_identi_fraud_full_case_enabled: bool,
    pub is_dmv_or_identi_fraud_enabled: bool,
    pub is_dmv_and_identi_fraud_enabled: bool,
    pub is_dmv_or_identi_fraud_partial_enabled: bool,
    pub is_dmv_and_identi_fraud_partial_enabled: bool,
    pub is_gender_check_enabled: bool,
    pub is_age_check_enabled: bool,
    pub age_years_difference: u8,
    pub show_consent_form: bool,
}

impl Default for ValidationRequestSettings {
    fn default() -> Self {
        Self {
            face_validation_percent: 70,
            document_validation_percent: 70,
            quality_score: 75,
            liveness_reflection_score: 30,
            anti_spoofing_percent: 50,
            verify_face: true,
            is_ocr_enabled: true,
            is_address_check_enabled: false,
            is_face_required_on_document: true,
            is_cross_match_required: false,
            is_dmv_enabled: false,
            is_dmv_partial_enabled: false,
            is_identi_fraud_enabled: false,
            is_identi_fraud_full_case_enabled: false,
            is_dmv_or_identi_fraud_enabled: false,
            is_dmv_and_identi_fraud_enabled: false,
            is_dmv_or_identi_fraud_partial_enabled: false,
            is_dmv_and_identi_fraud_partial_enabled: false,
            is_gender_check_enabled: false,
            is_age_check_enabled: false,
            age_years_difference: 10,
            show_consent_form: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_are_kept_unless_the_account_sets_days() {
        let now = Utc::now();
        let keep = Retention::default();
        assert_eq!(
            (keep.cutoff(true, now), keep.cutoff(false, now)),
            (None, None)
        );
        let week = Retention {
            attempt_media_days: Some(7),
            registration_media_days: None,
        };
        assert_eq!(
            week.cutoff(true, now),
            Some(now - chrono::Duration::days(7))
        );
        assert_eq!(week.cutoff(false, now), None, "registrations keep theirs");
    }

    #[test]
    fn images_are_reviewed_only_when_allowed_and_within_the_window() {
        let created = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let review = ImageReview {
            allowed: true,
            hours: 2,
        };
        let at = |hours| created + chrono::Duration::hours(hours);
        assert_eq!(review.check(created, at(2)), Ok(()));
        assert_eq!(
            review.check(created, at(2) + chrono::Duration::seconds(1)),
            Err(Refusal::ImageReviewExpired)
        );
        let denied = ImageReview {
            allowed: false,
            ..review
        };
        assert_eq!(
            denied.check(created, at(0)),
            Err(Refusal::ImageReviewDenied)
        );
    }

    #[test]
    fn defaults_are_valid() {
        assert_eq!(AccountSettings::default().validate(), Ok(()));
    }

    #[test]
    fn attempts_outside_one_to_five_are_refused() {
        for (attempts, ok) in [(0, false), (1, true), (5, true), (6, false)] {
            let settings = AccountSettings {
                max_attempts: attempts,
                ..Default::default()
            };
            assert_eq!(settings.validate().is_ok(), ok, "{attempts}");
        }
    }

    #[test]
    fn a_percentage_above_100_is_refused() {
        let mut settings = AccountSettings::default();
        settings.validation.anti_spoofing_percent = 101;
        assert_eq!(
            settings.validate(),
            Err(SettingsError::Percentage {
                field: "antiSpoofingPercent",
                value: 101
            })
        );
    }

    #[test]
    fn stored_settings_missing_new_fields_take_defaults() {
        let settings: AccountSettings = serde_json::from_str(r#"{"maxAttempts": 2}"#).unwrap();
        assert_eq!(settings.max_attempts, 2);
        assert_eq!(settings.face_match_threshold, 90);
    }
}

//! Deciding a verification attempt (`POST public/Validation`): whether it may run, which flow it
//! is, and what its scores mean for the attempt and for the applicant. Plain functions over the
//! evidence the face engine and the profile search produced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::applicant::{Applicant, ApplicantStatus, Refusal, ResponseStatus};
use crate::document::DocumentReport;
use crate::risks::{RiskEvent, RiskType};
use crate::{AccountSettings, ApplicantId};

/// `documentType` of a selfie-only request: registration, or authorization once registered.
pub const SELFIE_DOCUMENT_TYPE: i16 = 10;

/// Results of a 1:N search are capped, as the vendor's are.
pub const MAX_SEARCH_RESULTS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    /// Selfie only: the face becomes the applicant's profile.
    Registration,
    /// Selfie and an identity document whose face must match it.
    RegistrationWithDocument,
    /// A registered applicant proves it is the same person: 1:N search must find its own profile.
    Authorization,
    /// The operator replaces a registered face (`UpdateMainPhoto`).
    ProfileUpdate,
}

impl Flow {
    pub const fn registers(self) -> bool {
        matches!(self, Self::Registration | Self::RegistrationWithDocument)
    }
}

/// The shape of a validation request, before any image is looked at.
#[derive(Clone, Copy, Debug)]
pub struct RequestShape {
    pub document_type: i16,
    pub has_face_image: bool,
    pub has_front_image: bool,
}

/// Whether the attempt may run and as which flow. Decided under the applicant's row lock.
pub fn admit(
    applicant: &Applicant,
    has_profile: bool,
    settings: &AccountSettings,
    request: RequestShape,
) -> Result<Flow, Refusal> {
    if !request.has_face_image
        || (request.document_type != SELFIE_DOCUMENT_TYPE && !request.has_front_image)
    {
        return Err(Refusal::FaceImageRequired);
    }
    if request.document_type == SELFIE_DOCUMENT_TYPE && applicant.status == ApplicantStatus::Success
    {
        return if has_profile {
            Ok(Flow::Authorization)
        } else {
            Err(Refusal::NoVerifiedFace)
        };
    }
    // Used-up attempts are named whatever the status they left the applicant in (Failed after
    // the last one): a client that counts attempts reads 120037, not "already completed".
    // Authorizations use no attempt, so they are decided above.
    if applicant.attempts_used >= i32::from(settings.max_attempts) {
        return Err(Refusal::AttemptsExhausted);
    }
    if applicant.status == ApplicantStatus::Canceled {
        return Err(Refusal::Closed);
    }
    if applicant.status.is_completed() {
        return Err(Refusal::AlreadyCompleted);
    }
    Ok(if request.document_type == SELFIE_DOCUMENT_TYPE {
        Flow::Registration
    } else {
        Flow::RegistrationWithDocument
    })
}

/// Whether the hosted page can still take a selfie for this applicant: a registration with
/// attempts left, or an authorization of a registered one. A link that cannot is closed.
pub fn page_accepts_selfie(
    applicant: &Applicant,
    has_profile: bool,
    settings: &AccountSettings,
) -> bool {
    let selfie = RequestShape {
        document_type: SELFIE_DOCUMENT_TYPE,
        has_face_image: true,
        has_front_image: false,
    };
    admit(applicant, has_profile, settings, selfie).is_ok()
}

/// Attempts without a usable face (InvalidData) an applicant may make in 24 hours. They use up no
/// attempt, so without a bound one link could record rows without end; an honest person who
/// cannot get a face into the picture gives up long before.
pub const MAX_INVALID_DATA_PER_DAY: i64 = 20;

/// Refuses a validation once the applicant's InvalidData attempts of the last 24 hours reach
/// [`MAX_INVALID_DATA_PER_DAY`].
pub fn admit_invalid_data(recent_invalid_data: i64) -> Result<(), Refusal> {
    if recent_invalid_data >= MAX_INVALID_DATA_PER_DAY {
        Err(Refusal::TooManyInvalidData)
    } else {
        Ok(())
    }
}

/// `UpdateMainPhoto` needs a registered face to replace.
pub fn admit_profile_update(has_profile: bool) -> Result<Flow, Refusal> {
    if has_profile {
        Ok(Flow::ProfileUpdate)
    } else {
        Err(Refusal::NotRegistered)
    }
}

/// What the engine measured on the selfie, on the vendor's 0..100 scales.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceScores {
    /// The quality network's raw score (0..1; about 0.6 for good photos).
    pub quality: f32,
    pub quality_percent: f32,
    /// Mean live probability of the liveness models (0..1).
    pub liveness: f32,
    /// Liveness on the calibrated 0..100 scale `antiSpoofingPercent` is held against (50% is the
    /// default operating point). Attempts recorded before the scale existed lack it.
    #[serde(default)]
    pub liveness_percent: Option<f32>,
    /// Match confidence (percent) of the selfie against the document, or against the applicant's
    /// own profile in an authorization.
    pub match_confidence: Option<f64>,
    /// In a registration, the confidence of the best match among other applicants' profiles at
    /// the duplicate threshold: what a duplicate-face attempt shows as its match. Attempts
    /// recorded before it existed lack it.
    #[serde(default)]
    pub duplicate_confidence: Option<f64>,
}

impl FaceScores {
    /// The match an attempt's detail shows: against the document or the applicant's own
    /// profile, else (a registration by selfie) the duplicate it was found to be, else 0.
    pub fn shown_match(&self) -> f64 {
        self.match_confidence
            .or(self.duplicate_confidence)
            .unwrap_or(0.0)
    }

    /// Liveness on the calibrated scale; attempts recorded before it existed read their raw score
    /// in percent.
    pub fn calibrated_liveness(&self) -> f32 {
        self.liveness_percent.unwrap_or(self.liveness * 100.0)
    }
}

/// Everything an attempt is decided on.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    pub scores: FaceScores,
    /// Other applicants whose profile matches the selfie at the registration threshold, most
    /// similar first, with their confidence.
    pub duplicates: Vec<(ApplicantId, f64)>,
    /// Authorization: the applicant's own profile was among the search results.
    pub found_own_profile: bool,
    pub blacklisted: bool,
    /// The request's own risks, found before the face was looked at: MassAttack, PeriodicAttack,
    /// InconsistentMetadata.
    pub request_risks: Vec<RiskType>,
    /// A registration with a document whose reading is on: what was read and its checks.
    pub document: Option<DocumentReport>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationStatus {
    pub expired: Option<bool>,
    pub document_is_valid: Option<bool>,
    pub face_is_valid: Option<bool>,
    pub anti_spoofing_is_valid: Option<bool>,
    pub quality_is_valid: Option<bool>,
    pub liveness_reflection_is_valid: Option<bool>,
    pub profile_already_exists: Option<bool>,
    pub has_been_black_listed: Option<bool>,
}

/// An input problem found in the images (BAF's `invalidDataErrors`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidDataError {
    pub code: String,
    pub message: String,
    pub description: Option<String>,
}

/// What an attempt did, as stored and as `GET .../Attempts/{attemptId}` reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    pub flow: Flow,
    pub response_status: ResponseStatus,
    pub validation_status: ValidationStatus,
    pub scores: Option<FaceScores>,
    /// The thresholds the scores were held against.
    pub thresholds: Thresholds,
    pub face_fail_reasons: Vec<String>,
    pub invalid_data_errors: Vec<InvalidDataError>,
    pub similar_applicants: Vec<ApplicantId>,
    pub risk_events: Vec<RiskEvent>,
    /// The document's reading (attempts without one, or recorded before reading existed, lack it).
    #[serde(default)]
    pub document: Option<DocumentReport>,
    /// The address the request came from (the connection's peer), as `requestIpAddress`;
    /// attempts recorded before it was kept lack it.
    #[serde(default)]
    pub request_ip_address: Option<String>,
    /// The hosted page's fingerprint of the browser that sent it (PeriodicAttack), if any.
    #[serde(default)]
    pub browser_fingerprint: Option<String>,
}

impl AttemptRecord {
    /// Whether a risk failed the attempt (BAF's `hasRiskEvents`); inactive ones are background.
    pub fn has_active_risks(&self) -> bool {
        self.risk_events.iter().any(|risk| risk.is_active)
    }

    pub fn has_background_risks(&self) -> bool {
        self.risk_events.iter().any(|risk| !risk.is_active)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    pub quality_percent: u8,
    pub liveness_percent: u8,
    pub match_percent: u8,
    /// The duplicate search among other applicants' profiles (attempts recorded before it existed
    /// read as the default).
    #[serde(default = "default_duplicate_percent")]
    pub duplicate_percent: u8,
}

fn default_duplicate_percent() -> u8 {
    AccountSettings::default().duplicate_face_percent
}

impl Thresholds {
    /// Registration holds the selfie-to-document match to the applicant's `faceValidationPercent`
    /// and the duplicate search to the account's `duplicateFacePercent`; authorization to the
    /// account's face-match threshold (90% by default, the vendor's documented default).
    pub fn for_flow(flow: Flow, applicant: &Applicant, settings: &AccountSettings) -> Self {
        let match_percent = match flow {
            Flow::Authorization => settings.face_match_threshold,
            Flow::Registration | Flow::RegistrationWithDocument | Flow::ProfileUpdate => {
                applicant.settings.face_validation_percent
            }
        };
        Self {
            quality_percent: applicant.settings.quality_score,
            liveness_percent: applicant.settings.anti_spoofing_percent,
            match_percent,
            duplicate_percent: settings.duplicate_face_percent,
        }
    }
}

/// The decided attempt and what it does to the applicant.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub record: AttemptRecord,
    pub applicant_status: ApplicantStatus,
    pub attempts_used: i32,
    /// Registration succeeded: the selfie becomes the applicant's profile.
    pub save_profile: bool,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.record.response_status == ResponseStatus::Success
    }
}

/// Decides an attempt whose selfie held exactly one face.
pub fn decide(
    flow: Flow,
    applicant: &Applicant,
    settings: &AccountSettings,
    evidence: &Evidence,
    now: DateTime<Utc>,
) -> Outcome {
    let thresholds = Thresholds::for_flow(flow, applicant, settings);
    let scores = evidence.scores;
    let quality_ok = scores.quality_percent >= f32::from(thresholds.quality_percent);
    let live_percent = scores.calibrated_liveness();
    let live_ok = live_percent >= f32::from(thresholds.liveness_percent);
    let duplicate = flow.registers() && !evidence.duplicates.is_empty();
    let mut found = evidence.request_risks.clone();
    found.extend(duplicate.then_some(RiskType::DuplicateFace));
    found.extend(evidence.blacklisted.then_some(RiskType::BlackListed));
    let active = |risk| found.contains(&risk) && settings.risks.is_active(risk);
    let blocked_duplicate = active(RiskType::DuplicateFace);
    let banned = active(RiskType::BlackListed);
    let face_ok = match flow {
        Flow::Registration => !blocked_duplicate,
        Flow::RegistrationWithDocument => {
            !blocked_duplicate
                && scores
                    .match_confidence
                    .is_some_and(|c| c >= f64::from(thresholds.match_percent))
        }
        Flow::Authorization => evidence.found_own_profile,
        Flow::ProfileUpdate => true,
    };
    let mut reasons = Vec::new();
    if !quality_ok {
        reasons.push(format!(
            "Face quality {:.0}% is below {}%",
            scores.quality_percent, thresholds.quality_percent
        ));
    }
    if !live_ok {
        reasons.push(format!(
            "Liveness {live_percent:.0}% is below {}%",
            thresholds.liveness_percent
        ));
    }
    for risk in found.iter().copied().filter(|risk| active(*risk)) {
        reasons.push(risk_reason(risk, settings));
    }
    match flow {
        Flow::RegistrationWithDocument if !blocked_duplicate && !face_ok => {
            reasons.push(format!(
                "The selfie does not match the document's face at {}%",
                thresholds.match_percent
            ));
        }
        Flow::Authorization if !face_ok => {
            reasons.push(format!(
                "The face does not match the applicant's profile at {}%",
                thresholds.match_percent
            ));
        }
        _ => {}
    }
    // the document's failed checks are its own reasons (`documentFailStatusReasons`)
    let document_ok = evidence.document.as_ref().map(DocumentReport::is_valid);
    let any_active = found.iter().any(|risk| active(*risk));
    let success = quality_ok && live_ok && face_ok && !any_active && document_ok != Some(false);
    let registers = flow.registers();
    let attempts_used = applicant.attempts_used + i32::from(registers);
    let applicant_status = if !registers {
        applicant.status
    } else if success {
        ApplicantStatus::Success
    } else if banned
        || attempts_used >= i32::from(settings.max_attempts)
        || (blocked_duplicate && settings.block_duplicates)
    {
        ApplicantStatus::Failed
    } else {
        ApplicantStatus::FailedAttempt
    };
    let validation_status = ValidationStatus {
        face_is_valid: Some(face_ok),
        anti_spoofing_is_valid: Some(live_ok),
        quality_is_valid: Some(quality_ok),
        profile_already_exists: registers.then_some(duplicate),
        has_been_black_listed: Some(evidence.blacklisted),
        document_is_valid: document_ok,
        expired: evidence.document.as_ref().and_then(|d| d.expired),
        ..ValidationStatus::default()
    };
    Outcome {
        record: AttemptRecord {
            flow,
            response_status: if success {
                ResponseStatus::Success
            } else {
                ResponseStatus::Fail
            },
            validation_status,
            scores: Some(scores),
            thresholds,
            face_fail_reasons: reasons,
            invalid_data_errors: Vec::new(),
            similar_applicants: evidence.duplicates.iter().map(|(id, _)| *id).collect(),
            risk_events: found
                .iter()
                .map(|risk| RiskEvent::new(*risk, &settings.risks, now))
                .collect(),
            document: evidence.document.clone(),
            request_ip_address: None,
            browser_fingerprint: None,
        },
        applicant_status,
        attempts_used,
        save_profile: success && (registers || flow == Flow::ProfileUpdate),
    }
}

/// An attempt whose images could not be used (no face, several faces): recorded as InvalidData.
/// It changes neither the applicant's status nor its used attempts: nothing was checked, and the
/// person only needs to take the picture again.
pub fn invalid_data(
    flow: Flow,
    applicant: &Applicant,
    settings: &AccountSettings,
    error: InvalidDataError,
) -> Outcome {
    Outcome {
        record: AttemptRecord {
            flow,
            response_status: ResponseStatus::InvalidData,
            validation_status: ValidationStatus::default(),
            scores: None,
            thresholds: Thresholds::for_flow(flow, applicant, settings),
            face_fail_reasons: vec![error.message.clone()],
            invalid_data_errors: vec![error],
            similar_applicants: Vec::new(),
            risk_events: Vec::new(),
            document: None,
            request_ip_address: None,
            browser_fingerprint: None,
        },
        applicant_status: applicant.status,
        attempts_used: applicant.attempts_used,
        save_profile: false,
    }
}

/// Why an active risk failed the attempt.
fn risk_reason(risk: RiskType, settings: &AccountSettings) -> String {
    match risk {
        RiskType::MassAttack => format!(
            "More than {} validation requests from this address within {} minutes",
            settings.risks.mass_attack_count, settings.risks.period_minutes
        ),
        RiskType::PeriodicAttack => format!(
            "The same browser was used by another applicant within {} minutes",
            settings.risks.period_minutes
        ),
        RiskType::BlackListed => "The person is on the blacklist".to_owned(),
        RiskType::DuplicateFace => "The face matches another applicant's profile".to_owned(),
        RiskType::InconsistentMetadata => {
            "The applicant's phone number is another applicant's".to_owned()
        }
    }
}

/// Attempts left after this state, as the response reports them.
pub fn attempts_left(settings: &AccountSettings, attempts_used: i32) -> i32 {
    (i32::from(settings.max_attempts) - attempts_used).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicantStatus::*;

    fn applicant(status: ApplicantStatus, attempts_used: i32) -> Applicant {
        crate::applicant::sample(status, attempts_used)
    }

    const SELFIE: RequestShape = RequestShape {
        document_type: 10,
        has_face_image: true,
        has_front_image: false,
    };

    #[test]
    fn invalid_data_attempts_are_bounded_per_day() {
        assert_eq!(admit_invalid_data(0), Ok(()));
        assert_eq!(admit_invalid_data(MAX_INVALID_DATA_PER_DAY - 1), Ok(()));
        assert_eq!(
            admit_invalid_data(MAX_INVALID_DATA_PER_DAY),
            Err(Refusal::TooManyInvalidData)
        );
    }

    #[test]
    fn the_page_is_closed_when_no_selfie_could_be_validated() {
        let settings = AccountSettings::default();
        let max = i32::from(settings.max_attempts);
        for (status, used, registered, open) in [
            (Pending, 0, false, true),
            (FailedAttempt, max - 1, false, true),
            (FailedAttempt, max, false, false),
            (Success, 0, true, true),
            (Success, 0, false, false),
            (Failed, 1, false, false),
            (Canceled, 0, true, false),
        ] {
            assert_eq!(
                page_accepts_selfie(&applicant(status, used), registered, &settings),
                open,
                "{status:?}, {used} used, registered {registered}"
            );
        }
    }

    fn settings(max_attempts: u8) -> AccountSettings {
        AccountSettings {
            max_attempts,
            ..AccountSettings::default()
        }
    }

    #[test]
    fn admission_follows_the_vendors_preconditions() {
        let s = settings(3);
        let passport = RequestShape {
            document_type: 2,
            has_face_image: true,
            has_front_image: true,
        };
        for (status, used, profile, request, expected) in [
            (Pending, 0, false, SELFIE, Ok(Flow::Registration)),
            (FailedAttempt, 2, false, SELFIE, Ok(Flow::Registration)),
            (
                FailedAttempt,
                3,
                false,
                SELFIE,
                Err(Refusal::AttemptsExhausted),
            ),
            (
                Pending,
                0,
                false,
                passport,
                Ok(Flow::RegistrationWithDocument),
            ),
            (Success, 1, true, SELFIE, Ok(Flow::Authorization)),
            (Success, 1, false, SELFIE, Err(Refusal::NoVerifiedFace)),
            (Success, 1, true, passport, Err(Refusal::AlreadyCompleted)),
            (Failed, 1, false, SELFIE, Err(Refusal::AlreadyCompleted)),
            (Failed, 3, false, SELFIE, Err(Refusal::AttemptsExhausted)),
            (Success, 3, true, SELFIE, Ok(Flow::Authorization)),
            (Success, 3, true, passport, Err(Refusal::AttemptsExhausted)),
            (Canceled, 0, false, SELFIE, Err(Refusal::Closed)),
            (Canceled, 3, false, SELFIE, Err(Refusal::AttemptsExhausted)),
            (
                Pending,
                0,
                false,
                RequestShape {
                    has_face_image: false,
                    ..SELFIE
                },
                Err(Refusal::FaceImageRequired),
            ),
            (
                Pending,
                0,
                false,
                RequestShape {
                    has_front_image: false,
                    ..passport
                },
                Err(Refusal::FaceImageRequired),
            ),
        ] {
            assert_eq!(
                admit(&applicant(status, used), profile, &s, request),
                expected,
                "{status:?} used {used}"
            );
        }
        assert_eq!(admit_profile_update(false), Err(Refusal::NotRegistered));
    }

    fn evidence(quality_percent: f32, liveness: f32) -> Evidence {
        Evidence {
            scores: FaceScores {
                quality: quality_percent * 0.006,
                quality_percent,
                liveness,
                liveness_percent: Some(liveness * 100.0),
                match_confidence: None,
                duplicate_confidence: None,
            },
            duplicates: Vec::new(),
            found_own_profile: false,
            blacklisted: false,
            request_risks: Vec::new(),
            document: None,
        }
    }

    #[test]
    fn a_good_registration_succeeds_and_saves_the_profile() {
        let outcome = decide(
            Flow::Registration,
            &applicant(Pending, 0),
            &settings(3),
            &evidence(95.0, 0.98),
            Utc::now(),
        );
        assert!(outcome.succeeded() && outcome.save_profile);
        assert_eq!(
            (outcome.applicant_status, outcome.attempts_used),
            (Success, 1)
        );
        assert_eq!(
            outcome.record.validation_status.profile_already_exists,
            Some(false)
        );
    }

    #[test]
    fn a_failed_registration_costs_an_attempt_and_the_last_one_fails_the_applicant() {
        let spoof = evidence(95.0, 0.1);
        let first = decide(
            Flow::Registration,
            &applicant(Pending, 0),
            &settings(2),
            &spoof,
            Utc::now(),
        );
        assert_eq!(
            (
                first.applicant_status,
                first.attempts_used,
                first.save_profile
            ),
            (FailedAttempt, 1, false)
        );
        assert_eq!(
            first.record.validation_status.anti_spoofing_is_valid,
            Some(false)
        );
        let last = decide(
            Flow::Registration,
            &applicant(FailedAttempt, 1),
            &settings(2),
            &spoof,
            Utc::now(),
        );
        assert_eq!((last.applicant_status, last.attempts_used), (Failed, 2));
        let blurry = decide(
            Flow::Registration,
            &applicant(Pending, 0),
            &settings(2),
            &evidence(40.0, 0.9),
            Utc::now(),
        );
        assert_eq!(
            blurry.record.validation_status.quality_is_valid,
            Some(false)
        );
    }

    #[test]
    fn a_duplicate_face_fails_with_an_active_risk_event() {
        let other = ApplicantId::new_random();
        let duplicate = Evidence {
            duplicates: vec![(other, 99.0)],
            ..evidence(95.0, 0.98)
        };
        let outcome = decide(
            Flow::Registration,
            &applicant(Pending, 0),
            &settings(3),
            &duplicate,
            Utc::now(),
        );
        assert!(!outcome.succeeded());
        assert_eq!(outcome.applicant_status, FailedAttempt);
        assert_eq!(
            outcome.record.validation_status.profile_already_exists,
            Some(true)
        );
        assert_eq!(outcome.record.similar_applicants, vec![other]);
        let event = &outcome.record.risk_events[0];
        assert_eq!(
            (event.risk_name.as_str(), event.number(), event.is_active),
            ("DuplicateFace", 6, true)
        );
        let blocking = AccountSettings {
            block_duplicates: true,
            ..settings(3)
        };
        assert_eq!(
            decide(
                Flow::Registration,
                &applicant(Pending, 0),
                &blocking,
                &duplicate,
                Utc::now()
            )
            .applicant_status,
            Failed
        );
    }

    #[test]
    fn document_registration_needs_the_selfie_to_match_the_document() {
        let mut e = evidence(95.0, 0.98);
        for (confidence, ok) in [(Some(69.9), false), (Some(70.0), true), (None, false)] {
            e.scores.match_confidence = confidence;
            let outcome = decide(
                Flow::RegistrationWithDocument,
                &applicant(Pending, 0),
                &settings(3),
                &e,
                Utc::now(),
            );
            assert_eq!(outcome.succeeded(), ok, "{confidence:?}");
        }
    }

    #[test]
    fn document_registration_needs_the_documents_checks_to_hold() {
        use crate::document::{TestStatus, ValidationTest};
        let expiry = |status| {
            ValidationTest::new(
                "DocumentExpiry",
                "DocumentExpiryValidation",
                status,
                "expired",
            )
        };
        for (status, ok, expired) in [
            (TestStatus::Passed, true, false),
            (TestStatus::Failed, false, true),
        ] {
            let mut e = evidence(95.0, 0.98);
            e.scores.match_confidence = Some(99.0);
            e.document = Some(DocumentReport {
                tests: vec![expiry(status)],
                expired: Some(expired),
                ..DocumentReport::default()
            });
            let outcome = decide(
                Flow::RegistrationWithDocument,
                &applicant(Pending, 0),
                &settings(3),
                &e,
                Utc::now(),
            );
            let status = &outcome.record.validation_status;
            assert_eq!(
                (
                    outcome.succeeded(),
                    status.document_is_valid,
                    status.expired
                ),
                (ok, Some(ok), Some(expired))
            );
            // the document's reasons are its own, not the face's
            assert!(outcome.record.face_fail_reasons.is_empty());
            assert_eq!(outcome.record.document, e.document);
        }
    }

    #[test]
    fn authorization_needs_the_own_profile_and_never_changes_the_applicant() {
        let registered = applicant(Success, 1);
        let found = Evidence {
            found_own_profile: true,
            ..evidence(95.0, 0.98)
        };
        let ok = decide(
            Flow::Authorization,
            &registered,
            &settings(3),
            &found,
            Utc::now(),
        );
        assert!(ok.succeeded() && !ok.save_profile);
        assert_eq!((ok.applicant_status, ok.attempts_used), (Success, 1));
        assert_eq!(ok.record.thresholds.match_percent, 90);
        let stranger = decide(
            Flow::Authorization,
            &registered,
            &settings(3),
            &evidence(95.0, 0.98),
            Utc::now(),
        );
        assert!(!stranger.succeeded());
        assert_eq!(
            (
                stranger.applicant_status,
                stranger.record.validation_status.face_is_valid
            ),
            (Success, Some(false))
        );
    }

    #[test]
    fn a_blacklisted_person_fails_at_once() {
        let e = Evidence {
            blacklisted: true,
            ..evidence(95.0, 0.98)
        };
        let outcome = decide(
            Flow::Registration,
            &applicant(Pending, 0),
            &settings(5),
            &e,
            Utc::now(),
        );
        assert_eq!(
            (
                outcome.applicant_status,
                outcome.record.validation_status.has_been_black_listed
            ),
            (Failed, Some(true))
        );
        let own_face = Evidence {
            found_own_profile: true,
            ..e
        };
        let authorization = decide(
            Flow::Authorization,
            &applicant(Success, 1),
            &settings(5),
            &own_face,
            Utc::now(),
        );
        assert_eq!(
            (
                authorization.record.response_status,
                authorization.applicant_status,
                authorization.record.validation_status.has_been_black_listed
            ),
            (ResponseStatus::Fail, Success, Some(true))
        );
    }

    #[test]
    fn every_risk_found_is_recorded_and_only_active_ones_fail() {
        use crate::risks::RiskSettings;
        let e = Evidence {
            duplicates: vec![(ApplicantId::new_random(), 99.0)],
            request_risks: vec![RiskType::MassAttack, RiskType::InconsistentMetadata],
            ..evidence(95.0, 0.98)
        };
        let run = |risks: RiskSettings| {
            let settings = AccountSettings {
                risks,
                ..settings(3)
            };
            decide(
                Flow::Registration,
                &applicant(Pending, 0),
                &settings,
                &e,
                Utc::now(),
            )
        };
        let by_default = run(RiskSettings::default());
        let recorded: Vec<(i32, bool)> = by_default
            .record
            .risk_events
            .iter()
            .map(|event| (event.number(), event.is_active))
            .collect();
        assert_eq!(recorded, [(0, false), (7, false), (6, true)]);
        assert!(!by_default.succeeded(), "the duplicate is active");
        assert_eq!(by_default.record.face_fail_reasons.len(), 1);

        let none_active = run(RiskSettings {
            duplicate_face_active: false,
            ..RiskSettings::default()
        });
        assert!(none_active.succeeded() && none_active.save_profile);
        assert_eq!(
            none_active.record.validation_status.profile_already_exists,
            Some(true),
            "an inactive duplicate is still reported"
        );
        assert!(none_active.record.risk_events.iter().all(|r| !r.is_active));

        let mass_active = run(RiskSettings {
            duplicate_face_active: false,
            mass_attack_active: true,
            ..RiskSettings::default()
        });
        assert!(!mass_active.succeeded());
        assert_eq!(
            (mass_active.applicant_status, mass_active.attempts_used),
            (FailedAttempt, 1)
        );
        assert_eq!(
            mass_active.record.face_fail_reasons,
            ["More than 3 validation requests from this address within 60 minutes"]
        );
    }

    #[test]
    fn invalid_data_changes_nothing_but_is_recorded() {
        let a = applicant(FailedAttempt, 1);
        let error = InvalidDataError {
            code: "120038".into(),
            message: "No faces found".into(),
            description: None,
        };
        let outcome = invalid_data(Flow::Registration, &a, &settings(3), error);
        assert_eq!(
            (outcome.applicant_status, outcome.attempts_used),
            (FailedAttempt, 1)
        );
        assert_eq!(outcome.record.response_status, ResponseStatus::InvalidData);
        assert_eq!(attempts_left(&settings(3), 1), 2);
        assert_eq!(attempts_left(&settings(1), 3), 0);
    }
}

//! An applicant's status and the transitions the API may ask for.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use num_enum::TryFromPrimitive;
use serde::{Deserialize, Serialize};
use strum::IntoStaticStr;

use crate::{AccountId, ApplicantId, AttemptId, ValidationRequestSettings};

/// BAF's applicant status. The numbers are the wire values; 4 is unused by the vendor.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    TryFromPrimitive,
    IntoStaticStr,
)]
#[repr(i16)]
pub enum ApplicantStatus {
    #[default]
    Pending = 0,
    Success = 1,
    Failed = 2,
    Canceled = 3,
    /// The last attempt failed and attempts remain.
    FailedAttempt = 5,
}

impl ApplicantStatus {
    pub fn from_code(code: i16) -> Option<Self> {
        Self::try_from(code).ok()
    }

    pub const fn code(self) -> i16 {
        self as i16
    }

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Success, Failed and Canceled end the verification; the others still accept attempts.
    pub const fn is_completed(self) -> bool {
        matches!(self, Self::Success | Self::Failed | Self::Canceled)
    }
}

/// BAF's attempt outcome (`responseStatus`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TryFromPrimitive, IntoStaticStr,
)]
#[repr(i16)]
pub enum ResponseStatus {
    Success = 0,
    Fail = 1,
    InvalidData = 2,
    Error = 3,
}

impl ResponseStatus {
    pub fn from_code(code: i16) -> Option<Self> {
        Self::try_from(code).ok()
    }

    pub const fn code(self) -> i16 {
        self as i16
    }

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// How the end user is reached: 0 by SMS, 1 manually (the vendor's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, TryFromPrimitive)]
#[repr(i16)]
pub enum VerificationMethod {
    Sms = 0,
    #[default]
    Manual = 1,
}

impl VerificationMethod {
    pub fn from_code(code: i16) -> Option<Self> {
        Self::try_from(code).ok()
    }

    pub const fn code(self) -> i16 {
        self as i16
    }
}

/// Why a request about an applicant is refused. The API maps each to a BAF code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Request already unblocked")]
    AlreadyOpen,
    #[error("Validation request is not completed yet")]
    NotCompleted,
    #[error("Wrong Applicant data: SendSms enabled. Phone number cannot be null.")]
    PhoneRequiredForSms,
    #[error("Sms sending error. Please check your phone number")]
    NoPhoneForSms,
    #[error("Request was already completed")]
    AlreadyCompleted,
    #[error("All available attempts were used")]
    AttemptsExhausted,
    #[error("Too many attempts without a usable face today; try again tomorrow")]
    TooManyInvalidData,
    #[error("Request is closed")]
    Closed,
    #[error("Face image is required")]
    FaceImageRequired,
    #[error("Applicant doesn't have verified face")]
    NoVerifiedFace,
    #[error("Applicant has not yet registered")]
    NotRegistered,
    #[error("SMS sending disabled for applicant")]
    SmsDisabled,
    #[error("The Dob is empty")]
    DobEmpty,
    #[error("Values {0} are empty")]
    NamesEmpty(String),
    #[error("You do not have a permission to review images.")]
    ImageReviewDenied,
    #[error("Allowed time to review these images is expired.")]
    ImageReviewExpired,
}

/// `POST .../Open`: a completed applicant becomes Pending again. Reopening a Failed one also
/// gives its attempts back, as the vendor documents; Success and Canceled keep the count.
pub fn reopen(
    status: ApplicantStatus,
    attempts_used: i32,
) -> Result<(ApplicantStatus, i32), Refusal> {
    match status {
        ApplicantStatus::Pending | ApplicantStatus::FailedAttempt => Err(Refusal::AlreadyOpen),
        ApplicantStatus::Failed => Ok((ApplicantStatus::Pending, 0)),
        ApplicantStatus::Success | ApplicantStatus::Canceled => {
            Ok((ApplicantStatus::Pending, attempts_used))
        }
    }
}

/// `POST .../Complete`: an open applicant is canceled. A completed one keeps its final status,
/// so a late force-close can never turn a success or a fraud block into a cancellation.
pub fn force_close(status: ApplicantStatus) -> ApplicantStatus {
    if status.is_completed() {
        status
    } else {
        ApplicantStatus::Canceled
    }
}

/// `GET .../Completed`: 200 only when the applicant reached a final status.
pub fn require_completed(status: ApplicantStatus) -> Result<(), Refusal> {
    if status.is_completed() {
        Ok(())
    } else {
        Err(Refusal::NotCompleted)
    }
}

/// One field of a partial update: absent keeps the value, `""` (or `null`) clears it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl Patch<String> {
    /// Reads a field of an update body the vendor's way: an empty string means null.
    pub fn from_wire(field: Option<Option<String>>) -> Self {
        match field {
            None => Self::Keep,
            Some(None) => Self::Clear,
            Some(Some(value)) if value.is_empty() => Self::Clear,
            Some(Some(value)) => Self::Set(value),
        }
    }

    pub fn apply(self, current: Option<String>) -> Option<String> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(value) => Some(value),
        }
    }
}

/// A phone number an SMS can be sent to: digits with the usual separators, 7 to 15 digits (E.164).
pub fn is_usable_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let only_phone_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    only_phone_chars && (7..=15).contains(&digits)
}

/// Creating an applicant with `sendSms: true` needs somewhere to send it.
pub fn check_sms_on_create(send_sms: bool, phone: Option<&str>) -> Result<(), Refusal> {
    match (send_sms, phone) {
        (false, _) => Ok(()),
        (true, Some(phone)) if is_usable_phone(phone) => Ok(()),
        (true, _) => Err(Refusal::NoPhoneForSms),
    }
}

/// `ReNotify` resends the link by SMS: the applicant must have SMS on and a usable phone.
pub fn check_renotify(send_sms: bool, phone: Option<&str>) -> Result<(), Refusal> {
    if !send_sms {
        return Err(Refusal::SmsDisabled);
    }
    check_sms_on_create(send_sms, phone)
}

/// An update may not take the phone away from an applicant that is to receive SMS.
pub fn check_sms_on_update(send_sms: bool, phone_after: Option<&str>) -> Result<(), Refusal> {
    if send_sms && phone_after.is_none() {
        Err(Refusal::PhoneRequiredForSms)
    } else {
        Ok(())
    }
}

/// An applicant as the domain sees it; the store builds it from its row.
#[derive(Clone, Debug, PartialEq)]
pub struct Applicant {
    pub id: ApplicantId,
    pub account_id: AccountId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub reference_id: Option<String>,
    pub metadata: Metadata,
    pub callback_url: Option<String>,
    pub send_sms: bool,
    pub verification_method: VerificationMethod,
    pub status: ApplicantStatus,
    pub attempts_count: i32,
    pub attempts_used: i32,
    pub last_attempt_id: Option<AttemptId>,
    pub success_attempt_id: Option<AttemptId>,
    pub opened_link_times: i32,
    pub document_expired: Option<bool>,
    pub has_risk_events: bool,
    pub has_background_risk_events: bool,
    pub settings: ValidationRequestSettings,
    pub short_code: String,
    pub created: DateTime<Utc>,
    /// The newest attempt (BAF's `lastValidationResponse`).
    pub last_attempt: Option<LastAttempt>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastAttempt {
    pub id: AttemptId,
    pub created: DateTime<Utc>,
    pub response_status: ResponseStatus,
}

/// The client's own string keys and values.
pub type Metadata = BTreeMap<String, String>;

/// What a client may set when creating an applicant; every field is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewApplicant {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub reference_id: Option<String>,
    pub metadata: Metadata,
    pub callback_url: Option<String>,
    pub send_sms: bool,
    pub verification_method: VerificationMethod,
    pub status: ApplicantStatus,
}

impl NewApplicant {
    /// Empty strings are stored as null, as an update would store them.
    pub fn normalized(mut self) -> Result<Self, Refusal> {
        for field in [
            &mut self.first_name,
            &mut self.last_name,
            &mut self.phone,
            &mut self.email,
            &mut self.reference_id,
            &mut self.callback_url,
        ] {
            if field.as_deref() == Some("") {
                *field = None;
            }
        }
        check_sms_on_create(self.send_sms, self.phone.as_deref())?;
        Ok(self)
    }
}

/// A partial update (`PUT .../Applicants/{id}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApplicantUpdate {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub phone: Patch<String>,
    pub email: Patch<String>,
    pub reference_id: Patch<String>,
    pub callback_url: Patch<String>,
    /// Replaces the whole map when present.
    pub metadata: Option<Metadata>,
}

impl ApplicantUpdate {
    pub fn apply(self, applicant: &mut Applicant) -> Result<(), Refusal> {
        let phone = self.phone.apply(applicant.phone.clone());
        check_sms_on_update(applicant.send_sms, phone.as_deref())?;
        applicant.phone = phone;
        applicant.first_name = self.first_name.apply(applicant.first_name.take());
        applicant.last_name = self.last_name.apply(applicant.last_name.take());
        applicant.email = self.email.apply(applicant.email.take());
        applicant.reference_id = self.reference_id.apply(applicant.reference_id.take());
        applicant.callback_url = self.callback_url.apply(applicant.callback_url.take());
        if let Some(metadata) = self.metadata {
            applicant.metadata = metadata;
        }
        Ok(())
    }
}

/// A plain applicant for the domain's tests.
#[cfg(test)]
pub(crate) fn sample(status: ApplicantStatus, attempts_used: i32) -> Applicant {
    Applicant {
        id: ApplicantId::new_random(),
        account_id: AccountId::new_random(),
        first_name: Some("John".into()),
        last_name: Some("Dow".into()),
        phone: None,
        email: None,
        reference_id: None,
        metadata: Metadata::from([("tenant".into(), "a".into())]),
        callback_url: None,
        send_sms: false,
        verification_method: VerificationMethod::Manual,
        status,
        attempts_count: attempts_used,
        attempts_used,
        last_attempt_id: None,
        success_attempt_id: None,
        opened_link_times: 0,
        document_expired: None,
        has_risk_events: false,
        has_background_risk_events: false,
        settings: ValidationRequestSettings::default(),
        short_code: "abc".into(),
        created: Utc::now(),
        last_attempt: None,
    }
}

#[cfg(test)]
mod update_tests {
    use super::*;

    fn applicant(send_sms: bool) -> Applicant {
        Applicant {
            send_sms,
            phone: Some("+49 30 1234567".into()),
            ..sample(ApplicantStatus::Pending, 0)
        }
    }

    #[test]
    fn absent_fields_are_kept_and_empty_ones_cleared() {
        let mut a = applicant(false);
        let update = ApplicantUpdate {
            first_name: Patch::Clear,
            email: Patch::Set("x@y.z".into()),
            ..Default::default()
        };
        update.apply(&mut a).unwrap();
        assert_eq!(
            (a.first_name, a.last_name, a.email),
            (None, Some("Dow".into()), Some("x@y.z".into()))
        );
        assert_eq!(a.metadata.len(), 1);
    }

    #[test]
    fn metadata_is_replaced_as_a_whole() {
        let mut a = applicant(false);
        let update = ApplicantUpdate {
            metadata: Some(Metadata::from([("k".into(), "v".into())])),
            ..Default::default()
        };
        update.apply(&mut a).unwrap();
        assert_eq!(a.metadata, Metadata::from([("k".into(), "v".into())]));
    }

    #[test]
    fn clearing_the_phone_of_an_sms_applicant_is_refused_and_changes_nothing() {
        let mut a = applicant(true);
        let before = a.clone();
        let update = ApplicantUpdate {
            phone: Patch::Clear,
            first_name: Patch::Clear,
            ..Default::default()
        };
        assert_eq!(update.apply(&mut a), Err(Refusal::PhoneRequiredForSms));
        assert_eq!(a, before);
    }

    #[test]
    fn new_applicants_store_empty_strings_as_null() {
        let new = NewApplicant {
            first_name: Some(String::new()),
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(new.first_name, None);
        let sms_without_phone = NewApplicant {
            send_sms: true,
            ..Default::default()
        };
        assert_eq!(sms_without_phone.normalized(), Err(Refusal::NoPhoneForSms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicantStatus::*;

    #[test]
    fn completed_means_success_failed_or_canceled() {
        for (status, completed) in [
            (Pending, false),
            (Success, true),
            (Failed, true),
            (Canceled, true),
            (FailedAttempt, false),
        ] {
            assert_eq!(status.is_completed(), completed, "{status:?}");
            assert_eq!(ApplicantStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(ApplicantStatus::from_code(4), None);
        assert_eq!(
            (FailedAttempt.name(), FailedAttempt.code()),
            ("FailedAttempt", 5)
        );
    }

    #[test]
    fn attempt_outcomes_and_methods_have_the_vendors_numbers_and_names() {
        for (status, code, name) in [
            (ResponseStatus::Success, 0, "Success"),
            (ResponseStatus::Fail, 1, "Fail"),
            (ResponseStatus::InvalidData, 2, "InvalidData"),
            (ResponseStatus::Error, 3, "Error"),
        ] {
            assert_eq!((status.code(), status.name()), (code, name));
            assert_eq!(ResponseStatus::from_code(code), Some(status));
        }
        assert_eq!(ResponseStatus::from_code(4), None);
        assert_eq!(
            VerificationMethod::from_code(0),
            Some(VerificationMethod::Sms)
        );
        assert_eq!(VerificationMethod::from_code(2), None);
    }

    #[test]
    fn reopening_follows_the_vendor_rules() {
        assert_eq!(reopen(Pending, 0), Err(Refusal::AlreadyOpen));
        assert_eq!(reopen(FailedAttempt, 2), Err(Refusal::AlreadyOpen));
        assert_eq!(reopen(Failed, 3), Ok((Pending, 0)));
        assert_eq!(reopen(Success, 1), Ok((Pending, 1)));
        assert_eq!(reopen(Canceled, 2), Ok((Pending, 2)));
    }

    #[test]
    fn force_close_cancels_only_open_applicants() {
        assert_eq!(force_close(Pending), Canceled);
        assert_eq!(force_close(FailedAttempt), Canceled);
        assert_eq!(force_close(Success), Success);
        assert_eq!(force_close(Failed), Failed);
    }

    #[test]
    fn an_empty_string_in_an_update_clears_the_field() {
        assert_eq!(Patch::from_wire(None), Patch::Keep);
        assert_eq!(Patch::from_wire(Some(None)), Patch::Clear);
        assert_eq!(Patch::from_wire(Some(Some(String::new()))), Patch::Clear);
        assert_eq!(
            Patch::from_wire(Some(Some("x".into()))),
            Patch::Set("x".into())
        );
        assert_eq!(
            Patch::<String>::Keep.apply(Some("a".into())),
            Some("a".into())
        );
        assert_eq!(Patch::<String>::Clear.apply(Some("a".into())), None);
    }

    #[test]
    fn usable_phones_have_seven_to_fifteen_digits() {
        for (phone, ok) in [
            ("+7 982 200-00-00", true),
            ("49828585009568", true),
            ("1542540505-039", true),
            ("123", false),
            ("call me", false),
            ("", false),
            ("+1 (555) 010-9999", true),
            ("1234567890123456", false),
        ] {
            assert_eq!(is_usable_phone(phone), ok, "{phone}");
        }
    }

    #[test]
    fn renotify_needs_sms_enabled_and_a_phone() {
        assert_eq!(
            check_renotify(false, Some("+49 30 1234567")),
            Err(Refusal::SmsDisabled)
        );
        assert_eq!(check_renotify(true, None), Err(Refusal::NoPhoneForSms));
        assert_eq!(check_renotify(true, Some("+49 30 1234567")), Ok(()));
    }

    #[test]
    fn sms_needs_a_phone_on_create_and_on_update() {
        assert_eq!(check_sms_on_create(true, None), Err(Refusal::NoPhoneForSms));
        assert_eq!(
            check_sms_on_create(true, Some("12")),
            Err(Refusal::NoPhoneForSms)
        );
        assert_eq!(check_sms_on_create(true, Some("+49 30 1234567")), Ok(()));
        assert_eq!(check_sms_on_create(false, None), Ok(()));
        assert_eq!(
            check_sms_on_update(true, None),
            Err(Refusal::PhoneRequiredForSms)
        );
        assert_eq!(check_sms_on_update(false, None), Ok(()));
    }
}

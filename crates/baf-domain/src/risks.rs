//! BAF's risk events: what each type means, its number and level, and which of them fail an
//! attempt. Every risk found is recorded; only an *active* one (an account setting) fails it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A risk type under the number a BAF client reads. BlackListed has no vendor number: 2 is none
/// of the vendor's (0, 1, 6, 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
pub enum RiskType {
    /// More validation requests from one client address within the period than the account
    /// allows.
    MassAttack,
    /// One browser (the hosted page's fingerprint of its environment) used by several applicants
    /// within the period.
    PeriodicAttack,
    BlackListed,
    /// The face matches another applicant's profile at registration.
    DuplicateFace,
    /// The applicant's phone number is another applicant's.
    InconsistentMetadata,
}

/// How serious a risk is, as the vendor numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RiskLevel {
    Moderate,
    Significant,
}

impl RiskLevel {
    pub fn code(self) -> i16 {
        match self {
            Self::Moderate => 0,
            Self::Significant => 1,
        }
    }

    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Moderate),
            1 => Some(Self::Significant),
            _ => None,
        }
    }
}

impl RiskType {
    pub fn number(self) -> i16 {
        match self {
            Self::MassAttack => 0,
            Self::PeriodicAttack => 1,
            Self::BlackListed => 2,
            Self::DuplicateFace => 6,
            Self::InconsistentMetadata => 7,
        }
    }

    pub fn from_number(number: i64) -> Option<Self> {
        <Self as strum::IntoEnumIterator>::iter().find(|t| i64::from(t.number()) == number)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        <Self as strum::IntoEnumIterator>::iter().find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Velocity and metadata signals are Moderate alone but MassAttack is a scripted flood;
    /// a duplicate or banned face is direct evidence of fraud.
    pub fn level(self) -> RiskLevel {
        match self {
            Self::PeriodicAttack | Self::InconsistentMetadata => RiskLevel::Moderate,
            Self::MassAttack | Self::BlackListed | Self::DuplicateFace => RiskLevel::Significant,
        }
    }

    pub fn all() -> impl Iterator<Item = Self> {
        <Self as strum::IntoEnumIterator>::iter()
    }
}

/// Which risks fail an attempt, and the velocity limits. Inactive risks are still recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RiskSettings {
    pub mass_attack_active: bool,
    pub periodic_attack_active: bool,
    pub black_listed_active: bool,
    pub duplicate_face_active: bool,
    pub inconsistent_metadata_active: bool,
    /// MassAttack: more than this many validation requests from one address within the period.
    pub mass_attack_count: u32,
    /// The window of MassAttack and PeriodicAttack, in minutes.
    pub period_minutes: u32,
}

impl Default for RiskSettings {
    /// The vendor's defaults: 3 requests per hour; only the face risks fail an attempt, as before
    /// the velocity and metadata risks existed.
    fn default() -> Self {
        Self {
            mass_attack_active: false,
            periodic_attack_active: false,
            black_listed_active: true,
            duplicate_face_active: true,
            inconsistent_metadata_active: false,
            mass_attack_count: 3,
            period_minutes: 60,
        }
    }
}

impl RiskSettings {
    pub fn is_active(&self, risk: RiskType) -> bool {
        match risk {
            RiskType::MassAttack => self.mass_attack_active,
            RiskType::PeriodicAttack => self.periodic_attack_active,
            RiskType::BlackListed => self.black_listed_active,
            RiskType::DuplicateFace => self.duplicate_face_active,
            RiskType::InconsistentMetadata => self.inconsistent_metadata_active,
        }
    }

    pub fn period(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.period_minutes))
    }

    /// Whether a request is a mass attack, given how many the address made in the period before it.
    pub fn is_mass_attack(&self, earlier_requests: i64) -> bool {
        earlier_requests >= i64::from(self.mass_attack_count)
    }
}

/// A risk found on one attempt, as stored with it and shown in its detail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskEvent {
    pub created: DateTime<Utc>,
    pub risk_number: i32,
    pub risk_name: String,
    pub is_active: bool,
}

impl RiskEvent {
    pub fn new(risk: RiskType, settings: &RiskSettings, now: DateTime<Utc>) -> Self {
        Self {
            created: now,
            risk_number: i32::from(risk.number()),
            risk_name: risk.name().to_owned(),
            is_active: settings.is_active(risk),
        }
    }

    /// The risk's type. Attempts recorded before DuplicateFace got the vendor's 6 stored 1 (the
    /// vendor's PeriodicAttack), so known risks are told by name.
    pub fn risk_type(&self) -> Option<RiskType> {
        RiskType::from_name(&self.risk_name)
            .or_else(|| RiskType::from_number(i64::from(self.risk_number)))
    }

    /// The risk's number as a BAF client reads it.
    pub fn number(&self) -> i32 {
        self.risk_type()
            .map_or(self.risk_number, |t| i32::from(t.number()))
    }
}

/// Phone numbers are compared by their digits: `+7 982 200-00-00` is `79822000000`. Numbers too
/// short to name a line (fewer than 7 digits) are not compared at all.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 7).then_some(digits)
}

/// The hosted page's browser fingerprint: an opaque token of 8 to 128 characters from
/// `[A-Za-z0-9_-]` (a hash, as the page sends it).
pub fn is_fingerprint(text: &str) -> bool {
    (8..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_the_vendors_and_collide_with_none() {
        let numbers: Vec<i16> = RiskType::all().map(RiskType::number).collect();
        assert_eq!(numbers, [0, 1, 2, 6, 7]);
        for risk in RiskType::all() {
            assert_eq!(RiskType::from_number(risk.number().into()), Some(risk));
            assert_eq!(RiskType::from_name(risk.name()), Some(risk));
        }
        assert_eq!(RiskType::from_number(3), None);
    }

    #[test]
    fn by_default_only_the_face_risks_are_active() {
        let settings = RiskSettings::default();
        let active: Vec<RiskType> = RiskType::all().filter(|r| settings.is_active(*r)).collect();
        assert_eq!(active, [RiskType::BlackListed, RiskType::DuplicateFace]);
    }

    #[test]
    fn a_mass_attack_is_more_than_the_count_in_the_period() {
        let settings = RiskSettings::default();
        assert!(!settings.is_mass_attack(0));
        assert!(!settings.is_mass_attack(2), "the third request is allowed");
        assert!(settings.is_mass_attack(3), "the fourth is more than 3");
    }

    #[test]
    fn old_duplicate_face_events_read_as_six() {
        let old = RiskEvent {
            created: Utc::now(),
            risk_number: 1,
            risk_name: "DuplicateFace".into(),
            is_active: true,
        };
        assert_eq!(old.number(), 6);
        assert_eq!(old.risk_type(), Some(RiskType::DuplicateFace));
    }

    #[test]
    fn phones_compare_by_digits() {
        assert_eq!(phone_key("+7 982 200-00-00"), phone_key("79822000000"));
        assert_eq!(phone_key("12-34"), None);
        assert_eq!(phone_key(""), None);
    }

    #[test]
    fn fingerprints_are_opaque_tokens() {
        assert!(is_fingerprint("3fa85f6457174562b3fc2c963f66afa6"));
        assert!(!is_fingerprint("short"));
        assert!(!is_fingerprint("has spaces in it"));
        assert!(!is_fingerprint(&"a".repeat(129)));
    }
}

//! The blacklist: people an account refuses, by names and date of birth, or by face.

use chrono::{DateTime, Utc};

use crate::applicant::{Applicant, Refusal};
use crate::{AccountId, ApplicantId, PersonId};

/// Sort fields of `GET private/Blacklist`, with the vendor's camelCase names.
pub const SORT_FIELDS: &[&str] = &[
    "id",
    "firstName",
    "middleName",
    "familyName",
    "dob",
    "created",
    "applicantId",
];

#[derive(Clone, Debug, PartialEq)]
pub struct BlacklistPerson {
    pub id: PersonId,
    pub account_id: AccountId,
    pub applicant_id: Option<ApplicantId>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub dob: Option<DateTime<Utc>>,
    pub has_face: bool,
    pub created: DateTime<Utc>,
}

/// A person's identifying data as it is stored: names upper-case, blanks as null.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PersonData {
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub dob: Option<DateTime<Utc>>,
}

fn normalize(name: Option<&str>) -> Option<String> {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_uppercase)
}

impl PersonData {
    /// A person entered by hand (`POST` or `PUT private/Blacklist`): a date of birth, a first
    /// name and a family name are required (the middle name is optional: many people have none).
    pub fn entered(
        first_name: Option<&str>,
        middle_name: Option<&str>,
        family_name: Option<&str>,
        dob: Option<DateTime<Utc>>,
    ) -> Result<Self, Refusal> {
        let data = Self {
            first_name: normalize(first_name),
            middle_name: normalize(middle_name),
            family_name: normalize(family_name),
            dob,
        };
        if data.dob.is_none() {
            return Err(Refusal::DobEmpty);
        }
        let missing: Vec<&str> = [
            ("firstName", &data.first_name),
            ("familyName", &data.family_name),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| name)
        .collect();
        if !missing.is_empty() {
            return Err(Refusal::NamesEmpty(missing.join(", ")));
        }
        Ok(data)
    }

    /// A person taken from an applicant: its names (no date of birth is known), and its face when
    /// it has one. Something must identify the person.
    pub fn from_applicant(applicant: &Applicant, has_face: bool) -> Result<Self, Refusal> {
        let data = Self {
            first_name: normalize(applicant.first_name.as_deref()),
            middle_name: None,
            family_name: normalize(applicant.last_name.as_deref()),
            dob: None,
        };
        if !has_face && data.first_name.is_none() && data.family_name.is_none() {
            return Err(Refusal::NamesEmpty("firstName, familyName".into()));
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dob() -> Option<DateTime<Utc>> {
        Some(
            DateTime::parse_from_rfc3339("2023-06-22T13:57:35.163Z")
                .unwrap()
                .to_utc(),
        )
    }

    #[test]
    fn names_are_stored_upper_case_and_trimmed() {
        let p =
            PersonData::entered(Some(" Bob "), Some("Jamesbob"), Some("Familybob"), dob()).unwrap();
        assert_eq!(
            (
                p.first_name.as_deref(),
                p.middle_name.as_deref(),
                p.family_name.as_deref()
            ),
            (Some("BOB"), Some("JAMESBOB"), Some("FAMILYBOB"))
        );
        assert_eq!(
            PersonData::entered(Some("Zoë"), None, Some("ß"), dob())
                .unwrap()
                .first_name
                .as_deref(),
            Some("ZOË")
        );
    }

    #[test]
    fn a_date_of_birth_and_both_names_are_required() {
        assert_eq!(
            PersonData::entered(Some("A"), None, Some("B"), None),
            Err(Refusal::DobEmpty)
        );
        assert_eq!(
            PersonData::entered(Some(" "), None, Some("B"), dob()),
            Err(Refusal::NamesEmpty("firstName".into()))
        );
        assert_eq!(
            PersonData::entered(None, Some("M"), None, dob()),
            Err(Refusal::NamesEmpty("firstName, familyName".into()))
        );
        assert!(PersonData::entered(Some("A"), None, Some("B"), dob()).is_ok());
    }
}

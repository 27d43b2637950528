//! What a document says, in BAF's `document` object: the fields of an attempt's `document` and
//! `dvsResult.document`, filled from a zone or a licence. Dates are ISO `YYYY-MM-DD` (the
//! vendor's documents only say "string").

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Serialize;

use crate::aamva::Licence;
use crate::countries;
use crate::mrz::{Checked, Format, Mrz};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentFields {
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub full_name: Option<String>,
    pub private_name: Option<String>,
    pub dob: Option<String>,
    pub expires: Option<String>,
    pub issued: Option<String>,
    /// The document's number.
    pub id: Option<String>,
    /// `Passport`, `ID`, `Visa` or, as the vendor's example licence shows, `DL`.
    pub id_type: Option<String>,
    /// `MALE` or `FEMALE`, as in the vendor's example; none when the document leaves it open.
    pub gender: Option<String>,
    /// The issuing state's ICAO code (zones) or the licence's jurisdiction (`DAJ`).
    pub state: Option<String>,
    pub issued_by: Option<String>,
    /// The holder's nationality (zones) or the licence's country (`DCG`), by name.
    pub country: Option<String>,
    /// Its ISO 3166-1 alpha-3 code, or ICAO's code where ISO has none.
    pub abbr3_country: Option<String>,
    /// Its ISO 3166-1 alpha-2 code.
    pub abbr_country: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub zip: Option<String>,
    pub height: Option<String>,
    pub weight: Option<String>,
    pub eyes: Option<String>,
    pub hair: Option<String>,
    pub class: Option<String>,
    /// The licence's AAMVA version (`09`), where the vendor's example puts its `template`.
    pub template: Option<String>,
}

impl DocumentFields {
    /// The fields that hold something, by their BAF names.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map
                .into_iter()
                .filter_map(|(name, value)| value.as_str().map(|text| (name, text.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        }
    }
}

/// Where each of BAF's fields is in a zone of `format` (ICAO 9303 parts 4 to 6): its line and
/// characters (check digit included), and the check digit that guards it.
type Placed = (
    &'static [&'static str],
    usize,
    Range<usize>,
    Option<Checked>,
);

fn zone_layout(format: Format) -> Vec<Placed> {
    const TYPE: &[&str] = &["idType"];
    const ISSUER: &[&str] = &["state", "issuedBy"];
    const NAMES: &[&str] = &["familyName", "firstName", "middleName", "fullName"];
    const NUMBER: &[&str] = &["id"];
    const NATIONALITY: &[&str] = &["country", "abbr3Country", "abbrCountry"];
    const BIRTH: &[&str] = &["dob"];
    const SEX: &[&str] = &["gender"];
    const EXPIRY: &[&str] = &["expires"];
    let number = Some(Checked::DocumentNumber);
    let (birth, expiry) = (Some(Checked::DateOfBirth), Some(Checked::ExpiryDate));
    match format {
        Format::Td1 => vec![
            (TYPE, 0, 0..2, None),
            (ISSUER, 0, 2..5, None),
            (NUMBER, 0, 5..15, number),
            (BIRTH, 1, 0..7, birth),
            (SEX, 1, 7..8, None),
            (EXPIRY, 1, 8..15, expiry),
            (NATIONALITY, 1, 15..18, None),
            (NAMES, 2, 0..30, None),
        ],
        Format::Td2 | Format::Td3 => vec![
            (TYPE, 0, 0..2, None),
            (ISSUER, 0, 2..5, None),
            (NAMES, 0, 5..format.line_length(), None),
            (NUMBER, 1, 0..10, number),
            (NATIONALITY, 1, 10..13, None),
            (BIRTH, 1, 13..20, birth),
            (SEX, 1, 20..21, None),
            (EXPIRY, 1, 21..28, expiry),
        ],
    }
}

/// How often a misread field would still satisfy its check digit (one digit in ten), and its
/// check digit and the composite one together.
const CHECK_FALSE_PASS: f32 = 0.1;
const CHECK_AND_COMPOSITE_FALSE_PASS: f32 = 0.01;

/// Each field's confidence (0 to 100) from the certainty of each character of a zone: that of
/// its least certain character that is not a filler (fillers are counted by position, not read
/// one by one). A check digit that holds is evidence of its own: a field read with certainty
/// `c` whose digit holds is right with probability `c / (c + (1 - c) * f)`, `f` being how often
/// a misread passes. The digit is no evidence against a character it cannot tell from the one
/// read (`check_blind`, `b`, their probability: `6` for `G`, `0` for `U`): such a character is
/// right with `c / (c + b + (1 - c - b) * f)`. A zone `corrected` until its checks held gets no
/// boost at all: out of the many corrections tried, one that makes a wrong check digit hold is
/// easily found.
pub fn zone_confidence(
    zone: &Mrz,
    certainty: &[Vec<f32>],
    check_blind: &[Vec<f32>],
    corrected: bool,
) -> BTreeMap<String, u8> {
    let passed = |field: Checked| {
        zone.checks
            .iter()
            .any(|check| check.field == field && check.passed)
    };
    let false_pass = if passed(Checked::Composite) {
        CHECK_AND_COMPOSITE_FALSE_PASS
    } else {
        CHECK_FALSE_PASS
    };
    let mut confidence = BTreeMap::new();
    for (names, line, characters, guard) in zone_layout(zone.format) {
        let (Some(text), Some(sure)) = (zone.lines.get(line), certainty.get(line)) else {
            continue;
        };
        let boosted = !corrected && guard.is_some_and(passed);
        let blind = check_blind.get(line).map_or(&[][..], Vec::as_slice);
        let least = text
            .bytes()
            .zip(sure)
            .enumerate()
            .skip(characters.start)
            .take(characters.len())
            .filter(|(_, (c, _))| *c != b'<')
            .map(|(at, (_, &sure))| {
                if !boosted {
                    return sure;
                }
                let alike = blind.get(at).copied().unwrap_or(0.0).min(1.0 - sure);
                sure / (sure + alike + (1.0 - sure - alike) * false_pass)
            })
            .fold(1.0f32, f32::min);
        // what a recogniser read is never certain: 100 is a barcode's
        let percent = (least * 100.0).floor().clamp(0.0, 99.0) as u8;
        for name in names {
            confidence.insert((*name).to_owned(), percent);
        }
    }
    confidence
}

/// A number as printed, without its unit's spacing or leading zeros (`070` is 70).
fn number(printed: &str) -> &str {
    let digits = printed.trim().trim_start_matches('0');
    if digits.is_empty() { "0" } else { digits }
}

/// AAMVA's eye colour codes (D20 2020, DAY) by the names the vendor returns.
const EYE_COLOURS: &[(&str, &str)] = &[
    ("BLK", "BLACK"),
    ("BLU", "BLUE"),
    ("BRO", "BROWN"),
    ("DIC", "DICHROMATIC"),
    ("GRY", "GRAY"),
    ("GRN", "GREEN"),
    ("HAZ", "HAZEL"),
    ("MAR", "MAROON"),
    ("PNK", "PINK"),
    ("UNK", "UNKNOWN"),
];

/// AAMVA's hair colour codes (DAZ); the vendor's example shows `BLN` as `BLONDE`.
const HAIR_COLOURS: &[(&str, &str)] = &[
    ("BAL", "BALD"),
    ("BLK", "BLACK"),
    ("BLN", "BLONDE"),
    ("BRO", "BROWN"),
    ("GRY", "GRAY"),
    ("RED", "RED"),
    ("SDY", "SANDY"),
    ("WHI", "WHITE"),
    ("UNK", "UNKNOWN"),
];

/// A colour code by its name; a code the standard does not list is kept as printed.
fn colour(code: &str, names: &[(&str, &str)]) -> String {
    let code = code.trim();
    names
        .iter()
        .find(|(known, _)| known.eq_ignore_ascii_case(code))
        .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
}

fn iso(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

fn gender(sex: char) -> Option<String> {
    match sex {
        'M' => Some("MALE".to_owned()),
        'F' => Some("FEMALE".to_owned()),
        _ => None,
    }
}

fn present(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

impl DocumentFields {
    /// A zone's fields; `today` settles the century of its two-digit years.
    pub fn from_zone(zone: &Mrz, today: NaiveDate) -> Self {
        let mut given = zone.given_names.splitn(2, ' ');
        let first_name = given.next().and_then(present);
        let middle_name = given.next().and_then(present);
        let id_type = match (zone.document_type.chars().next(), zone.format) {
            (Some('P'), _) => "Passport",
            (Some('V'), _) => "Visa",
            (_, Format::Td3) => "Passport",
            _ => "ID",
        };
        Self {
            full_name: present(&format!("{} {}", zone.given_names, zone.surname)),
            first_name,
            middle_name,
            family_name: present(&zone.surname),
            dob: iso(zone.birth_date(today)),
            expires: iso(zone.expiry(today)),
            id: present(&zone.document_number),
            id_type: Some(id_type.to_owned()),
            gender: gender(zone.sex),
            state: present(&zone.issuing_country),
            issued_by: present(&zone.issuing_country),
            ..Self::default()
        }
        .with_country(&zone.nationality)
    }

    pub fn from_licence(licence: &Licence) -> Self {
        let text = |id: &str| licence.element(id).map(str::to_owned);
        let address = match (licence.element("DAG"), licence.element("DAH")) {
            (Some(street), Some(more)) => Some(format!("{street} {more}")),
            (street, _) => street.map(str::to_owned),
        };
        // as the vendor's example shows a US licence: pounds and inches as bare numbers
        let weight = licence
            .element("DAW")
            .map(|pounds| number(pounds).to_owned())
            .or_else(|| {
                licence
                    .element("DAX")
                    .map(|kg| format!("{} kg", number(kg)))
            });
        let height = licence.element("DAU").map(|printed| {
            let printed = printed.trim();
            match printed.strip_suffix("cm") {
                Some(centimetres) => format!("{} cm", number(centimetres)),
                None => number(printed.trim_end_matches("in")).to_owned(),
            }
        });
        let names = [
            licence.first_name(),
            licence.middle_name(),
            licence.family_name(),
        ];
        let full_name = names
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            first_name: licence.first_name().map(str::to_owned),
            middle_name: licence.middle_name().map(str::to_owned),
            family_name: licence.family_name().map(str::to_owned),
            full_name: present(&full_name).or_else(|| text("DAA")),
            dob: iso(licence.date("DBB")),
            expires: iso(licence.date("DBA")),
            issued: iso(licence.date("DBD")),
            id: text("DAQ"),
            id_type: Some("DL".to_owned()),
            gender: licence.sex().and_then(gender),
            template: Some(format!("{:02}", licence.aamva_version)),
            state: text("DAJ"),
            issued_by: text("DAJ"),
            address,
            city: text("DAI"),
            zip: licence.postal_code(),
            height,
            weight,
            eyes: licence.element("DAY").map(|code| colour(code, EYE_COLOURS)),
            hair: licence
                .element("DAZ")
                .map(|code| colour(code, HAIR_COLOURS)),
            class: text("DCA"),
            ..Self::default()
        }
        .with_country(licence.element("DCG").unwrap_or_default())
    }

    /// The country fields for the code a zone or licence gives: a code no table knows is kept
    /// as read, without a name.
    fn with_country(self, code: &str) -> Self {
        let code = code.trim();
        match countries::by_code(code) {
            Some(country) => Self {
                country: Some(country.name.to_owned()),
                abbr3_country: Some(country.alpha3.unwrap_or(country.code).to_owned()),
                abbr_country: country.alpha2.map(str::to_owned),
                ..self
            },
            None => Self {
                abbr3_country: present(code),
                ..self
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_measures_and_colours_read_as_the_vendor_shows_them() {
        assert_eq!(number("070"), "70");
        assert_eq!(number(" 159 "), "159");
        assert_eq!(number("000"), "0");
        assert_eq!(colour("BLU", EYE_COLOURS), "BLUE");
        assert_eq!(colour("bln", HAIR_COLOURS), "BLONDE");
        assert_eq!(colour("XYZ", HAIR_COLOURS), "XYZ");
    }
}

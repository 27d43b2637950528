//! The document's own checks, in the shape BAF reports them (`documentValidationTests`,
//! `dvsResult.documentVerificationResult.validationTests`): was anything read, do the zone's
//! check digits hold, has the document expired, is it the type the client said, and do its two
//! sides agree. Plain functions of what was read; the face on the document is checked elsewhere.

use baf_domain::document::{TestStatus, ValidationTest};
use chrono::NaiveDate;

use crate::{DocumentFields, Reading};

/// A test named by its `displayName`, with the `name` BAF gives it.
fn test(
    display_name: &'static str,
    status: TestStatus,
    reason: impl Into<String>,
) -> ValidationTest {
    ValidationTest::new(display_name, test_name(display_name), status, reason)
}

fn test_name(display_name: &'static str) -> &'static str {
    match display_name {
        "DocumentReading" => "DocumentReadingValidation",
        "MrzCheckDigits" => "MrzCheckDigitsValidation",
        "DocumentExpiry" => "DocumentExpiryValidation",
        "DocumentType" => "DocumentTypeValidation",
        _ => "DocumentSidesConsistencyValidation",
    }
}

/// The document types of BAF's `documentType` that carry a document (10, the selfie, does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display)]
pub enum DocumentKind {
    #[strum(serialize = "ID card")]
    IdCard,
    #[strum(serialize = "passport")]
    Passport,
    #[strum(serialize = "driver licence")]
    DriverLicense,
    #[strum(serialize = "residence permit")]
    ResidencePermit,
}

impl DocumentKind {
    /// BAF's codes: 1 ID, 2 Passport, 3 DriverLicense, 4 ResidencePermit.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::IdCard),
            2 => Some(Self::Passport),
            3 => Some(Self::DriverLicense),
            4 => Some(Self::ResidencePermit),
            _ => None,
        }
    }

    /// Whether a document read as `read` may be what the client called `self`: a residence
    /// permit is an ICAO ID card in form (TD1 or TD2, type `I`, `A` or `C`), so the zone cannot
    /// tell the two apart.
    fn admits(self, read: Self) -> bool {
        self == read || (self == Self::ResidencePermit && read == Self::IdCard)
    }
}

impl Reading {
    /// What kind of document was read: a licence barcode is a driver licence; a zone is a
    /// passport when its type starts with `P`, an ID card when with `I`, `A` or `C`.
    pub fn kind(&self) -> Option<DocumentKind> {
        if self.licence.is_some() {
            return Some(DocumentKind::DriverLicense);
        }
        match self.zone.as_ref()?.document_type.chars().next()? {
            'P' => Some(DocumentKind::Passport),
            'I' | 'A' | 'C' => Some(DocumentKind::IdCard),
            _ => None,
        }
    }

    fn is_read(&self) -> bool {
        self.licence.is_some() || self.zone.is_some()
    }
}

/// The checks on the readings of a document's sides (front, then back), against `today` (UTC),
/// the type the client declared and the confidence a reading needs (BAF's
/// `documentValidationPercent`).
pub fn validation_tests(
    sides: &[Reading],
    today: NaiveDate,
    declared: Option<DocumentKind>,
    required_confidence: u8,
) -> Vec<ValidationTest> {
    let read: Vec<&Reading> = sides.iter().filter(|side| side.is_read()).collect();
    vec![
        reading_test(&read, today, required_confidence),
        check_digits_test(&read),
        expiry_test(&read, today),
        type_test(&read, declared),
        consistency_test(&read, today),
    ]
}

/// The confidence of a reading: that of its least certain field.
pub fn total_confidence(reading: &Reading, today: NaiveDate) -> Option<u8> {
    reading.confidence(today).into_values().min()
}

fn reading_test(read: &[&Reading], today: NaiveDate, required: u8) -> ValidationTest {
    if let Some(confidence) = read
        .first()
        .and_then(|reading| total_confidence(reading, today))
        .filter(|&confidence| confidence < required)
    {
        return test(
            "DocumentReading",
            TestStatus::Failed,
            format!(
                "The document was read with a confidence of {confidence}%, below the required {required}%"
            ),
        );
    }
    match read.first() {
        Some(reading) if reading.licence.is_some() => test(
            "DocumentReading",
            TestStatus::Passed,
            "The PDF417 barcode was read",
        ),
        Some(_) => test(
            "DocumentReading",
            TestStatus::Passed,
            "The machine-readable zone was read",
        ),
        None => test(
            "DocumentReading",
            TestStatus::Failed,
            "No machine-readable zone or PDF417 barcode could be read on the document",
        ),
    }
}

fn check_digits_test(read: &[&Reading]) -> ValidationTest {
    let Some(zone) = read.iter().find_map(|reading| reading.zone.as_ref()) else {
        return test(
            "MrzCheckDigits",
            TestStatus::Skipped,
            "The document has no machine-readable zone that could be read",
        );
    };
    let failed: Vec<&'static str> = zone.failed_checks().map(Into::into).collect();
    if failed.is_empty() {
        test(
            "MrzCheckDigits",
            TestStatus::Passed,
            "Every check digit of the machine-readable zone holds",
        )
    } else {
        test(
            "MrzCheckDigits",
            TestStatus::Failed,
            format!("Check digit does not hold: {}", failed.join(", ")),
        )
    }
}

fn expiry_test(read: &[&Reading], today: NaiveDate) -> ValidationTest {
    match read.iter().find_map(|reading| reading.expiry(today)) {
        Some(expiry) if expiry < today => test(
            "DocumentExpiry",
            TestStatus::Failed,
            format!("The document expired on {expiry}"),
        ),
        Some(expiry) => test(
            "DocumentExpiry",
            TestStatus::Passed,
            format!("The document is valid until {expiry}"),
        ),
        None => test(
            "DocumentExpiry",
            TestStatus::Failed,
            "No expiry date could be read on the document",
        ),
    }
}

/// Whether the document had expired on `today`: `None` when no expiry date was read.
pub fn expired(sides: &[Reading], today: NaiveDate) -> Option<bool> {
    sides
        .iter()
        .find_map(|reading| reading.expiry(today))
        .map(|expiry| expiry < today)
}

fn type_test(read: &[&Reading], declared: Option<DocumentKind>) -> ValidationTest {
    let Some(declared) = declared else {
        return test(
            "DocumentType",
            TestStatus::Skipped,
            "No document type was given",
        );
    };
    match read.iter().find_map(|reading| reading.kind()) {
        Some(kind) if declared.admits(kind) => test(
            "DocumentType",
            TestStatus::Passed,
            format!("The document is a {kind}"),
        ),
        Some(kind) => test(
            "DocumentType",
            TestStatus::Failed,
            format!("A {declared} was declared but the document is a {kind}"),
        ),
        None => test(
            "DocumentType",
            TestStatus::Skipped,
            "The document's type could not be read",
        ),
    }
}

/// The fields both sides must agree on, by BAF's field name.
fn compared(fields: &DocumentFields) -> [(&'static str, Option<String>); 4] {
    let normal = |text: &Option<String>| {
        text.as_ref()
            .map(|text| text.to_uppercase().replace(['-', ' ', '<'], ""))
    };
    [
        ("id", normal(&fields.id)),
        ("dob", fields.dob.clone()),
        ("expires", fields.expires.clone()),
        ("familyName", normal(&fields.family_name)),
    ]
}

fn consistency_test(read: &[&Reading], today: NaiveDate) -> ValidationTest {
    let [front, back] = read else {
        return test(
            "DocumentSidesConsistency",
            TestStatus::Skipped,
            "Only one side of the document could be read",
        );
    };
    let (Some(front), Some(back)) = (front.fields(today), back.fields(today)) else {
        return test(
            "DocumentSidesConsistency",
            TestStatus::Skipped,
            "Only one side of the document could be read",
        );
    };
    let differing: Vec<&str> = compared(&front)
        .into_iter()
        .zip(compared(&back))
        .filter_map(|((name, a), (_, b))| match (a, b) {
            (Some(a), Some(b)) if a != b => Some(name),
            _ => None,
        })
        .collect();
    if differing.is_empty() {
        test(
            "DocumentSidesConsistency",
            TestStatus::Passed,
            "The two sides of the document agree",
        )
    } else {
        test(
            "DocumentSidesConsistency",
            TestStatus::Failed,
            format!("The two sides disagree on {}", differing.join(", ")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{aamva, mrz};

    /// BAF's default `documentValidationPercent`.
    const REQUIRED: u8 = 70;

    const PASSPORT: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    fn zone(lines: &[&str]) -> Reading {
        Reading {
            zone: Some(mrz::parse(lines).unwrap()),
            ..Reading::default()
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn outcome<'a>(tests: &'a [ValidationTest], display_name: &str) -> (&'a str, &'a str) {
        let test = tests
            .iter()
            .find(|test| test.display_name == display_name)
            .unwrap();
        (test.status_string.as_str(), test.reason.as_str())
    }

    #[test]
    fn a_good_passport_passes_until_it_expires() {
        let tests = validation_tests(
            &[zone(&PASSPORT)],
            day("2012-04-15"),
            Some(DocumentKind::Passport),
            REQUIRED,
        );
        for test in &tests[..4] {
            assert!(test.passed(), "{test:?}");
        }
        assert_eq!(outcome(&tests, "DocumentSidesConsistency").0, "Skipped");
        assert_eq!(tests[0].name, "DocumentReadingValidation");
        assert_eq!((tests[1].status, tests[4].status), (1, 2));

        let later = validation_tests(&[zone(&PASSPORT)], day("2012-04-16"), None, REQUIRED);
        assert_eq!(
            outcome(&later, "DocumentExpiry"),
            ("Failed", "The document expired on 2012-04-15")
        );
        assert_eq!(outcome(&later, "DocumentType").0, "Skipped");
        assert_eq!(expired(&[zone(&PASSPORT)], day("2012-04-16")), Some(true));
    }

    #[test]
    fn a_reading_less_sure_than_required_fails() {
        let mut unsure = zone(&PASSPORT);
        unsure.zone_certainty = vec![vec![0.99; 44], vec![0.99; 44]];
        // a name has no check digit; a date of birth whose digit and the composite hold is
        // surer than its characters alone
        unsure.zone_certainty[0][6] = 0.6;
        unsure.zone_certainty[1][15] = 0.6;
        let today = day("2010-01-01");
        assert_eq!(total_confidence(&unsure, today), Some(60));
        assert_eq!(unsure.confidence(today)["familyName"], 60);
        assert_eq!(unsure.confidence(today)["dob"], 99);
        let tests = validation_tests(std::slice::from_ref(&unsure), today, None, REQUIRED);
        assert_eq!(
            outcome(&tests, "DocumentReading"),
            (
                "Failed",
                "The document was read with a confidence of 60%, below the required 70%"
            )
        );
        let tests = validation_tests(&[unsure], today, None, 60);
        assert_eq!(outcome(&tests, "DocumentReading").0, "Passed");
    }

    #[test]
    fn a_check_digit_is_no_evidence_between_characters_it_cannot_tell_apart() {
        let mut read = zone(&PASSPORT);
        read.zone_certainty = vec![vec![0.99; 44], vec![0.99; 44]];
        read.zone_check_blind = vec![vec![0.0; 44], vec![0.0; 44]];
        // the number's `L` (21) read 0.6 surely: its digit and the composite hold
        read.zone_certainty[1][0] = 0.6;
        let today = day("2010-01-01");
        assert_eq!(read.confidence(today)["id"], 99);
        // the rest on `1`, `B` or `V`, which count as `L` does in every check digit
        read.zone_check_blind[1][0] = 0.4;
        assert_eq!(read.confidence(today)["id"], 60);
    }

    #[test]
    fn check_digits_that_hold_only_after_a_correction_add_no_confidence() {
        let mut corrected = zone(&PASSPORT);
        corrected.zone_certainty = vec![vec![0.99; 44], vec![0.99; 44]];
        corrected.zone_certainty[1][15] = 0.6;
        corrected.zone_corrected = true;
        let today = day("2010-01-01");
        assert_eq!(corrected.confidence(today)["dob"], 60);
        let tests = validation_tests(&[corrected], today, None, REQUIRED);
        assert_eq!(outcome(&tests, "DocumentReading").0, "Failed");
    }

    #[test]
    fn a_wrong_check_digit_is_named() {
        let tampered = [PASSPORT[0], "L898902C36UTO7408123F1204159ZE184226B<<<<<10"];
        let tests = validation_tests(&[zone(&tampered)], day("2010-01-01"), None, REQUIRED);
        let (status, reason) = outcome(&tests, "MrzCheckDigits");
        assert_eq!(status, "Failed");
        assert!(reason.contains("date_of_birth"), "{reason}");
        assert!(reason.contains("composite"), "{reason}");
    }

    #[test]
    fn a_declared_type_must_be_the_document_read() {
        let tests = validation_tests(
            &[zone(&PASSPORT)],
            day("2010-01-01"),
            Some(DocumentKind::DriverLicense),
            REQUIRED,
        );
        assert_eq!(
            outcome(&tests, "DocumentType"),
            (
                "Failed",
                "A driver licence was declared but the document is a passport"
            )
        );
        let card = [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
        ];
        for declared in [DocumentKind::IdCard, DocumentKind::ResidencePermit] {
            let tests =
                validation_tests(&[zone(&card)], day("2010-01-01"), Some(declared), REQUIRED);
            assert_eq!(outcome(&tests, "DocumentType").0, "Passed", "{declared}");
        }
    }

    #[test]
    fn nothing_read_fails_reading_and_expiry_and_skips_the_rest() {
        let tests = validation_tests(
            &[Reading::default()],
            day("2010-01-01"),
            Some(DocumentKind::IdCard),
            REQUIRED,
        );
        let statuses: Vec<&str> = tests
            .iter()
            .map(|test| test.status_string.as_str())
            .collect();
        assert_eq!(
            statuses,
            ["Failed", "Skipped", "Failed", "Skipped", "Skipped"]
        );
        assert_eq!(expired(&[Reading::default()], day("2010-01-01")), None);
    }

    #[test]
    fn the_two_sides_must_agree() {
        let payload = "@\n\u{1e}\rANSI 636000090001DL00310070DLDCSERIKSSON\nDACANNA\nDADMARIA\nDBB08121974\nDBA04152012\nDAQL898902C3\r";
        let licence = Reading {
            licence: Some(aamva::parse(payload).unwrap()),
            ..Reading::default()
        };
        let today = day("2010-01-01");
        let same = validation_tests(&[zone(&PASSPORT), licence.clone()], today, None, REQUIRED);
        assert_eq!(outcome(&same, "DocumentSidesConsistency").0, "Passed");

        let other = payload.replace("DBB08121974", "DBB08131974");
        let other = Reading {
            licence: Some(aamva::parse(&other).unwrap()),
            ..Reading::default()
        };
        let differ = validation_tests(&[zone(&PASSPORT), other], today, None, REQUIRED);
        assert_eq!(
            outcome(&differ, "DocumentSidesConsistency"),
            ("Failed", "The two sides disagree on dob")
        );
    }
}

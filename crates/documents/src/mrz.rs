//! The machine-readable zone of ICAO 9303 travel documents: TD1 (ID cards, 3×30), TD2 (2×36)
//! and TD3 (passports, 2×44). [`parse`] reads recognised lines into fields and verifies every
//! check digit; a character the recogniser confused is corrected by what its field may hold
//! (digits in dates and check digits, letters in country codes and names), never by guessing
//! where a check digit would allow either. (The zone reader may still try the recogniser's own
//! second choices for a failing check: `ocr::corrected`.)

use chrono::{Datelike, NaiveDate};

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::Display, serde::Serialize)]
pub enum Format {
    #[strum(serialize = "TD1")]
    #[serde(rename = "TD1")]
    Td1,
    #[strum(serialize = "TD2")]
    #[serde(rename = "TD2")]
    Td2,
    #[strum(serialize = "TD3")]
    #[serde(rename = "TD3")]
    Td3,
}

impl Format {
    /// The format whose lines have this shape.
    fn of(lines: &[String]) -> Option<Self> {
        let lengths: Vec<usize> = lines.iter().map(String::len).collect();
        match lengths.as_slice() {
            [30, 30, 30] => Some(Self::Td1),
            [36, 36] => Some(Self::Td2),
            [44, 44] => Some(Self::Td3),
            _ => None,
        }
    }

    pub fn line_length(self) -> usize {
        match self {
            Self::Td1 => 30,
            Self::Td2 => 36,
            Self::Td3 => 44,
        }
    }
}

/// The fields a check digit guards, as ICAO 9303 part 3 names them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, strum::Display, strum::IntoStaticStr, serde::Serialize,
)]
#[strum(serialize_all = "snake_case")]
#[serde(rename_all = "camelCase")]
pub enum Checked {
    DocumentNumber,
    DateOfBirth,
    ExpiryDate,
    /// TD3's personal number; a field of fillers may carry `<` or `0` as its digit.
    OptionalData,
    Composite,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    pub field: Checked,
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mrz {
    pub format: Format,
    /// `P`, `I`, `ID`, `AC`...: the first two characters without fillers.
    pub document_type: String,
    pub issuing_country: String,
    pub surname: String,
    /// Given names separated by single spaces.
    pub given_names: String,
    pub document_number: String,
    pub nationality: String,
    /// `YYMMDD`, as printed.
    pub date_of_birth: String,
    /// `M`, `F`, or `X` (the zone's `<`: unspecified).
    pub sex: char,
    /// `YYMMDD`, as printed.
    pub expiry_date: String,
    pub optional_data: String,
    /// TD1's second optional field (line 2).
    pub optional_data_2: Option<String>,
    pub checks: Vec<Check>,
    /// The lines as read, after corrections.
    pub lines: Vec<String>,
}

impl Mrz {
    pub fn all_checks_passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    pub fn failed_checks(&self) -> impl Iterator<Item = Checked> + '_ {
        self.checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| check.field)
    }

    /// The date of birth; a two-digit year is in the past century when it would otherwise be
    /// after `today`.
    pub fn birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (yy, month, day) = yymmdd(&self.date_of_birth)?;
        let year = 2000 + yy;
        let year = if year > today.year() {
            year - 100
        } else {
            year
        };
        NaiveDate::from_ymd_opt(year, month, day)
    }

    /// The expiry date; documents are valid for at most a few decades, so a two-digit year more
    /// than 50 years before `today` is in the next century.
    pub fn expiry(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (yy, month, day) = yymmdd(&self.expiry_date)?;
        let year = 2000 + yy;
        let year = if year < today.year() - 50 {
            year + 100
        } else {
            year
        };
        NaiveDate::from_ymd_opt(year, month, day)
    }
}

fn yymmdd(text: &str) -> Option<(i32, u32, u32)> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(number(0..2)?).ok()?;
    Some((year, number(2..4)?, number(4..6)?))
}

/// ICAO 9303 part 3 §4.9: weights 7, 3, 1 over digits, letters (A = 10 ... Z = 35) and `<` (0).
pub fn check_digit(text: &str) -> Option<u8> {
    let mut sum = 0u32;
    for (index, c) in text.bytes().enumerate() {
        sum += check_value(c)? * [7, 3, 1][index % 3];
    }
    Some((sum % 10) as u8)
}

/// What a character counts for in a check digit: digits their value, `A` to `Z` 10 to 35, the
/// filler 0. The weights 7, 3 and 1 are prime to 10, so two characters whose values agree
/// modulo 10 (`0`, `A`, `K`, `U` and `<`; `6`, `G` and `Q`...) are one to every check digit.
pub fn check_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

fn check(field: Checked, data: &str, digit: char) -> Check {
    Check {
        field,
        passed: passes(data, digit),
    }
}

fn passes(data: &str, digit: char) -> bool {
    let expected = check_digit(data);
    match digit {
        // A field of fillers may leave its digit as a filler.
        '<' => data.chars().all(|c| c == '<'),
        _ => expected.is_some_and(|expected| digit.to_digit(10) == Some(u32::from(expected))),
    }
}

/// What a position may hold, for correcting a recogniser's confusions. Fields of letters and
/// digits (the document number, optional data) are left as read: a check digit cannot tell
/// which of several corrections is right, and one that happened to pass would report a wrong
/// number as verified.
#[derive(Clone, Copy)]
enum Kind {
    Digit,
    Letter,
}

fn as_digit(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        _ => c,
    }
}

fn as_letter(c: char) -> char {
    match c {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '5' => 'S',
        '6' => 'G',
        '8' => 'B',
        _ => c,
    }
}

fn correct(line: &mut [char], range: std::ops::Range<usize>, kind: Kind) {
    for c in &mut line[range] {
        *c = match kind {
            Kind::Digit if *c != '<' => as_digit(*c),
            Kind::Digit => *c,
            Kind::Letter => as_letter(*c),
        };
    }
}

fn text(line: &[char], range: std::ops::Range<usize>) -> String {
    line[range].iter().collect()
}

/// A field as printed, without the fillers that pad it.
fn without_fillers(line: &[char], range: std::ops::Range<usize>) -> String {
    text(line, range).trim_end_matches('<').to_owned()
}

/// `SURNAME<<GIVEN<NAMES<<<`: the surname, then the given names.
fn names(field: &str) -> (String, String) {
    let field = field.trim_end_matches('<');
    let (surname, given) = field.split_once("<<").unwrap_or((field, ""));
    let words = |part: &str| {
        part.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (words(surname), words(given))
}

/// The lines of a zone as text: upper case, blanks removed, only `A-Z`, `0-9` and `<`.
fn clean(lines: &[&str]) -> Result<Vec<String>, Error> {
    let lines: Vec<String> = lines
        .iter()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect::<String>()
        })
        .filter(|line| !line.is_empty())
        .collect();
    if let Some(bad) = lines
        .iter()
        .flat_map(|line| line.chars())
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '<'))
    {
        return Err(Error::MrzCharacter(bad));
    }
    Ok(lines)
}

/// Reads a zone from its lines (top to bottom).
pub fn parse(lines: &[&str]) -> Result<Mrz, Error> {
    let lines = clean(lines)?;
    let format = Format::of(&lines).ok_or_else(|| Error::MrzShape(lines.clone()))?;
    let mut chars: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    match format {
        Format::Td1 => Ok(td1(&mut chars)),
        Format::Td2 | Format::Td3 => Ok(td2_or_td3(format, &mut chars)),
    }
}

/// The document number (without its trailing fillers, which count 0 towards the check digit)
/// and its check digit; a number longer than nine characters (TD1, TD2) leaves `<` in the
/// digit's place and continues in the optional data up to its own digit.
fn document_number(
    line: &mut [char],
    number: std::ops::Range<usize>,
    optional: std::ops::Range<usize>,
) -> (String, char, String) {
    let digit_at = number.end;
    let mut value = text(line, number.clone());
    let mut digit = line[digit_at];
    let mut rest = without_fillers(line, optional.clone());
    if digit == '<' && optional.start == digit_at + 1 {
        let extension = text(line, optional.clone());
        let extension = extension.trim_end_matches('<');
        if let Some((last_index, last)) = extension.char_indices().last() {
            value.push_str(&extension[..last_index]);
            digit = as_digit(last);
            rest = String::new();
        }
    } else {
        digit = as_digit(digit);
        line[digit_at] = digit;
    }
    (value.trim_end_matches('<').to_owned(), digit, rest)
}

fn td2_or_td3(format: Format, lines: &mut [Vec<char>]) -> Mrz {
    let end = format.line_length();
    let (first, second) = lines.split_at_mut(1);
    let (top, bottom) = (&mut first[0], &mut second[0]);
    correct(top, 0..end, Kind::Letter);
    correct(bottom, 10..13, Kind::Letter);
    correct(bottom, 13..20, Kind::Digit);
    correct(bottom, 20..21, Kind::Letter);
    correct(bottom, 21..28, Kind::Digit);
    correct(bottom, end - 1..end, Kind::Digit);
    let optional = 28..end - if format == Format::Td3 { 2 } else { 1 };
    if format == Format::Td3 {
        correct(bottom, end - 2..end - 1, Kind::Digit);
    }
    let (surname, given_names) = names(&text(top, 5..end));
    let (document_number, number_digit, optional_data) = if format == Format::Td2 {
        document_number(bottom, 0..9, optional.clone())
    } else {
        let (number, digit, _) = document_number(bottom, 0..9, 9..9);
        (number, digit, without_fillers(bottom, optional.clone()))
    };
    let mut checks = vec![
        check(Checked::DocumentNumber, &document_number, number_digit),
        check(Checked::DateOfBirth, &text(bottom, 13..19), bottom[19]),
        check(Checked::ExpiryDate, &text(bottom, 21..27), bottom[27]),
    ];
    if format == Format::Td3 {
        let personal_number = text(bottom, optional.clone());
        checks.push(check(
            Checked::OptionalData,
            &personal_number,
            bottom[end - 2],
        ));
    }
    let composite = [&bottom[0..10], &bottom[13..20], &bottom[21..end - 1]]
        .concat()
        .into_iter()
        .collect::<String>();
    checks.push(check(Checked::Composite, &composite, bottom[end - 1]));
    Mrz {
        format,
        document_type: without_fillers(top, 0..2),
        issuing_country: without_fillers(top, 2..5),
        surname,
        given_names,
        document_number,
        nationality: without_fillers(bottom, 10..13),
        date_of_birth: text(bottom, 13..19),
        sex: sex(bottom[20]),
        expiry_date: text(bottom, 21..27),
        optional_data,
        optional_data_2: None,
        checks,
        lines: lines.iter().map(|l| l.iter().collect()).collect(),
    }
}

fn td1(lines: &mut [Vec<char>]) -> Mrz {
    let (first, rest) = lines.split_at_mut(1);
    let (second, third) = rest.split_at_mut(1);
    let (top, middle, bottom) = (&mut first[0], &mut second[0], &mut third[0]);
    correct(top, 0..5, Kind::Letter);
    correct(middle, 0..7, Kind::Digit);
    correct(middle, 7..8, Kind::Letter);
    correct(middle, 8..15, Kind::Digit);
    correct(middle, 15..18, Kind::Letter);
    correct(middle, 29..30, Kind::Digit);
    correct(bottom, 0..30, Kind::Letter);
    let (document_number, number_digit, optional_data) = document_number(top, 5..14, 15..30);
    let (surname, given_names) = names(&text(bottom, 0..30));
    let composite = [&top[5..30], &middle[0..7], &middle[8..15], &middle[18..29]]
        .concat()
        .into_iter()
        .collect::<String>();
    let checks = vec![
        check(Checked::DocumentNumber, &document_number, number_digit),
        check(Checked::DateOfBirth, &text(middle, 0..6), middle[6]),
        check(Checked::ExpiryDate, &text(middle, 8..14), middle[14]),
        check(Checked::Composite, &composite, middle[29]),
    ];
    Mrz {
        format: Format::Td1,
        document_type: without_fillers(top, 0..2),
        issuing_country: without_fillers(top, 2..5),
        surname,
        given_names,
        document_number,
        nationality: without_fillers(middle, 15..18),
        date_of_birth: text(middle, 0..6),
        sex: sex(middle[7]),
        expiry_date: text(middle, 8..14),
        optional_data,
        optional_data_2: Some(without_fillers(middle, 18..29)),
        checks,
        lines: lines.iter().map(|l| l.iter().collect()).collect(),
    }
}

fn sex(c: char) -> char {
    match c {
        'M' | 'F' => c,
        _ => 'X',
    }
}

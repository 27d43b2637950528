//! The payload of a driving licence's PDF417 barcode, AAMVA DL/ID card design standard
//! (versions 1 to 10): the header (`@`, LF, RS, CR, `ANSI ` or `AAMVA`, the issuer's IIN, the
//! versions, the subfile directory), then the `DL` or `ID` subfile of data elements, each a
//! three-letter id and its value, one per line.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::Error;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Licence {
    /// The issuer's identification number (six digits, `636xxx` for US states and provinces).
    pub iin: String,
    pub aamva_version: u8,
    /// The jurisdiction's own version (absent in version 1).
    pub jurisdiction_version: Option<u8>,
    /// `DL` or `ID`.
    pub subfile: String,
    /// Every data element of that subfile by id, values trimmed of padding.
    pub elements: BTreeMap<String, String>,
}

/// Data element separator, record separator and segment terminator.
const LF: char = '\n';
const RS: char = '\u{1e}';
const CR: char = '\r';

pub fn parse(payload: &str) -> Result<Licence, Error> {
    let start = payload
        .find("ANSI ")
        .map(|at| at + "ANSI ".len())
        .or_else(|| payload.find("AAMVA").map(|at| at + "AAMVA".len()))
        .ok_or(Error::NotAamva("no ANSI or AAMVA file type"))?;
    if !payload[..start].starts_with('@') {
        return Err(Error::NotAamva("no compliance indicator"));
    }
    let header = &payload[start..];
    let digits = |range: std::ops::Range<usize>| -> Result<&str, Error> {
        header
            .get(range)
            .filter(|text| text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Error::NotAamva("a malformed header"))
    };
    let iin = digits(0..6)?.to_owned();
    let aamva_version: u8 = digits(6..8)?.parse().unwrap_or_default();
    let (jurisdiction_version, directory) = if aamva_version >= 2 {
        (Some(digits(8..10)?.parse().unwrap_or_default()), 12)
    } else {
        (None, 10)
    };
    let subfile_type = header
        .get(directory..directory + 2)
        .filter(|t| *t == "DL" || *t == "ID")
        .ok_or(Error::NotAamva("no DL or ID subfile"))?;
    let subfile = subfile_data(payload, header, directory, subfile_type)?;
    Ok(Licence {
        iin,
        aamva_version,
        jurisdiction_version,
        subfile: subfile_type.to_owned(),
        elements: elements(subfile),
    })
}

/// The subfile's text: at the directory's offset when that points at its type, else (offsets
/// are often wrong in the field) after the directory, where the type begins the data.
fn subfile_data<'a>(
    payload: &'a str,
    header: &'a str,
    directory: usize,
    subfile_type: &str,
) -> Result<&'a str, Error> {
    let offset: Option<usize> = header
        .get(directory + 2..directory + 6)
        .and_then(|o| o.parse().ok());
    let at_offset = offset
        .and_then(|offset| payload.get(offset..))
        .filter(|data| data.starts_with(subfile_type));
    let data = match at_offset {
        Some(data) => data,
        None => {
            let after_directory = &header[directory + 10..];
            let at = after_directory
                .find(&format!("{subfile_type}D"))
                .ok_or(Error::NotAamva(
                    "the subfile is not where the directory says",
                ))?;
            &after_directory[at..]
        }
    };
    let data = &data[subfile_type.len()..];
    Ok(data.split(CR).next().unwrap_or(data))
}

fn elements(subfile: &str) -> BTreeMap<String, String> {
    subfile
        .split([LF, RS])
        .filter_map(|line| {
            let id = line.get(0..3)?;
            id.bytes()
                .all(|b| b.is_ascii_uppercase())
                .then(|| (id.to_owned(), line[3..].trim().to_owned()))
        })
        .collect()
}

impl Licence {
    pub fn element(&self, id: &str) -> Option<&str> {
        self.elements
            .get(id)
            .map(String::as_str)
            .filter(|value| !value.is_empty() && !value.eq_ignore_ascii_case("NONE"))
    }

    /// Canadian cards write dates `CCYYMMDD`, US cards `MMDDCCYY` (version 1: `CCYYMMDD`).
    fn canadian(&self) -> bool {
        self.element("DCG")
            .map_or_else(|| canadian_iin(&self.iin), |country| country == "CAN")
    }

    pub fn date(&self, id: &str) -> Option<NaiveDate> {
        let raw = self.element(id)?;
        let year_first = self.canadian() || self.aamva_version == 1;
        let (first, second) = if year_first {
            ("%Y%m%d", "%m%d%Y")
        } else {
            ("%m%d%Y", "%Y%m%d")
        };
        NaiveDate::parse_from_str(raw, first)
            .or_else(|_| NaiveDate::parse_from_str(raw, second))
            .ok()
    }

    pub fn family_name(&self) -> Option<&str> {
        self.element("DCS").or_else(|| self.element("DAB"))
    }

    pub fn first_name(&self) -> Option<&str> {
        self.element("DAC").or_else(|| self.element("DCT"))
    }

    pub fn middle_name(&self) -> Option<&str> {
        self.element("DAD")
    }

    /// `DBC`: 1 male, 2 female, 9 not specified (some issuers write `M`/`F`).
    pub fn sex(&self) -> Option<char> {
        match self.element("DBC")? {
            "1" | "M" => Some('M'),
            "2" | "F" => Some('F'),
            _ => None,
        }
    }

    /// The postal code: a US ZIP+4 as `12345-6789`, anything else as written.
    pub fn postal_code(&self) -> Option<String> {
        let raw = self.element("DAK")?;
        let digits: String = raw.chars().filter(char::is_ascii_alphanumeric).collect();
        Some(
            match (
                digits.len(),
                digits.bytes().all(|b| b.is_ascii_digit()),
                self.canadian(),
            ) {
                (9, true, false) if !digits.ends_with("0000") => {
                    format!("{}-{}", &digits[..5], &digits[5..])
                }
                (9, true, false) => digits[..5].to_owned(),
                _ => raw.to_owned(),
            },
        )
    }
}

/// The provinces' IINs (AAMVA's list): Canadian cards without a `DCG` element.
fn canadian_iin(iin: &str) -> bool {
    matches!(
        iin,
        "604427"
            | "604428"
            | "604429"
            | "604430"
            | "604431"
            | "604432"
            | "604433"
            | "636012"
            | "636016"
            | "636017"
            | "636028"
            | "636044"
            | "636048"
    )
}

//! Reading identity documents: the machine-readable zone of passports and ID cards
//! ([`mrz`], ICAO 9303) and the PDF417 barcode of US and Canadian driving licences ([`aamva`],
//! the AAMVA DL/ID card design standard, found in the picture by [`pdf417`]); the zone is found
//! and recognised by [`ocr`]. What the document says and whether its own checks hold; the caller
//! decodes pictures.

pub mod aamva;
pub mod checks;
pub mod countries;
pub mod fields;
pub mod mrz;
pub mod names;
pub mod ocr;
pub mod pdf417;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use image::RgbImage;
use serde::Serialize;

pub use checks::{DocumentKind, validation_tests};
pub use fields::DocumentFields;

/// What one picture of a document gave: its barcode (and the licence in it) and its zone.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reading {
    pub barcode: Option<String>,
    pub licence: Option<aamva::Licence>,
    pub zone: Option<mrz::Mrz>,
    /// How sure the recogniser was of each character of the zone, line by line (0 to 1).
    #[serde(skip)]
    pub zone_certainty: Vec<Vec<f32>>,
    /// How likely each character is to be another that no check digit tells from it
    /// ([`ocr::ReadZone::check_blind`]).
    #[serde(skip)]
    pub zone_check_blind: Vec<Vec<f32>>,
    /// The zone's characters were corrected until its checks held ([`ocr::ReadZone::corrected`]).
    #[serde(skip)]
    pub zone_corrected: bool,
}

impl Reading {
    /// The day the document expires (its zone's two-digit year read against `today`).
    pub fn expiry(&self, today: NaiveDate) -> Option<NaiveDate> {
        match (&self.licence, &self.zone) {
            (Some(licence), _) => licence.date("DBA"),
            (None, Some(zone)) => zone.expiry(today),
            (None, None) => None,
        }
    }

    /// How sure the reading is of each of BAF's `document` fields it gives, 0 to 100 (BAF's
    /// `verificationConfidence`): a barcode carries error correction, so a licence's fields are
    /// certain; a zone's field is as sure as its least certain character.
    pub fn confidence(&self, today: NaiveDate) -> BTreeMap<String, u8> {
        let Some(fields) = self.fields(today) else {
            return BTreeMap::new();
        };
        let read = fields.to_map();
        match (&self.licence, &self.zone) {
            (Some(_), _) => read.into_keys().map(|name| (name, 100)).collect(),
            (None, Some(zone)) => fields::zone_confidence(
                zone,
                &self.zone_certainty,
                &self.zone_check_blind,
                self.zone_corrected,
            )
            .into_iter()
            .filter(|(name, _)| read.contains_key(name))
            .collect(),
            (None, None) => BTreeMap::new(),
        }
    }

    /// The document's fields: from the licence when there is one, else from the zone.
    pub fn fields(&self, today: NaiveDate) -> Option<DocumentFields> {
        self.licence
            .as_ref()
            .map(DocumentFields::from_licence)
            .or_else(|| {
                self.zone
                    .as_ref()
                    .map(|zone| DocumentFields::from_zone(zone, today))
            })
    }
}

/// The whole reader: a PDF417 licence barcode first (cheap, and exact when found), then the
/// machine-readable zone, then the barcode again in the picture turned level.
pub struct Reader {
    zones: ocr::ZoneReader,
}

impl Reader {
    /// Loads the text models from `models` on the ONNX Runtime library `dylib`.
    pub fn open(dylib: &Path, models: &Path) -> Result<Self, Error> {
        Ok(Self {
            zones: ocr::ZoneReader::open(dylib, models)?,
        })
    }

    /// Loads the text models from `models` in the process's ONNX Runtime environment `env`.
    pub fn open_in(env: &ort::environment::Environment, models: &Path) -> Result<Self, Error> {
        Ok(Self {
            zones: ocr::ZoneReader::open_in(env, models)?,
        })
    }

    pub fn read(&mut self, picture: &RgbImage) -> Result<Reading, Error> {
        let grey = image::imageops::grayscale(picture);
        let mut barcode = pdf417::read(&grey);
        let mut licence = barcode.as_deref().and_then(|text| aamva::parse(text).ok());
        let zone = match licence {
            Some(_) => None,
            None => self.zones.read_zone(picture)?,
        };
        // A licence photographed askew is looked for again turned level, but only when neither
        // a barcode nor a zone was found: a passport's photo pays nothing for it.
        if barcode.is_none() && zone.is_none() {
            barcode = pdf417::read_turned(&grey);
            licence = barcode.as_deref().and_then(|text| aamva::parse(text).ok());
        }
        let (zone, zone_certainty, zone_check_blind, zone_corrected) = match zone {
            Some(read) => (
                Some(read.zone),
                read.certainty,
                read.check_blind,
                read.corrected,
            ),
            None => (None, Vec::new(), Vec::new(), false),
        };
        Ok(Reading {
            barcode,
            licence,
            zone,
            zone_certainty,
            zone_check_blind,
            zone_corrected,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the machine-readable zone holds '{0}', which is not A-Z, 0-9 or <")]
    MrzCharacter(char),
    #[error("{} lines of {:?} characters are no TD1, TD2 or TD3 zone", .0.len(), .0.iter().map(String::len).collect::<Vec<_>>())]
    MrzShape(Vec<String>),
    #[error("the barcode is not an AAMVA card: {0}")]
    NotAamva(&'static str),
    #[error("the text {model} failed: {detail}")]
    Model { model: &'static str, detail: String },
}

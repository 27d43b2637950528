//! Reading identity documents: the machine-readable zone of passports and ID cards
//! ([`mrz`], ICAO 9303) and the PDF417 barcode of US and Canadian driving licences ([`aamva`],
//! the AAMVA DL/ID card design standard, found in the picture by [`pdf417`]); the zone is found
//! and recognised by [`ocr`]. What the document says and whether its own checks hold; the caller
//! decodes pictures.

pub mod aamva;
pub mod mrz;
pub mod ocr;
pub mod pdf417;

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

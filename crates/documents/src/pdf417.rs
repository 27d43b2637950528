//! Finding and decoding a PDF417 barcode in a picture, with rxing (a Rust port of ZXing). The
//! caller decodes the picture (within its memory limits) and hands over its grey levels.

use image::GrayImage;
use rxing::{BarcodeFormat, DecodeHints};

/// The barcode's text, or `None` when no PDF417 symbol could be found and decoded. rxing's
/// Reed-Solomon correction either recovers the payload or fails: it never returns a guess.
pub fn read(image: &GrayImage) -> Option<String> {
    let mut hints = DecodeHints {
        TryHarder: Some(true),
        PureBarcode: Some(false),
        ..DecodeHints::default()
    };
    rxing::helpers::detect_in_luma_slice_with_hints(
        image.as_raw(),
        image.width(),
        image.height(),
        Some(BarcodeFormat::PDF_417),
        &mut hints,
    )
    .ok()
    .map(|result| result.getText().to_owned())
}

//! Image intake: base64 (with or without a `data:` prefix) → bytes → 8-bit RGB pixels with EXIF
//! orientation applied. Limits are checked on the header before any pixel is decoded, so a
//! decompression bomb costs a header parse.

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

use crate::error::Error;

/// Bounds on what an upload may be. Checked from the header, before decoding.
#[derive(Clone, Debug)]
pub struct ImageLimits {
    /// Encoded size, after base64.
    pub max_bytes: usize,
    /// Width × height.
    pub max_pixels: u64,
    pub max_side: u32,
    /// Smaller images cannot hold a face the detector finds reliably.
    pub min_side: u32,
}

impl Default for ImageLimits {
    /// Room for 36 MP phone photos (the largest test photo is 7360×4912, 2.5 MB).
    fn default() -> Self {
        Self {
            max_bytes: 20 << 20,
            max_pixels: 50_000_000,
            max_side: 16_384,
            min_side: 32,
        }
    }
}

/// Decodes base64 image text, accepting a `data:image/...;base64,` prefix, surrounding whitespace and
/// missing padding, as browsers and mobile SDKs send all three.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Error> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let text = text.trim();
    let payload = match text.strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map_or("", |(_, data)| data),
        None => text,
    };
    if payload.is_empty() {
        return Err(Error::EmptyImage);
    }
    LENIENT.decode(payload).map_err(Error::InvalidBase64)
}

/// Decodes an encoded image to RGB with EXIF orientation applied, as the reference does with Pillow:
/// alpha is dropped (not composited), palette and grey are expanded, only the first frame is used.
/// A truncated or otherwise incomplete file is `NotAnImage`.
pub fn decode_image(data: &[u8], limits: &ImageLimits) -> Result<RgbImage, Error> {
    if data.is_empty() {
        return Err(Error::EmptyImage);
    }
    check(limits.max_bytes as u64, "bytes", data.len() as u64)?;
    match image::guess_format(data) {
        Ok(ImageFormat::Jpeg) => decode_jpeg(data, limits),
        Ok(
            ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Bmp
            | ImageFormat::Gif
            | ImageFormat::Tiff,
        ) => decode_other(data, limits),
        _ => Err(Error::NotAnImage(None)),
    }
}

fn check(limit: u64, what: &'static str, value: u64) -> Result<(), Error> {
    if value > limit {
        Err(Error::ImageTooLarge { what, value, limit })
    } else {
        Ok(())
    }
}

fn check_dimensions(width: u32, height: u32, limits: &ImageLimits) -> Result<(), Error> {
    check(
        u64::from(limits.max_side),
        "side",
        u64::from(width.max(height)),
    )?;
    check(
        limits.max_pixels,
        "pixels",
        u64::from(width) * u64::from(height),
    )?;
    if width.min(height) < limits.min_side {
        return Err(Error::ImageTooSmall {
            width,
            height,
            min_side: limits.min_side,
        });
    }
    Ok(())
}

fn not_an_image(e: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::NotAnImage(Some(Box::new(e)))
}

/// JPEG goes to zune-jpeg directly because only its strict mode refuses truncated entropy data; the
/// image crate runs it lenient and returns a grey-padded picture for `invalid/cf_truncated.jpg`.
fn decode_jpeg(data: &[u8], limits: &ImageLimits) -> Result<RgbImage, Error> {
    // zune's own size limits would fail as a decode error; ours below answer ImageTooLarge.
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder.decode_headers().map_err(not_an_image)?;
    let info = decoder.info().ok_or(Error::NotAnImage(None))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_dimensions(width, height, limits)?;
    check_jpeg_data(data, width, height)?;
    let orientation = decoder
        .exif()
        .and_then(|exif| Orientation::from_exif_chunk(exif));
    let pixels = decoder.decode().map_err(not_an_image)?;
    let rgb = RgbImage::from_raw(width, height, pixels).ok_or(Error::NotAnImage(None))?;
    Ok(oriented(DynamicImage::ImageRgb8(rgb), orientation))
}

/// zune's strict mode still paints grey the blocks a scan never reached when its data stops at a
/// marker, so a truncated upload would decode at the size its header claims. Refused: a file
/// without its end-of-image marker after the first scan, or with less scan data than one bit per
/// 8×8 luminance block (no Huffman code is shorter; arithmetic coding, which could be, is not
/// supported).
fn check_jpeg_data(data: &[u8], width: u32, height: u32) -> Result<(), Error> {
    let truncated = || {
        not_an_image(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the JPEG data ends before its picture is complete",
        ))
    };
    let scan = data
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .ok_or_else(truncated)?;
    let coded = &data[scan..];
    let ended = coded.windows(2).any(|w| w == [0xFF, 0xD9]);
    let blocks = u64::from(width.div_ceil(8)) * u64::from(height.div_ceil(8));
    if !ended || (coded.len() as u64) * 8 < blocks {
        return Err(truncated());
    }
    Ok(())
}

fn decode_other(data: &[u8], limits: &ImageLimits) -> Result<RgbImage, Error> {
    let reader = ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .map_err(not_an_image)?;
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    let orientation = decoder.orientation().ok();
    let image = DynamicImage::from_decoder(decoder).map_err(not_an_image)?;
    Ok(oriented(image, orientation))
}

fn oriented(mut image: DynamicImage, orientation: Option<Orientation>) -> RgbImage {
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    match image {
        DynamicImage::ImageRgb8(rgb) => rgb,
        // 16-bit input is scaled to 8 bits here; Pillow would saturate grey-16 instead (README, "16-bit").
        other => other.to_rgb8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        RgbImage::new(width, height)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn base64_accepts_data_urls_whitespace_and_missing_padding() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64(" aGk \n").unwrap(), b"hi");
        assert_eq!(decode_base64("data:image/png;base64,aGk").unwrap(), b"hi");
        assert!(matches!(decode_base64(""), Err(Error::EmptyImage)));
        assert!(matches!(
            decode_base64("data:image/png;base64,"),
            Err(Error::EmptyImage)
        ));
        assert!(matches!(
            decode_base64("not base64!"),
            Err(Error::InvalidBase64(_))
        ));
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        let limits = ImageLimits {
            max_pixels: 100 * 100,
            ..ImageLimits::default()
        };
        assert!(decode_image(&png(100, 100), &limits).is_ok());
        assert!(matches!(
            decode_image(&png(101, 100), &limits),
            Err(Error::ImageTooLarge {
                what: "pixels",
                value: 10100,
                limit: 10000
            })
        ));
        assert!(matches!(
            decode_image(&png(100, 20), &limits),
            Err(Error::ImageTooSmall { .. })
        ));
        let tiny = ImageLimits {
            max_bytes: 10,
            ..ImageLimits::default()
        };
        assert!(matches!(
            decode_image(&png(100, 100), &tiny),
            Err(Error::ImageTooLarge { what: "bytes", .. })
        ));
    }

    #[test]
    fn a_header_claiming_a_huge_canvas_is_refused_without_decoding() {
        let mut bomb = Vec::new();
        RgbImage::new(64, 64)
            .write_to(&mut Cursor::new(&mut bomb), ImageFormat::Bmp)
            .unwrap();
        // BMP keeps width and height at bytes 18..26 with no checksum: the file now claims 60000x60000
        // (10.8 GB of pixels) but holds 64x64.
        bomb[18..22].copy_from_slice(&60_000i32.to_le_bytes());
        bomb[22..26].copy_from_slice(&60_000i32.to_le_bytes());
        assert!(matches!(
            decode_image(&bomb, &ImageLimits::default()),
            Err(Error::ImageTooLarge {
                what: "side",
                value: 60_000,
                ..
            })
        ));
    }

    #[test]
    fn an_oversized_jpeg_is_too_large_not_undecodable() {
        let mut jpeg = Vec::new();
        RgbImage::new(64, 48)
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let limits = ImageLimits {
            max_side: 50,
            ..ImageLimits::default()
        };
        assert!(matches!(
            decode_image(&jpeg, &limits),
            Err(Error::ImageTooLarge {
                what: "side",
                value: 64,
                limit: 50
            })
        ));
    }

    /// A JPEG whose header claims far more pixels than its data can hold: the bytes of a 64×64
    /// picture under a 7000×7000 frame header, as a truncated upload would be.
    #[test]
    fn a_jpeg_with_too_little_data_for_its_frame_is_refused() {
        let mut jpeg = Vec::new();
        RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 128]))
            .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
            .unwrap();
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("a baseline frame header");
        // SOF0: marker, length (2), precision (1), height (2), width (2)
        jpeg[sof + 5..sof + 7].copy_from_slice(&7000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&7000u16.to_be_bytes());
        assert!(jpeg.len() < 2000, "{}", jpeg.len());
        let decoded = decode_image(&jpeg, &ImageLimits::default());
        assert!(
            matches!(decoded, Err(Error::NotAnImage(_))),
            "{:?}",
            decoded.map(|image| image.dimensions())
        );
    }

    #[test]
    fn non_images_are_refused() {
        assert!(matches!(
            decode_image(b"", &ImageLimits::default()),
            Err(Error::EmptyImage)
        ));
        assert!(matches!(
            decode_image(b"hello world", &ImageLimits::default()),
            Err(Error::NotAnImage(_))
        ));
    }
}

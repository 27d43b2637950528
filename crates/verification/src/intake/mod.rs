//! Image intake: base64 (with or without a `data:` prefix) → bytes → 8-bit RGB pixels with EXIF
//! orientation applied. Limits are checked on the header before any pixel is decoded, so a
//! decompression bomb costs a header parse; what decoding will allocate is known from the header
//! too, and is reserved from a budget the workers share before decoding starts.

mod budget;
mod jpeg;

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

pub use budget::{DecodeBudget, Reservation};

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
    /// What decoding one image may allocate: its pixels as the decoder lays them out, their 8-bit
    /// RGB copy, a progressive JPEG's coefficients, a rotated copy. A JPEG beyond it decodes at
    /// 1/2, 1/4 or 1/8 of its size (the face models look at 640 pixels at most, and a face in a
    /// photo that large keeps hundreds); anything else beyond it is refused.
    pub max_decoded_bytes: u64,
}

impl ImageLimits {
    /// Room for 36 MP phone photos (the largest test photo is 7360×4912, 2.5 MB): up to 33 MP of
    /// baseline JPEG decode at full size, larger ones at half.
    pub const DEFAULT: Self = Self {
        max_bytes: 20 << 20,
        max_pixels: 50_000_000,
        max_side: 16_384,
        min_side: 32,
        max_decoded_bytes: 96 << 20,
    };
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self::DEFAULT
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
/// A truncated or otherwise incomplete file is `NotAnImage`. A JPEG too large to decode at full size
/// within `max_decoded_bytes` comes back at a reduced scale.
pub fn decode_image(data: &[u8], limits: &ImageLimits) -> Result<RgbImage, Error> {
    plan(data, limits)?.decode()
}

/// Decodes as [`decode_image`] does once `budget` has room for what the decode will allocate; the
/// bytes stay reserved until the reservation is dropped, which the caller does when done with the
/// pixels.
pub fn decode_image_within(
    data: &[u8],
    limits: &ImageLimits,
    budget: &DecodeBudget,
) -> Result<(RgbImage, Reservation), Error> {
    let plan = plan(data, limits)?;
    let reservation = budget.reserve(plan.cost);
    Ok((plan.decode()?, reservation))
}

/// What decoding `data` will allocate at most, from its header alone: what
/// [`decode_image_within`] reserves.
pub fn decode_cost(data: &[u8], limits: &ImageLimits) -> Result<u64, Error> {
    Ok(plan(data, limits)?.cost)
}

/// A decode whose header has been read and whose cost is known.
struct Plan<'a> {
    source: Source<'a>,
    cost: u64,
    orientation: Option<Orientation>,
}

enum Source<'a> {
    // zune's decoder carries its tables inline (29 KB)
    Jpeg(Box<jpeg::FullScale<'a>>),
    ReducedJpeg(jpeg::Reduced<'a>),
    Other(Box<dyn ImageDecoder + 'a>),
}

impl<'a> Plan<'a> {
    /// `cost` is the decode's; turning the picture a quarter adds one more RGB copy of it.
    fn new(source: Source<'a>, cost: u64, orientation: Option<Orientation>) -> Self {
        Self {
            source,
            cost,
            orientation,
        }
    }

    fn decode(self) -> Result<RgbImage, Error> {
        let image = match self.source {
            Source::Jpeg(jpeg) => jpeg.decode()?,
            Source::ReducedJpeg(jpeg) => jpeg.decode()?,
            Source::Other(decoder) => DynamicImage::from_decoder(decoder).map_err(not_an_image)?,
        };
        Ok(oriented(image, self.orientation))
    }
}

fn plan<'a>(data: &'a [u8], limits: &ImageLimits) -> Result<Plan<'a>, Error> {
    if data.is_empty() {
        return Err(Error::EmptyImage);
    }
    check(limits.max_bytes as u64, "bytes", data.len() as u64)?;
    let plan = match image::guess_format(data) {
        Ok(ImageFormat::Jpeg) => jpeg::plan(data, limits)?,
        Ok(
            ImageFormat::Png
            | ImageFormat::WebP
            | ImageFormat::Bmp
            | ImageFormat::Gif
            | ImageFormat::Tiff,
        ) => plan_other(data, limits)?,
        _ => return Err(Error::NotAnImage(None)),
    };
    Ok(plan.with_rotation())
}

impl Plan<'_> {
    fn with_rotation(mut self) -> Self {
        let (width, height) = match &self.source {
            Source::Jpeg(jpeg) => jpeg.dimensions(),
            Source::ReducedJpeg(jpeg) => jpeg.dimensions(),
            Source::Other(decoder) => decoder.dimensions(),
        };
        if let Some(
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH,
        ) = self.orientation
        {
            self.cost += u64::from(width) * u64::from(height) * 3;
        }
        self
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

/// PNG, WebP, BMP, GIF and TIFF through the image crate, which cannot decode at a reduced size: one
/// that would cost more than `max_decoded_bytes` is refused.
fn plan_other<'a>(data: &'a [u8], limits: &ImageLimits) -> Result<Plan<'a>, Error> {
    let mut reader = ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .map_err(not_an_image)?;
    // The decoders' own allocations stop at the same bound, should the estimate below be short.
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_alloc = Some(limits.max_decoded_bytes);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    check_dimensions(width, height, limits)?;
    let pixels = decoder.total_bytes();
    let rgb = u64::from(width) * u64::from(height) * 3;
    let conversion = if decoder.color_type() == image::ColorType::Rgb8 {
        0
    } else {
        rgb
    };
    // Beside its output a decoder holds rows, tables and compressed chunks: at most an eighth of
    // the output for PNG and WebP (measured in tests/decode_memory.rs).
    let cost = pixels + conversion + pixels / 8;
    check(limits.max_decoded_bytes, "decoded bytes", cost)?;
    let orientation = decoder.orientation().ok();
    Ok(Plan::new(
        Source::Other(Box::new(decoder)),
        cost,
        orientation,
    ))
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

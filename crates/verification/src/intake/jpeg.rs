//! JPEG intake. The marker layout is read before any pixel is decoded: the frame's size and
//! sampling, whether it is progressive, how many scans it has and whether it ends. From these come
//! what decoding costs, and so the scale it is decoded at: full size with zune-jpeg (strict), or,
//! when that would not fit the limits, 1/2, 1/4 or 1/8 with jpeg-decoder's reduced DCT, which
//! costs a quarter, a sixteenth or a sixty-fourth of the pixels.

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, RgbImage};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

use super::{ImageLimits, Plan, check, check_dimensions, not_an_image};
use crate::error::Error;

/// More scans than any encoder writes (mozjpeg's most thorough script has about 20): each one is a
/// pass over the coefficients, so thousands of tiny scans make a small file take seconds. zune-jpeg
/// stops at the same number.
const MAX_SCANS: usize = 100;

/// Decoding at full size: zune-jpeg, strict, so a scan that stops short is an error.
pub(super) struct FullScale<'a> {
    decoder: zune_jpeg::JpegDecoder<ZCursor<&'a [u8]>>,
    width: u32,
    height: u32,
}

/// Decoding at `eighths`/8 of the full size with jpeg-decoder.
pub(super) struct Reduced<'a> {
    data: &'a [u8],
    frame: Frame,
    eighths: u32,
}

/// What the frame header says about the picture.
struct Frame {
    width: u32,
    height: u32,
    /// Bits per sample.
    precision: u8,
    progressive: bool,
    /// Horizontal and vertical sampling factor of each component.
    sampling: Vec<(u64, u64)>,
}

/// The marker segments of a whole file.
struct Layout {
    frame: Frame,
    scans: usize,
    /// From the first scan's header to the end-of-image marker.
    scan_bytes: u64,
}

/// Reads the layout, checks it against the limits and chooses the scale to decode at.
pub(super) fn plan<'a>(data: &'a [u8], limits: &ImageLimits) -> Result<Plan<'a>, Error> {
    let layout = layout(data)?;
    let frame = &layout.frame;
    check_dimensions(frame.width, frame.height, limits)?;
    // One bit per 8×8 luminance block is the least scan data a picture can have (no Huffman code
    // is shorter; arithmetic coding, which could be, is not supported), so less means a truncated
    // file whose missing blocks would be painted grey.
    let blocks = u64::from(frame.width.div_ceil(8)) * u64::from(frame.height.div_ceil(8));
    if layout.scan_bytes * 8 < blocks {
        return Err(truncated());
    }
    check(MAX_SCANS as u64, "scans", layout.scans as u64)?;
    // zune's own size limits would fail as a decode error; ours above answer ImageTooLarge.
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::MAX)
        .set_max_height(usize::MAX)
        .jpeg_set_max_scans(MAX_SCANS)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    decoder.decode_headers().map_err(not_an_image)?;
    let orientation = decoder
        .exif()
        .and_then(|exif| Orientation::from_exif_chunk(exif));
    let full = frame.full_scale_cost();
    if full <= limits.max_decoded_bytes {
        let source = FullScale {
            decoder,
            width: frame.width,
            height: frame.height,
        };
        return Ok(Plan::new(
            super::Source::Jpeg(Box::new(source)),
            full,
            orientation,
        ));
    }
    let reduced = [4, 2, 1].into_iter().find_map(|eighths| {
        let cost = frame.reduced_cost(eighths)?;
        (cost <= limits.max_decoded_bytes).then_some((eighths, cost))
    });
    let Some((eighths, cost)) = reduced else {
        return Err(Error::ImageTooLarge {
            what: "decoded bytes",
            value: full,
            limit: limits.max_decoded_bytes,
        });
    };
    let source = Reduced {
        data,
        frame: layout.frame,
        eighths,
    };
    Ok(Plan::new(
        super::Source::ReducedJpeg(source),
        cost,
        orientation,
    ))
}

impl FullScale<'_> {
    pub(super) fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    pub(super) fn decode(mut self) -> Result<DynamicImage, Error> {
        let pixels = self.decoder.decode().map_err(not_an_image)?;
        let rgb =
            RgbImage::from_raw(self.width, self.height, pixels).ok_or(Error::NotAnImage(None))?;
        Ok(DynamicImage::ImageRgb8(rgb))
    }
}

impl Reduced<'_> {
    pub(super) fn dimensions(&self) -> (u32, u32) {
        self.frame.scaled_size(self.eighths)
    }

    pub(super) fn decode(self) -> Result<DynamicImage, Error> {
        let mut decoder = jpeg_decoder::Decoder::new(self.data);
        let (width, height) = self.frame.scaled_size(self.eighths);
        let (width, height) = decoder
            .scale(width as u16, height as u16)
            .map_err(not_an_image)?;
        let pixels = decoder.decode().map_err(not_an_image)?;
        let (width, height) = (u32::from(width), u32::from(height));
        let image = match self.frame.sampling.len() {
            1 => GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8),
            _ => RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8),
        };
        image.ok_or(Error::NotAnImage(None))
    }
}

impl Frame {
    fn parse(code: u8, segment: &[u8]) -> Option<Self> {
        let height = u16::from_be_bytes([*segment.get(1)?, *segment.get(2)?]);
        let width = u16::from_be_bytes([*segment.get(3)?, *segment.get(4)?]);
        let count = usize::from(*segment.get(5)?);
        let sampling = segment
            .get(6..6 + 3 * count)?
            .chunks_exact(3)
            .map(|component| {
                let factors = component[1];
                (
                    u64::from(factors >> 4).max(1),
                    u64::from(factors & 15).max(1),
                )
            })
            .collect();
        Some(Self {
            width: u32::from(width),
            height: u32::from(height),
            precision: *segment.first()?,
            progressive: matches!(code, 0xC2 | 0xC6 | 0xCA | 0xCE),
            sampling,
        })
    }

    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// The largest horizontal and vertical sampling factors: an MCU's size in blocks.
    fn max_sampling(&self) -> (u64, u64) {
        let max = |factor: fn(&(u64, u64)) -> u64| self.sampling.iter().map(factor).max();
        (max(|s| s.0).unwrap_or(1), max(|s| s.1).unwrap_or(1))
    }

    /// 8×8 blocks of each component, padded to whole MCUs as decoders store them.
    fn blocks(&self) -> impl Iterator<Item = u64> + '_ {
        let (h_max, v_max) = self.max_sampling();
        let mcus_across = u64::from(self.width).div_ceil(8 * h_max);
        let mcus_down = u64::from(self.height).div_ceil(8 * v_max);
        self.sampling
            .iter()
            .map(move |(h, v)| mcus_across * h * mcus_down * v)
    }

    /// A progressive decoder keeps every coefficient (64 i16 per block) until the last scan.
    fn coefficient_bytes(&self) -> u64 {
        if self.progressive {
            self.blocks().map(|blocks| blocks * 64 * 2).sum()
        } else {
            0
        }
    }

    /// zune-jpeg: the RGB output, the coefficients of a progressive frame, and its working rows.
    fn full_scale_cost(&self) -> u64 {
        self.pixels() * 3 + self.coefficient_bytes() + self.working_bytes()
    }

    /// What either decoder holds beside pixels and coefficients: its tables, and rows of blocks
    /// being decoded, about four MCU rows of RGB at full width (measured in tests/decode_memory.rs).
    fn working_bytes(&self) -> u64 {
        let (_, v_max) = self.max_sampling();
        (64 << 10) + 4 * 8 * v_max * u64::from(self.width) * 3
    }

    fn scaled_size(&self, eighths: u32) -> (u32, u32) {
        (
            (self.width * eighths).div_ceil(8),
            (self.height * eighths).div_ceil(8),
        )
    }

    /// jpeg-decoder at `eighths`/8: the coefficients of a progressive frame, one plane per
    /// component at the reduced size, the interleaved output, and for grey the RGB made of it.
    /// `None` for what it decodes to other than 8-bit grey or RGB (CMYK, 12-bit), which are
    /// decoded at full size or not at all.
    fn reduced_cost(&self, eighths: u32) -> Option<u64> {
        let channels = match (self.precision, self.sampling.len()) {
            (8, 1) => 1 + 3,
            (8, 3) => 3,
            _ => return None,
        };
        let (width, height) = self.scaled_size(eighths);
        let output = u64::from(width) * u64::from(height) * channels;
        let scale = u64::from(eighths * eighths);
        let planes: u64 = self.blocks().map(|blocks| blocks * scale).sum();
        Some(
            self.coefficient_bytes()
                + planes
                + output
                + self.working_bytes()
                + self.worker_queue_bytes(),
        )
    }

    /// jpeg-decoder hands each component's rows to a worker thread through an unbounded queue,
    /// and how many wait there depends on the scheduler: on a loaded machine a 20 MP progressive
    /// picture held up to 8.5 MB beyond the rest (tests/decode_memory.rs). 48 MCU rows of every
    /// component's coefficients (11.5 MB there) cover what was measured; it is a measured
    /// allowance, not a proven bound.
    fn worker_queue_bytes(&self) -> u64 {
        let (_, v_max) = self.max_sampling();
        let mcus_down = u64::from(self.height).div_ceil(8 * v_max).max(1);
        let row_blocks: u64 = self.blocks().map(|blocks| blocks / mcus_down).sum();
        WORKER_QUEUE_MCU_ROWS * row_blocks * 64 * 2
    }
}

/// MCU rows of coefficients allowed for jpeg-decoder's worker queue ([`Frame::worker_queue_bytes`]).
const WORKER_QUEUE_MCU_ROWS: u64 = 48;

fn truncated() -> Error {
    not_an_image(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the JPEG data ends before its picture is complete",
    ))
}

/// Walks the marker segments from the start-of-image to the end-of-image marker, skipping each
/// scan's entropy-coded data. A file that stops before its end marker is truncated; one without a
/// frame header or a scan is not a picture.
fn layout(data: &[u8]) -> Result<Layout, Error> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(Error::NotAnImage(None));
    }
    let mut at = 2;
    let (mut frame, mut scans, mut first_scan) = (None, 0, None);
    loop {
        // Bytes before a marker are skipped, as libjpeg does; 0xFF fill bytes may precede its code.
        at += data[at..]
            .iter()
            .position(|&b| b == 0xFF)
            .ok_or_else(truncated)?;
        while data.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let code = *data.get(at + 1).ok_or_else(truncated)?;
        let marker = at;
        at += 2;
        match code {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let length = match data.get(at..at + 2) {
            Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
            _ => return Err(truncated()),
        };
        let segment = data.get(at + 2..at + length).ok_or_else(truncated)?;
        if matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC) {
            frame = Some(Frame::parse(code, segment).ok_or_else(truncated)?);
        }
        at += length;
        if code == 0xDA {
            scans += 1;
            first_scan.get_or_insert(marker);
            at = end_of_entropy_data(data, at).ok_or_else(truncated)?;
        }
    }
    match (frame, first_scan) {
        (Some(frame), Some(first_scan)) => Ok(Layout {
            frame,
            scans,
            scan_bytes: (at - first_scan) as u64,
        }),
        _ => Err(Error::NotAnImage(None)),
    }
}

/// Where a scan's entropy-coded data ends: at the first marker that is not a stuffed 0xFF00 or a
/// restart marker.
fn end_of_entropy_data(data: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        at += data.get(at..)?.iter().position(|&b| b == 0xFF)?;
        match *data.get(at + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: u32, height: u32, progressive: bool, sampling: &[(u64, u64)]) -> Frame {
        Frame {
            width,
            height,
            precision: 8,
            progressive,
            sampling: sampling.to_vec(),
        }
    }

    #[test]
    fn costs_follow_size_sampling_and_progression() {
        let yuv420 = [(2, 2), (1, 1), (1, 1)];
        let baseline = frame(1600, 1200, false, &yuv420);
        let working = (64 << 10) + 4 * 16 * 1600 * 3;
        assert_eq!(baseline.full_scale_cost(), 1600 * 1200 * 3 + working);
        let progressive = frame(1600, 1200, true, &yuv420);
        // 1.5 blocks' worth of coefficients per 64 pixels, 2 bytes each: 3 bytes per pixel
        assert_eq!(progressive.coefficient_bytes(), 1600 * 1200 * 3);
        assert_eq!(progressive.full_scale_cost(), 1600 * 1200 * 6 + working);
        // half size: planes of 1.5 bytes per output pixel and 3 bytes of RGB
        // jpeg-decoder's queue: 48 MCU rows of 100 MCUs of 6 blocks, 128 bytes each
        let queue = 48 * 100 * 6 * 128;
        assert_eq!(
            baseline.reduced_cost(4),
            Some(800 * 600 * 3 / 2 + 800 * 600 * 3 + working + queue)
        );
        let grey_queue = 48 * 200 * 128;
        assert_eq!(
            frame(1600, 1200, false, &[(1, 1)]).reduced_cost(2),
            Some(400 * 300 * 5 + (64 << 10) + 4 * 8 * 1600 * 3 + grey_queue)
        );
        assert_eq!(frame(1600, 1200, false, &[(1, 1); 4]).reduced_cost(2), None);
    }

    fn picture(progressive: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
        encoder.set_progressive(progressive);
        let pixels = vec![128u8; 64 * 48 * 3];
        encoder
            .encode(&pixels, 64, 48, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    #[test]
    fn more_scans_than_encoders_write_are_refused_before_decoding() {
        let mut jpeg = picture(true);
        let last_scan = jpeg.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
        let end = jpeg.len() - 2;
        let scan = jpeg[last_scan..end].to_vec();
        let scans = layout(&jpeg).unwrap().scans;
        for _ in scans..=MAX_SCANS {
            jpeg.splice(end..end, scan.iter().copied());
        }
        assert_eq!(layout(&jpeg).unwrap().scans, MAX_SCANS + 1);
        assert!(matches!(
            plan(&jpeg, &ImageLimits::default()),
            Err(Error::ImageTooLarge { what: "scans", .. })
        ));
    }

    #[test]
    fn the_layout_skips_thumbnails_and_counts_scans() {
        let baseline = layout(&picture(false)).unwrap();
        assert_eq!((baseline.frame.width, baseline.frame.height), (64, 48));
        assert_eq!(baseline.scans, 1);
        assert!(!baseline.frame.progressive);
        let progressive = layout(&picture(true)).unwrap();
        assert!(progressive.frame.progressive);
        assert!(progressive.scans > 1, "{}", progressive.scans);

        // A thumbnail inside an APP1 segment has its own scan and end marker: they are skipped.
        let thumbnail = picture(false);
        let mut with_thumbnail = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_thumbnail.extend_from_slice(&((thumbnail.len() + 2) as u16).to_be_bytes());
        with_thumbnail.extend_from_slice(&thumbnail);
        with_thumbnail.extend_from_slice(&picture(true)[2..]);
        let outer = layout(&with_thumbnail).unwrap();
        assert_eq!(outer.scans, progressive.scans);
        assert!(outer.frame.progressive);
    }
}

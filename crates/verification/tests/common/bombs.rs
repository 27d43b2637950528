//! Small files that decode to large pictures, and the gradient they are made of, for tests/decode_memory.rs and
//! examples/decode_bombs.rs (bench/abuse.sh).

use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage};

/// A camera-like gradient of RGB pixels.
pub fn gradient(width: u32, height: u32) -> Vec<u8> {
    RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    })
    .into_raw()
}

pub fn jpeg(width: u16, height: u16, progressive: bool, grey: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    encoder.set_progressive(progressive);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    let rgb = gradient(u32::from(width), u32::from(height));
    if grey {
        let luma: Vec<u8> = rgb.chunks_exact(3).map(|p| p[0]).collect();
        encoder
            .encode(&luma, width, height, jpeg_encoder::ColorType::Luma)
            .unwrap();
    } else {
        encoder
            .encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)
            .unwrap();
    }
    out
}

/// A 16-bit RGBA PNG of one colour, written row by row: a few hundred KB that decode to
/// width × height × 8 bytes.
pub fn png_rgba16(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Sixteen);
        let mut writer = encoder.write_header().unwrap();
        let mut stream = writer.stream_writer().unwrap();
        let row = vec![0x5Au8; width as usize * 8];
        for _ in 0..height {
            std::io::Write::write_all(&mut stream, &row).unwrap();
        }
        stream.finish().unwrap();
    }
    out
}

pub fn webp_rgba(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let pixels = vec![0x7Fu8; width as usize * height as usize * 4];
    WebPEncoder::new_lossless(&mut out)
        .write_image(&pixels, width, height, ExtendedColorType::Rgba8)
        .unwrap();
    out
}

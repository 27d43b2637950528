//! Writes small files that decode to very large pictures, for bench/abuse.sh:
//! `cargo run --release -p verification --example decode_bombs -- OUT_DIR`.

use std::io::Write;
use std::path::Path;

use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: decode_bombs OUT_DIR")?;
    let out = Path::new(&out);
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("png16-7000x7000.png"), png_rgba16(7000, 7000)?)?;
    std::fs::write(out.join("webp-16383x3051.webp"), webp(16383, 3051)?)?;
    std::fs::write(
        out.join("progressive-7000x7000.jpg"),
        jpeg(7000, 7000, true)?,
    )?;
    std::fs::write(out.join("baseline-8000x6000.jpg"), jpeg(8000, 6000, false)?)?;
    Ok(())
}

/// One colour in 16-bit RGBA, written row by row: 392 MB of pixels in a few hundred KB.
fn png_rgba16(width: u32, height: u32) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Sixteen);
        let mut writer = encoder.write_header()?;
        let mut stream = writer.stream_writer()?;
        let row = vec![0x5Au8; width as usize * 8];
        for _ in 0..height {
            stream.write_all(&row)?;
        }
        stream.finish()?;
    }
    Ok(out)
}

/// One colour, lossless: 200 MB of RGBA in a few KB.
fn webp(width: u32, height: u32) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let pixels = vec![0x7Fu8; width as usize * height as usize * 4];
    WebPEncoder::new_lossless(&mut out).write_image(
        &pixels,
        width,
        height,
        ExtendedColorType::Rgba8,
    )?;
    Ok(out)
}

/// A gradient, 4:2:0: a camera photo's layout at a size no camera gives.
fn jpeg(width: u16, height: u16, progressive: bool) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut pixels = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(&[(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 80);
    encoder.set_progressive(progressive);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)?;
    Ok(out)
}

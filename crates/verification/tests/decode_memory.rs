//! What decoding allocates, counted by this binary's global allocator: every image is either
//! refused from its header or decoded within the cost its header promised, and that cost within
//! `max_decoded_bytes`. One test, so that no other test allocates while it counts.

#[path = "common/bombs.rs"]
mod bombs;

use std::io::Cursor;

use bombs::{gradient, jpeg, png_rgba16, webp_rgba};
use image::{ImageFormat, RgbImage};
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use verification::{Error, ImageLimits, decode_cost, decode_image};

#[global_allocator]
static ALLOCATOR: &PeakMemAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

const MIB: u64 = 1 << 20;

/// Bytes allocated at the peak of `f`, beyond what was allocated before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, u64) {
    ALLOCATOR.reset_peak_memory();
    let out = f();
    (out, ALLOCATOR.get_peak_memory() as u64)
}

fn png_rgb(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    RgbImage::from_raw(width, height, gradient(width, height))
        .unwrap()
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

enum Expect {
    /// Decoded to this size.
    Decoded(u32, u32),
    TooLarge,
}

#[test]
fn decoding_allocates_at_most_what_its_header_promised() {
    let limits = ImageLimits::default();
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/faces");
    let photo = std::fs::read(shared.join("selfie/compreface_A/cf_001_A.jpg")).unwrap();
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        // 36 MP camera photo (4912×7360): 108 MB of RGB at full size, so decoded at half
        ("36 MP camera photo", photo, Expect::Decoded(2456, 3680)),
        (
            "30 MP baseline JPEG",
            jpeg(6000, 5000, false, false),
            Expect::Decoded(6000, 5000),
        ),
        (
            "49 MP baseline JPEG",
            jpeg(7000, 7000, false, false),
            Expect::Decoded(3500, 3500),
        ),
        (
            "49 MP grey JPEG",
            jpeg(7000, 7000, false, true),
            Expect::Decoded(3500, 3500),
        ),
        (
            "12 MP progressive JPEG",
            jpeg(4000, 3000, true, false),
            Expect::Decoded(4000, 3000),
        ),
        // coefficients 60 MB + 60 MB of RGB at full size; half size fits beside the coefficients
        (
            "20 MP progressive JPEG",
            jpeg(5000, 4000, true, false),
            Expect::Decoded(2500, 2000),
        ),
        // its coefficients alone (147 MB) are more than the limit at any scale
        (
            "49 MP progressive JPEG",
            jpeg(7000, 7000, true, false),
            Expect::TooLarge,
        ),
        (
            "16-bit RGBA PNG 7000²",
            png_rgba16(7000, 7000),
            Expect::TooLarge,
        ),
        (
            "16-bit RGBA PNG 2000²",
            png_rgba16(2000, 2000),
            Expect::Decoded(2000, 2000),
        ),
        (
            "RGB PNG 4000×3000",
            png_rgb(4000, 3000),
            Expect::Decoded(4000, 3000),
        ),
        ("WebP 16383×3051", webp_rgba(16383, 3051), Expect::TooLarge),
        (
            "WebP 3000×3000",
            webp_rgba(3000, 3000),
            Expect::Decoded(3000, 3000),
        ),
    ];
    let (mut report, mut wrong) = (Vec::new(), Vec::new());
    for (name, data, expect) in cases {
        let cost = decode_cost(&data, &limits);
        let (decoded, peak) = peak_of(|| decode_image(&data, &limits).map(|i| i.dimensions()));
        report.push(format!(
            "{name:<24} {:>8} KB  peak {:>6.1} MiB  promised {:>6}",
            data.len() / 1024,
            peak as f64 / MIB as f64,
            cost.as_ref().map_or("refused".into(), |c| format!(
                "{:.1} MiB",
                *c as f64 / MIB as f64
            )),
        ));
        let answer = match (expect, decoded, cost) {
            (Expect::Decoded(width, height), Ok(size), Ok(cost)) => {
                if size != (width, height) {
                    Some(format!("decoded at {size:?}, not {width}×{height}"))
                } else if cost > limits.max_decoded_bytes {
                    Some(format!("promised {cost}, over the limit"))
                } else if peak > cost {
                    Some(format!("allocated {peak}, promised {cost}"))
                } else {
                    None
                }
            }
            (Expect::TooLarge, Err(Error::ImageTooLarge { .. }), _) if peak < 4 * MIB => None,
            (_, decoded, cost) => Some(format!("{decoded:?}, cost {cost:?}, peak {peak}")),
        };
        wrong.extend(answer.map(|answer| format!("{name}: {answer}")));
    }
    println!("{}", report.join("\n"));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

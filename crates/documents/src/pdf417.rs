//! Finding and decoding a PDF417 barcode in a picture, with rxing (a Rust port of ZXing). The
//! caller decodes the picture (within its memory limits) and hands over its grey levels.

use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use rxing::{BarcodeFormat, DecodeHints};

/// Below this turn (degrees) a picture is decoded as it is: ZXing's detector copes with it.
const LEAST_TURN: f32 = 0.4;
/// The side the turn is measured at: enough pixels for the bars' edges, few enough to be cheap.
const MEASURE_SIDE: u32 = 800;

/// The barcode's text, or `None` when no PDF417 symbol could be found and decoded. rxing's
/// Reed-Solomon correction either recovers the payload or fails: it never returns a guess.
/// ZXing's detector finds a symbol turned by a degree or two at most: see [`read_turned`].
pub fn read(image: &GrayImage) -> Option<String> {
    decode(image)
}

/// The barcode's text from the picture turned level first (by the direction of its edges), for
/// a symbol [`read`] could not find; `None` when the picture is level already. Turning and a
/// second search cost a licence photo 50 to 350 ms, so the caller tries it last.
pub fn read_turned(image: &GrayImage) -> Option<String> {
    let turn = turn_degrees(image);
    (turn.abs() >= LEAST_TURN).then(|| {
        decode(&rotate_about_center(
            image,
            -turn.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Luma([255])),
        ))
    })?
}

fn decode(image: &GrayImage) -> Option<String> {
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

/// How far the picture's content is turned from level, in degrees (positive: clockwise on
/// screen, since y grows downwards), within ±45°: the dominant direction of its edges modulo a
/// right angle. A barcode's bars and a card's printed lines are all level or upright, so the
/// strongest edges give the turn.
fn turn_degrees(image: &GrayImage) -> f32 {
    const BINS: usize = 360; // a quarter turn in quarter degrees
    let scale = (MEASURE_SIDE as f32 / image.width().max(image.height()) as f32).min(1.0);
    let small = image::imageops::resize(
        image,
        ((image.width() as f32 * scale) as u32).max(3),
        ((image.height() as f32 * scale) as u32).max(3),
        image::imageops::FilterType::Triangle,
    );
    let gx = imageproc::gradients::horizontal_sobel(&small);
    let gy = imageproc::gradients::vertical_sobel(&small);
    let mut votes = [0f32; BINS];
    for (x, y) in gx.pixels().zip(gy.pixels()) {
        let (x, y) = (f32::from(x[0]), f32::from(y[0]));
        let strength = x.hypot(y);
        if strength < 200.0 {
            continue;
        }
        // Folded into a quarter turn: an edge and its perpendicular vote for the same turn.
        let angle = y.atan2(x).to_degrees().rem_euclid(90.0);
        votes[((angle * 4.0) as usize).min(BINS - 1)] += strength;
    }
    let smoothed = |bin: usize| -> f32 {
        (0..5)
            .map(|k| votes[(bin + BINS + k - 2) % BINS])
            .sum::<f32>()
    };
    let peak = (0..BINS)
        .max_by(|&a, &b| smoothed(a).total_cmp(&smoothed(b)))
        .unwrap_or(0);
    // The votes' centre within two degrees of the peak: finer than one bin.
    let (mut sum, mut weight) = (0f32, 0f32);
    for offset in -8i32..=8 {
        let vote = votes[(peak as i32 + offset).rem_euclid(BINS as i32) as usize];
        sum += vote * (peak as f32 + offset as f32 + 0.5);
        weight += vote;
    }
    let angle = (sum / weight.max(f32::MIN_POSITIVE) / 4.0).rem_euclid(90.0);
    if angle >= 45.0 { angle - 90.0 } else { angle }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(turn: f32) -> GrayImage {
        let mut level = GrayImage::from_pixel(400, 300, Luma([255]));
        for (x, _, pixel) in level.enumerate_pixels_mut() {
            if (x / 6) % 2 == 0 && (50..350).contains(&x) {
                *pixel = Luma([0]);
            }
        }
        rotate_about_center(
            &level,
            turn.to_radians(),
            Interpolation::Bilinear,
            Border::Constant(Luma([255])),
        )
    }

    #[test]
    fn the_turn_of_upright_bars_is_measured() {
        for turn in [0.0f32, 1.5, -3.0, 8.0, -9.5] {
            let measured = turn_degrees(&bars(turn));
            assert!(
                (measured - turn).abs() < 1.0,
                "turned {turn}°, measured {measured}°"
            );
        }
    }
}

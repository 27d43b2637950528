//! Passive liveness: two Silent-Face MiniFASNets, each on an 80×80 BGR context crop (scales 2.7 and
//! 4.0) around a box converted from YuNet's to the statistics of Silent-Face's own detector.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::{Rect, resize_bilinear};
use crate::error::{Error, ModelContext};
use crate::models::{self, LIVENESS_V1SE, LIVENESS_V2, ModelSpec};
use crate::{BBox, Liveness};

const SIZE: u32 = 80;
/// Context scale per model, in the order of `Liveness::models`.
const SCALES: [f64; 2] = [2.7, 4.0];

/// An integer box (x, y, width, height), as Silent-Face's crop code takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntBox {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

/// Inclusive crop corners: left, top, right, bottom.
pub type CropRect = [i64; 4];

/// YuNet box → Silent-Face detector box (fitted on 65 faces): centre y + 0.065 h, width × 1.145,
/// height × 0.85, truncated toward zero.
pub fn liveness_box(b: &BBox) -> IntBox {
    let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0 + 0.065 * b.height);
    let (w, h) = (1.145 * b.width, 0.85 * b.height);
    IntBox {
        x: (cx - w / 2.0) as i64,
        y: (cy - h / 2.0) as i64,
        width: w as i64,
        height: h as i64,
    }
}

/// Silent-Face `CropImage`: the box scaled about its centre (scale capped so the crop fits), shifted
/// back inside without shrinking, corners truncated toward zero (−1e−13 must give 0).
pub fn crop_rect(image_w: u32, image_h: u32, b: IntBox, scale: f64) -> CropRect {
    let (iw, ih) = (f64::from(image_w), f64::from(image_h));
    let (x, y, w, h) = (
        b.x as f64,
        b.y as f64,
        b.width.max(1) as f64,
        b.height.max(1) as f64,
    );
    let scale = ((ih - 1.0) / h).min((iw - 1.0) / w).min(scale);
    let (cx, cy, nw, nh) = (x + w / 2.0, y + h / 2.0, w * scale, h * scale);
    let (mut left, mut top, mut right, mut bottom) =
        (cx - nw / 2.0, cy - nh / 2.0, cx + nw / 2.0, cy + nh / 2.0);
    if left < 0.0 {
        right -= left;
        left = 0.0;
    }
    if top < 0.0 {
        bottom -= top;
        top = 0.0;
    }
    if right > iw - 1.0 {
        left -= right - iw + 1.0;
        right = iw - 1.0;
    }
    if bottom > ih - 1.0 {
        top -= bottom - ih + 1.0;
        bottom = ih - 1.0;
    }
    [left as i64, top as i64, right as i64, bottom as i64]
}

/// The converted box and both crop rectangles for a face box, as the reference records them.
pub fn crop_rects(image_w: u32, image_h: u32, face: &BBox) -> (IntBox, [CropRect; 2]) {
    let b = liveness_box(face);
    (b, SCALES.map(|s| crop_rect(image_w, image_h, b, s)))
}

/// The inclusive rectangle, clamped to the image so a degenerate box cannot index outside it.
fn crop(image: &RgbImage, [l, t, r, b]: CropRect) -> RgbImage {
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let (l, t) = (l.clamp(0, w - 1), t.clamp(0, h - 1));
    let (r, b) = (r.clamp(l, w - 1), b.clamp(t, h - 1));
    let rect = Rect {
        x: l as u32,
        y: t as u32,
        width: (r - l + 1) as u32,
        height: (b - t + 1) as u32,
    };
    resize_bilinear(image, rect, SIZE, SIZE)
}

pub(crate) fn tensor(crop: &RgbImage) -> Vec<f32> {
    let plane = (SIZE * SIZE) as usize;
    let mut x = vec![0.0f32; 3 * plane];
    for (i, px) in crop.pixels().enumerate() {
        for (c, &v) in px.0.iter().rev().enumerate() {
            x[c * plane + i] = f32::from(v);
        }
    }
    x
}

pub(crate) struct LivenessModels {
    sessions: [(Session, ModelSpec); 2],
}

impl LivenessModels {
    /// `v2` is MiniFASNetV2 (scale 2.7), `v1se` MiniFASNetV1SE (scale 4.0).
    pub fn new(v2: Session, v1se: Session) -> Self {
        Self {
            sessions: [(v2, LIVENESS_V2), (v1se, LIVENESS_V1SE)],
        }
    }

    pub fn score(&mut self, image: &RgbImage, face: &BBox) -> Result<Liveness, Error> {
        let (_, rects) = crop_rects(image.width(), image.height(), face);
        let mut live = [0.0f32; 2];
        for ((session, spec), (rect, p)) in
            self.sessions.iter_mut().zip(rects.iter().zip(&mut live))
        {
            let input = tensor(&crop(image, *rect));
            let shape = [1, 3, SIZE as usize, SIZE as usize];
            let outputs = session
                .run(ort::inputs!["input" => TensorRef::from_array_view((shape, &input[..])).model(spec.name)?])
                .model(spec.name)?;
            // Softmax over [spoof, live, spoof].
            *p = models::output(&outputs, "probs", spec.name)?[1];
        }
        Ok(Liveness::from_models(live))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_conversion_truncates_toward_zero() {
        let b = liveness_box(&BBox {
            x: 371.000076,
            y: 84.729221,
            width: 236.147596,
            height: 336.315119,
        });
        assert_eq!(
            b,
            IntBox {
                x: 353,
                y: 131,
                width: 270,
                height: 285
            }
        ); // golden: selfie/obama/fr_obama.jpg
        let negative = liveness_box(&BBox {
            x: -3.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        });
        assert_eq!(negative.x, -3); // -3.725 truncates to -3, not -4
    }

    #[test]
    fn crops_shift_back_inside_without_shrinking_and_cap_the_scale() {
        // golden fr_obama.jpg (910x1137): rects [123, 0, 852, 769] and [0, 0, 909, 959].
        let b = IntBox {
            x: 353,
            y: 131,
            width: 270,
            height: 285,
        };
        assert_eq!(crop_rect(910, 1137, b, 2.7), [123, 0, 852, 769]);
        assert_eq!(crop_rect(910, 1137, b, 4.0), [0, 0, 909, 959]);
    }

    #[test]
    fn tensor_is_bgr_raw() {
        let x = tensor(&RgbImage::from_pixel(SIZE, SIZE, image::Rgb([1, 2, 3])));
        let plane = (SIZE * SIZE) as usize;
        assert_eq!((x[0], x[plane], x[2 * plane]), (3.0, 2.0, 1.0));
    }
}

//! LightQNet quality: a 96×96 crop aligned on the eyes and the mouth centre, BGR, (x − 128) / 128.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::{Affine, similarity_transform, warp_affine};
use crate::error::{Error, ModelContext};
use crate::face::{Point, Quality};
use crate::models::{self, QUALITY};

const SIZE: u32 = 96;
/// Upstream's 160-px template points scaled by 0.96, to 2 decimals as MODELS.md prints them.
const TEMPLATE: [Point; 3] = [
    Point { x: 32.82, y: 44.31 },
    Point { x: 63.02, y: 44.14 },
    Point { x: 48.12, y: 79.10 },
];

/// The aligned 96×96 RGB crop: right eye, left eye and mouth centre fitted onto the template.
pub fn align(image: &RgbImage, landmarks: &[Point; 5]) -> (RgbImage, Affine) {
    let mouth = Point {
        x: (landmarks[3].x + landmarks[4].x) / 2.0,
        y: (landmarks[3].y + landmarks[4].y) / 2.0,
    };
    let m = similarity_transform(&[landmarks[0], landmarks[1], mouth], &TEMPLATE);
    (warp_affine(image, &m, SIZE, SIZE), m)
}

pub(crate) fn tensor(crop: &RgbImage) -> Vec<f32> {
    let plane = (SIZE * SIZE) as usize;
    let mut x = vec![0.0f32; 3 * plane];
    for (i, px) in crop.pixels().enumerate() {
        for (c, &v) in px.0.iter().rev().enumerate() {
            x[c * plane + i] = (f32::from(v) - 128.0) / 128.0;
        }
    }
    x
}

pub(crate) struct QualityModel {
    session: Session,
}

impl QualityModel {
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    pub fn score(&mut self, image: &RgbImage, landmarks: &[Point; 5]) -> Result<Quality, Error> {
        let input = tensor(&align(image, landmarks).0);
        let shape = [1, 3, SIZE as usize, SIZE as usize];
        let outputs = self
            .session
            .run(ort::inputs!["input" => TensorRef::from_array_view((shape, &input[..])).model(QUALITY.name)?])
            .model(QUALITY.name)?;
        let q = models::output(&outputs, "quality", QUALITY.name)?;
        Ok(Quality { score: q[0] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_is_bgr_and_centred_on_128() {
        let crop = RgbImage::from_pixel(SIZE, SIZE, image::Rgb([0, 128, 255]));
        let x = tensor(&crop);
        let plane = (SIZE * SIZE) as usize;
        assert_eq!((x[0], x[plane], x[2 * plane]), (127.0 / 128.0, 0.0, -1.0));
    }

    #[test]
    fn landmarks_on_the_template_give_the_identity_map() {
        let mouth_y = TEMPLATE[2].y;
        let lm = [
            TEMPLATE[0],
            TEMPLATE[1],
            Point::default(),
            Point {
                x: TEMPLATE[2].x - 10.0,
                y: mouth_y,
            },
            Point {
                x: TEMPLATE[2].x + 10.0,
                y: mouth_y,
            },
        ];
        let (_, m) = align(&RgbImage::new(SIZE, SIZE), &lm);
        assert!((m.scale() - 1.0).abs() < 1e-3, "{m:?}");
    }
}

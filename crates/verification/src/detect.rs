//! YuNet-n face detector: letterboxed BGR input, 3 anchor-free heads (strides 8, 16, 32), decoded as
//! OpenCV's `FaceDetectorYN` does, then NMS. A second pass at long side 320 catches close-ups whose face
//! is too big for the network at 640.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::{Rect, resize_bilinear, scaled_size};
use crate::error::{Error, ModelContext};
use crate::face::{BBox, Face, Point};
use crate::models::{self, DETECTOR};
use crate::nms;

/// Detection settings; the defaults are MODELS.md's.
#[derive(Clone, Debug)]
pub struct DetectorParams {
    /// Faces scoring below are neither returned nor counted.
    pub score_threshold: f32,
    pub nms_iou: f64,
    /// Long side of the network input per pass; a later pass runs only if the earlier found nothing.
    pub max_sides: Vec<u32>,
}

impl Default for DetectorParams {
    fn default() -> Self {
        Self {
            score_threshold: 0.85,
            nms_iou: 0.3,
            max_sides: vec![640, 320],
        }
    }
}

/// All faces found in one image.
#[derive(Clone, Debug, PartialEq)]
pub struct Detections {
    /// Best score first.
    pub faces: Vec<Face>,
    /// The network input's long side of the pass that found them (`None` when none was found).
    pub max_side: Option<u32>,
    /// Image-to-network scale of that pass.
    pub scale: f64,
}

impl Detections {
    /// Index of the face with the largest box (the first on a tie): the one the pipeline analyses.
    pub fn main_index(&self) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, face) in self.faces.iter().enumerate() {
            if best.is_none_or(|b| face.bbox.area() > self.faces[b].bbox.area()) {
                best = Some(i);
            }
        }
        best
    }
}

/// How the image was placed in the network input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Letterbox {
    pub scale: f64,
    pub padded_width: usize,
    pub padded_height: usize,
}

pub(crate) struct Detector {
    session: Session,
    params: DetectorParams,
}

const STRIDES: [usize; 3] = [8, 16, 32];

impl Detector {
    pub fn new(session: Session, params: DetectorParams) -> Self {
        Self { session, params }
    }

    pub fn detect(&mut self, image: &RgbImage) -> Result<Detections, Error> {
        let long_side = image.width().max(image.height());
        for (pass, &max_side) in self.params.max_sides.iter().enumerate() {
            // A smaller pass on an image already below it would see the very same input.
            if pass > 0 && long_side <= max_side {
                break;
            }
            let (input, letterbox) = preprocess(image, max_side);
            let shape = [1, 3, letterbox.padded_height, letterbox.padded_width];
            let outputs = self
                .session
                .run(ort::inputs!["input" => TensorRef::from_array_view((shape, &input[..])).model(DETECTOR.name)?])
                .model(DETECTOR.name)?;
            let mut heads = Vec::with_capacity(STRIDES.len());
            for stride in STRIDES {
                let get = |kind: &str| {
                    models::output(&outputs, &format!("{kind}_{stride}"), DETECTOR.name)
                };
                heads.push(Head {
                    stride,
                    cls: get("cls")?,
                    obj: get("obj")?,
                    bbox: get("bbox")?,
                    kps: get("kps")?,
                });
            }
            let faces = decode(&heads, &letterbox, &self.params);
            if !faces.is_empty() {
                return Ok(Detections {
                    faces,
                    max_side: Some(max_side),
                    scale: letterbox.scale,
                });
            }
        }
        Ok(Detections {
            faces: Vec::new(),
            max_side: None,
            scale: 1.0,
        })
    }
}

/// Scale so the long side is at most `max_side` (never up), bilinear resize, zero-pad right and bottom to
/// multiples of 32, and lay out as NCHW BGR float32 with raw 0..255 values.
pub(crate) fn preprocess(image: &RgbImage, max_side: u32) -> (Vec<f32>, Letterbox) {
    let (w, h) = image.dimensions();
    let scale = (f64::from(max_side) / f64::from(w.max(h))).min(1.0);
    let (nw, nh) = scaled_size(w, h, scale);
    let resized;
    let small = if (nw, nh) == (w, h) {
        image
    } else {
        resized = resize_bilinear(
            image,
            Rect {
                x: 0,
                y: 0,
                width: w,
                height: h,
            },
            nw,
            nh,
        );
        &resized
    };
    let (pw, ph) = (
        (nw as usize).div_ceil(32) * 32,
        (nh as usize).div_ceil(32) * 32,
    );
    let plane = pw * ph;
    let mut input = vec![0.0f32; 3 * plane];
    for (y, row) in small.as_raw().chunks_exact(nw as usize * 3).enumerate() {
        for (x, px) in row.chunks_exact(3).enumerate() {
            let at = y * pw + x;
            input[at] = f32::from(px[2]);
            input[plane + at] = f32::from(px[1]);
            input[2 * plane + at] = f32::from(px[0]);
        }
    }
    (
        input,
        Letterbox {
            scale,
            padded_width: pw,
            padded_height: ph,
        },
    )
}

/// Raw outputs of one stride: per anchor cls (1), obj (1), bbox (4), kps (10).
pub(crate) struct Head<'a> {
    pub stride: usize,
    pub cls: &'a [f32],
    pub obj: &'a [f32],
    pub bbox: &'a [f32],
    pub kps: &'a [f32],
}

/// Anchors → faces in image pixels: score √(cls·obj) in float32 (as OpenCV), boxes and landmarks relative
/// to the anchor cell, NMS in network pixels, then division by the letterbox scale.
pub(crate) fn decode(heads: &[Head], letterbox: &Letterbox, params: &DetectorParams) -> Vec<Face> {
    let (mut boxes, mut marks, mut scores) = (Vec::new(), Vec::new(), Vec::new());
    for head in heads {
        let cols = letterbox.padded_width / head.stride;
        let s = head.stride as f64;
        for (a, (&cls, &obj)) in head.cls.iter().zip(head.obj).enumerate() {
            let score = (cls.clamp(0.0, 1.0) * obj.clamp(0.0, 1.0)).sqrt();
            if score < params.score_threshold {
                continue;
            }
            let (row, col) = ((a / cols) as f64, (a % cols) as f64);
            let bb = &head.bbox[a * 4..a * 4 + 4];
            let (cx, cy) = ((col + f64::from(bb[0])) * s, (row + f64::from(bb[1])) * s);
            let (bw, bh) = (f64::from(bb[2]).exp() * s, f64::from(bb[3]).exp() * s);
            boxes.push(BBox {
                x: cx - bw / 2.0,
                y: cy - bh / 2.0,
                width: bw,
                height: bh,
            });
            let kp = &head.kps[a * 10..a * 10 + 10];
            marks.push(std::array::from_fn::<Point, 5, _>(|k| Point {
                x: (f64::from(kp[2 * k]) + col) * s,
                y: (f64::from(kp[2 * k + 1]) + row) * s,
            }));
            scores.push(score);
        }
    }
    let wide: Vec<f64> = scores.iter().map(|&s| f64::from(s)).collect();
    let f = letterbox.scale;
    nms::suppress(&boxes, &wide, params.nms_iou)
        .into_iter()
        .map(|i| {
            let b = boxes[i];
            Face {
                bbox: BBox {
                    x: b.x / f,
                    y: b.y / f,
                    width: b.width / f,
                    height: b.height / f,
                },
                landmarks: marks[i].map(|p| Point {
                    x: p.x / f,
                    y: p.y / f,
                }),
                score: scores[i],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preprocess_scales_pads_to_32_and_swaps_to_bgr() {
        let img = RgbImage::from_pixel(1280, 700, image::Rgb([10, 20, 30]));
        let (input, lb) = preprocess(&img, 640);
        assert_eq!(
            (lb.scale, lb.padded_width, lb.padded_height),
            (0.5, 640, 352)
        );
        let plane = 640 * 352;
        assert_eq!(
            (input[0], input[plane], input[2 * plane]),
            (30.0, 20.0, 10.0)
        );
        // Row 350 is the first padded row (700 * 0.5 = 350).
        assert_eq!(input[350 * 640], 0.0);
        assert_eq!(input[349 * 640 + 639], 30.0);
        // Small images are not enlarged.
        let (_, lb) = preprocess(&RgbImage::new(100, 50), 640);
        assert_eq!(
            (lb.scale, lb.padded_width, lb.padded_height),
            (1.0, 128, 64)
        );
    }

    #[test]
    fn decode_places_boxes_and_landmarks_on_the_anchor_grid() {
        // A 64x32 input has at stride 32 a 2x1 grid; anchor 1 is row 0, col 1.
        let lb = Letterbox {
            scale: 0.5,
            padded_width: 64,
            padded_height: 32,
        };
        let cls = [0.1, 0.81];
        let obj = [1.0, 1.0];
        let bbox = [0.0, 0.0, 0.0, 0.0, 0.5, 0.25, 0.0, (2.0f32).ln()];
        let mut kps = [0.0; 20];
        kps[10..20].copy_from_slice(&[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
        let head = Head {
            stride: 32,
            cls: &cls,
            obj: &obj,
            bbox: &bbox,
            kps: &kps,
        };
        let faces = decode(&[head], &lb, &DetectorParams::default());
        assert_eq!(faces.len(), 1);
        let face = faces[0];
        assert!((face.score - 0.9).abs() < 1e-6);
        // cx = (1 + 0.5) * 32 = 48, cy = 8, w = 32, h = 64; then / 0.5.
        let expected = BBox {
            x: 64.0,
            y: -48.0,
            width: 64.0,
            height: 128.0,
        };
        for (a, b) in [face.bbox.x, face.bbox.y, face.bbox.width, face.bbox.height]
            .iter()
            .zip([expected.x, expected.y, expected.width, expected.height])
        {
            assert!((a - b).abs() < 1e-4, "{:?}", face.bbox);
        }
        assert!((face.landmarks[0].x - (0.1f32 as f64 + 1.0) * 64.0).abs() < 1e-9);
        assert!((face.landmarks[4].y - 1.0 * 64.0).abs() < 1e-9);
    }

    #[test]
    fn the_main_face_is_the_largest_box_first_on_ties() {
        let face = |w: f64| Face {
            bbox: BBox {
                x: 0.0,
                y: 0.0,
                width: w,
                height: 1.0,
            },
            landmarks: [Point::default(); 5],
            score: 0.9,
        };
        let d = Detections {
            faces: vec![face(1.0), face(3.0), face(3.0)],
            max_side: Some(640),
            scale: 1.0,
        };
        assert_eq!(d.main_index(), Some(1));
        assert_eq!(
            Detections {
                faces: vec![],
                max_side: None,
                scale: 1.0
            }
            .main_index(),
            None
        );
    }
}

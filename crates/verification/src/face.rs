//! Small value types shared by the stages and returned to callers.

/// A point in pixels of the EXIF-oriented image; pixel (i, j) has its centre at x = j, y = i.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// An axis-aligned box: top-left corner and size, in image pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BBox {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl BBox {
    pub fn area(&self) -> f64 {
        self.width * self.height
    }
}

/// One detected face. Landmarks are, in order: right eye, left eye, nose tip, right mouth corner,
/// left mouth corner (the subject's sides, so on a frontal face point 0 has the smaller x).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    pub bbox: BBox,
    pub landmarks: [Point; 5],
    /// Detector confidence, √(cls·obj), in 0..1.
    pub score: f32,
}

impl Face {
    /// Distance between the eye landmarks in image pixels; MODELS.md suggests refusing faces below 40.
    pub fn eye_distance(&self) -> f64 {
        let [r, l, ..] = self.landmarks;
        (l.x - r.x).hypot(l.y - r.y)
    }
}

/// LightQNet face-image quality of the main face.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quality {
    /// The network's sigmoid output; about 0.60 is the ceiling for good frontal faces.
    pub score: f32,
}

impl Quality {
    /// The score the good photos reach (MODELS.md), mapped to 100%.
    pub const CEILING: f32 = 0.60;

    /// clamp(score / 0.60, 0, 1) · 100.
    pub fn percent(&self) -> f32 {
        (self.score / Self::CEILING).clamp(0.0, 1.0) * 100.0
    }
}

/// Passive liveness of the main face: mean live probability of the two MiniFASNet models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Liveness {
    pub score: f32,
    /// P(live) of MiniFASNetV2 (context 2.7) and MiniFASNetV1SE (context 4.0).
    pub models: [f32; 2],
    /// `score >= Liveness::THRESHOLD`.
    pub is_live: bool,
}

impl Liveness {
    /// Silent-Face's own decision point.
    pub const THRESHOLD: f32 = 0.5;

    pub fn from_models(models: [f32; 2]) -> Self {
        let score = (models[0] + models[1]) / 2.0;
        Self {
            score,
            models,
            is_live: score >= Self::THRESHOLD,
        }
    }
}

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

/// Passive liveness of the main face: mean live probability of the two MiniFASNet models, and its
/// calibrated percentage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Liveness {
    pub score: f32,
    /// P(live) of MiniFASNetV2 (context 2.7) and MiniFASNetV1SE (context 4.0).
    pub models: [f32; 2],
    /// The crops the models saw have no colour; the models, trained on colour captures, score bona
    /// fide grey photos as attacks, so these are read against their own operating point.
    pub grayscale: bool,
}

impl Liveness {
    /// The score at the default operating point, read as 50% on the calibrated scale: no more than
    /// 5% of the bona fide images of the calibration fold score below it in any colour stratum
    /// (webcam liveness captures 0.050, tight crops 0.069, full-frame photos 0.190; docs/accuracy.md).
    pub const OPERATING_POINT: f32 = 0.05;
    /// The same for grey images: 5% of the grey bona fide photos of the calibration fold score below
    /// it (0.0016). No grey attack was available, so the attack rate there is unmeasured.
    pub const GRAYSCALE_OPERATING_POINT: f32 = 0.0015;

    pub fn from_models(models: [f32; 2], grayscale: bool) -> Self {
        Self {
            score: (models[0] + models[1]) / 2.0,
            models,
            grayscale,
        }
    }

    /// The score on the calibrated scale the API's `antiSpoofingPercent` is held against: linear from
    /// 0% (score 0) to 50% at the operating point and on to 100% (score 1).
    pub fn percent(&self) -> f32 {
        let at = if self.grayscale {
            Self::GRAYSCALE_OPERATING_POINT
        } else {
            Self::OPERATING_POINT
        };
        let s = self.score.clamp(0.0, 1.0);
        if s < at {
            50.0 * s / at
        } else {
            50.0 + 50.0 * (s - at) / (1.0 - at)
        }
    }

    /// Live at the default operating point (`percent() ≥ 50`).
    pub fn is_live(&self) -> bool {
        self.percent() >= 50.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operating_point_reads_fifty_percent_and_grey_photos_have_their_own() {
        let at = |score: f32, grayscale| {
            Liveness {
                score,
                models: [score; 2],
                grayscale,
            }
            .percent()
        };
        assert!((at(Liveness::OPERATING_POINT, false) - 50.0).abs() < 1e-4);
        assert!((at(0.0, false), at(1.0, false)) == (0.0, 100.0));
        assert!(at(0.01, true) > 50.0 && at(0.01, false) < 50.0);
        assert!(at(0.2, false) < at(0.25, false));
    }
}

//! Embeddings, the model that made them, their similarity and the calibrated confidence percentage.
//!
//! Calibration: a confidence percentage states a false-match rate per comparison,
//! `FMR = ((100 − confidence) / 100)³`, so 90% ↔ FMR 1e-3, 98% ↔ 8e-6 and 99% ↔ 1e-6. Each model maps
//! its score to an FMR through the impostor scores of the calibration fold of `shared/faces-dev2`
//! at FMR 0.3 … 3e-5 (log10 FMR interpolated linearly between them), and beyond the last of them
//! along the straight line fitted to the impostor tail (docs/accuracy.md; `baf-server face
//! evaluate` prints these values as `fitted.calibration_points` and `fitted.tail_lines`).

use std::fmt;

/// Which network made an embedding. Embeddings of different models are never compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmbeddingModel {
    /// dlib ResNet v1: 128-d, 150×150 chip.
    DlibResnetV1,
    /// MobileFace Identification V2: 256-d, 112×112 ArcFace chip.
    MobileFaceV2,
    /// Both, weighted by their impostor spread: one 384-d unit vector whose dot product is the fused score.
    Fusion,
}

impl EmbeddingModel {
    pub const ALL: [Self; 3] = [Self::DlibResnetV1, Self::MobileFaceV2, Self::Fusion];

    /// The name in `models/manifest.toml` and in stored profiles.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DlibResnetV1 => "dlib-resnet-v1",
            Self::MobileFaceV2 => "mobileface-v2",
            Self::Fusion => "fusion",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Length of the embedding vector.
    pub const fn dim(self) -> usize {
        match self {
            Self::DlibResnetV1 => 128,
            Self::MobileFaceV2 => 256,
            Self::Fusion => 128 + 256,
        }
    }

    /// The score → false-match-rate calibration of this model.
    const fn calibration(self) -> Calibration {
        match self {
            Self::DlibResnetV1 => Calibration {
                points: &[
                    (0.856_497, 0.3),
                    (0.880_760, 0.1),
                    (0.897_544, 0.03),
                    (0.908_677, 0.01),
                    (0.918_985, 0.003),
                    (0.926_551, 0.001),
                    (0.933_443, 3e-4),
                    (0.939_486, 1e-4),
                    (0.943_153, 3e-5),
                ],
                tail_slope: -71.345,
            },
            Self::MobileFaceV2 => Calibration {
                points: &[
                    (0.043_032, 0.3),
                    (0.111_936, 0.1),
                    (0.181_090, 0.03),
                    (0.241_189, 0.01),
                    (0.302_165, 0.003),
                    (0.353_061, 0.001),
                    (0.393_808, 3e-4),
                    (0.439_319, 1e-4),
                    (0.481_726, 3e-5),
                ],
                tail_slope: -10.563,
            },
            Self::Fusion => Calibration {
                points: &[
                    (0.622_418, 0.3),
                    (0.657_448, 0.1),
                    (0.688_747, 0.03),
                    (0.712_881, 0.01),
                    (0.736_008, 0.003),
                    (0.754_011, 0.001),
                    (0.771_735, 3e-4),
                    (0.786_464, 1e-4),
                    (0.802_743, 3e-5),
                ],
                tail_slope: -28.258,
            },
        }
    }
}

impl fmt::Display for EmbeddingModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Fusion weights: each model's cosine divided by its impostor standard deviation (z-normalisation
/// against impostors of the calibration fold), rescaled to sum to 1 so the fused vector stays unit
/// length. Impostor cosine mean / sd there: dlib 0.8373 / 0.0343, MobileFace 0.0029 / 0.0887.
pub const FUSION_WEIGHTS: [f32; 2] = [0.7212, 0.2788];

/// Impostor scores at known false-match rates, ascending by score, and the slope (decades of FMR per
/// unit of score) of the impostor tail beyond the last of them.
#[derive(Clone, Copy, Debug)]
struct Calibration {
    points: &'static [(f64, f64)],
    tail_slope: f64,
}

impl Calibration {
    /// log10 FMR at `score`: linear between the points, along the tail line above the last, and
    /// along the first segment below the first (clamped to FMR 1 by the caller).
    fn log_fmr(&self, score: f64) -> f64 {
        let at = |i: usize| (self.points[i].0, self.points[i].1.log10());
        let last = self.points.len() - 1;
        if score >= at(last).0 {
            return at(last).1 + self.tail_slope * (score - at(last).0);
        }
        let upper = self
            .points
            .iter()
            .position(|p| p.0 > score)
            .unwrap_or(last)
            .max(1);
        let ((x0, y0), (x1, y1)) = (at(upper - 1), at(upper));
        y0 + (y1 - y0) * (score - x0) / (x1 - x0)
    }

    /// The score at which log10 FMR is `log_fmr`: the inverse of [`Calibration::log_fmr`].
    fn score(&self, log_fmr: f64) -> f64 {
        let at = |i: usize| (self.points[i].0, self.points[i].1.log10());
        let last = self.points.len() - 1;
        if log_fmr <= at(last).1 {
            return at(last).0 + (log_fmr - at(last).1) / self.tail_slope;
        }
        let upper = self
            .points
            .iter()
            .position(|p| p.1.log10() < log_fmr)
            .unwrap_or(last)
            .max(1);
        let ((x0, y0), (x1, y1)) = (at(upper - 1), at(upper));
        x0 + (x1 - x0) * (log_fmr - y0) / (y1 - y0)
    }
}

/// An L2-normalised face descriptor (unit length by construction), so similarity is a dot product.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    model: EmbeddingModel,
    values: Box<[f32]>,
}

impl Embedding {
    /// Normalises a raw descriptor of `model`. `None` when it has the wrong length, a non-finite value
    /// or zero norm, which is what a corrupt stored vector looks like.
    pub fn from_raw(model: EmbeddingModel, raw: &[f32]) -> Option<Self> {
        if raw.len() != model.dim() {
            return None;
        }
        // f64: the norm is summed without losing the small components.
        let norm = raw
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return None;
        }
        Some(Self {
            model,
            values: raw.iter().map(|&v| (f64::from(v) / norm) as f32).collect(),
        })
    }

    /// The fused embedding of a dlib and a MobileFace embedding of the same face: the parts scaled by
    /// √weight, so the dot product of two fused vectors is the weighted sum of the two cosines.
    pub fn fuse(dlib: &Embedding, mobile: &Embedding) -> Option<Self> {
        if dlib.model != EmbeddingModel::DlibResnetV1
            || mobile.model != EmbeddingModel::MobileFaceV2
        {
            return None;
        }
        let [wd, wm] = FUSION_WEIGHTS.map(f32::sqrt);
        let raw: Vec<f32> = dlib
            .values
            .iter()
            .map(|v| v * wd)
            .chain(mobile.values.iter().map(|v| v * wm))
            .collect();
        Self::from_raw(EmbeddingModel::Fusion, &raw)
    }

    pub fn model(&self) -> EmbeddingModel {
        self.model
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.values
    }

    /// Cosine similarity; `None` for embeddings of different models, which are not comparable.
    pub fn similarity(&self, other: &Embedding) -> Option<Similarity> {
        (self.model == other.model)
            .then(|| Similarity::new(self.model, dot(&self.values, &other.values)))
    }
}

/// Dot product in 8 independent lanes, a shape the compiler turns into SIMD adds.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a
        .chunks_exact(8)
        .remainder()
        .iter()
        .zip(b.chunks_exact(8).remainder())
        .map(|(x, y)| x * y)
        .sum();
    lanes.iter().sum::<f32>() + tail
}

/// The similarity of two faces under one model, with the calibrated confidence the BAF API reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Similarity {
    model: EmbeddingModel,
    score: f32,
}

impl Similarity {
    pub fn new(model: EmbeddingModel, score: f32) -> Self {
        Self { model, score }
    }

    pub fn model(self) -> EmbeddingModel {
        self.model
    }

    /// The raw score: the cosine (for fusion, the weighted sum of the two cosines).
    pub fn score(self) -> f32 {
        self.score
    }

    /// Estimated false-match rate per comparison at this score (calibration fold, clamped to 1).
    pub fn false_match_rate(self) -> f64 {
        10f64
            .powf(self.model.calibration().log_fmr(f64::from(self.score)))
            .min(1.0)
    }

    /// Match confidence in percent, 0..100: 100 · (1 − FMR^⅓).
    pub fn confidence(self) -> f64 {
        confidence_for_fmr(self.false_match_rate())
    }

    /// The similarity of `model` whose confidence is `percent` (clamped to 0..100); the inverse of
    /// `confidence`, which turns a threshold such as the BAF default of 90% into a score threshold.
    pub fn from_confidence(model: EmbeddingModel, percent: f64) -> Self {
        let fmr = fmr_for_confidence(percent).max(1e-300);
        Self {
            model,
            score: model.calibration().score(fmr.log10()) as f32,
        }
    }
}

/// The false-match rate a confidence percentage states: ((100 − c) / 100)³.
pub fn fmr_for_confidence(percent: f64) -> f64 {
    ((100.0 - percent.clamp(0.0, 100.0)) / 100.0).powi(3)
}

/// The confidence percentage that states a false-match rate: 100 · (1 − FMR^⅓).
pub fn confidence_for_fmr(fmr: f64) -> f64 {
    100.0 * (1.0 - fmr.clamp(0.0, 1.0).cbrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DLIB: EmbeddingModel = EmbeddingModel::DlibResnetV1;

    #[test]
    fn embeddings_are_unit_length_and_refuse_garbage() {
        let e = Embedding::from_raw(DLIB, &[3.0; 128]).unwrap();
        assert!((e.similarity(&e).unwrap().score() - 1.0).abs() < 1e-6);
        assert!(Embedding::from_raw(DLIB, &[0.0; 128]).is_none());
        assert!(Embedding::from_raw(DLIB, &[1.0; 3]).is_none());
        assert!(Embedding::from_raw(EmbeddingModel::MobileFaceV2, &[1.0; 128]).is_none());
        let mut nan = [1.0; 128];
        nan[5] = f32::NAN;
        assert!(Embedding::from_raw(DLIB, &nan).is_none());
    }

    #[test]
    fn embeddings_of_different_models_are_never_compared() {
        let dlib = Embedding::from_raw(DLIB, &[1.0; 128]).unwrap();
        let mobile = Embedding::from_raw(EmbeddingModel::MobileFaceV2, &[1.0; 256]).unwrap();
        assert_eq!(dlib.similarity(&mobile), None);
    }

    #[test]
    fn a_fused_vector_scores_the_weighted_sum_of_the_cosines() {
        let raw = |n: usize, k: f32| (0..n).map(|i| (i as f32 * k).cos()).collect::<Vec<_>>();
        let (d1, d2) = (
            Embedding::from_raw(DLIB, &raw(128, 0.3)).unwrap(),
            Embedding::from_raw(DLIB, &raw(128, 0.31)).unwrap(),
        );
        let m = EmbeddingModel::MobileFaceV2;
        let (m1, m2) = (
            Embedding::from_raw(m, &raw(256, 0.7)).unwrap(),
            Embedding::from_raw(m, &raw(256, 0.9)).unwrap(),
        );
        let f1 = Embedding::fuse(&d1, &m1).unwrap();
        let f2 = Embedding::fuse(&d2, &m2).unwrap();
        let expected = FUSION_WEIGHTS[0] * d1.similarity(&d2).unwrap().score()
            + FUSION_WEIGHTS[1] * m1.similarity(&m2).unwrap().score();
        assert!((f1.similarity(&f2).unwrap().score() - expected).abs() < 1e-4);
        assert!(Embedding::fuse(&m1, &d1).is_none());
    }

    #[test]
    fn ninety_percent_states_one_false_match_in_a_thousand_and_inverts() {
        assert!((fmr_for_confidence(90.0) - 1e-3).abs() < 1e-12);
        assert!((confidence_for_fmr(1e-6) - 99.0).abs() < 1e-9);
        for model in EmbeddingModel::ALL {
            let at90 = Similarity::from_confidence(model, 90.0);
            assert!((at90.false_match_rate() - 1e-3).abs() < 1e-6, "{model}");
            for pct in [1.0, 50.0, 90.0, 99.0] {
                assert!(
                    (Similarity::from_confidence(model, pct).confidence() - pct).abs() < 1e-2,
                    "{model} {pct}"
                );
            }
        }
    }

    #[test]
    fn the_calibration_passes_through_its_points_and_is_monotone() {
        for model in EmbeddingModel::ALL {
            let c = model.calibration();
            for &(score, fmr) in c.points {
                assert!((c.log_fmr(score) - fmr.log10()).abs() < 1e-9, "{model}");
            }
            let mut last = f64::INFINITY;
            for i in 0..=200 {
                let score = -0.2 + 1.2 * f64::from(i) / 200.0;
                let here = c.log_fmr(score);
                assert!(here < last, "{model} at {score}");
                assert!((c.score(here) - score).abs() < 1e-9, "{model} at {score}");
                last = here;
            }
        }
    }

    #[test]
    fn dot_matches_a_plain_sum_with_a_tail() {
        let a: Vec<f32> = (0..13).map(|i| i as f32).collect();
        let b: Vec<f32> = (0..13).map(|i| 1.0 - i as f32 / 7.0).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-4);
    }
}

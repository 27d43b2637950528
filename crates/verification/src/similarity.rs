//! Embeddings, their cosine similarity and the calibrated confidence percentage.

/// Length of a dlib ResNet descriptor.
pub const EMBEDDING_DIM: usize = 128;

/// An L2-normalised face descriptor (unit length by construction), so cosine is a dot product.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding(Box<[f32; EMBEDDING_DIM]>);

impl Embedding {
    /// Normalises a raw descriptor. `None` when it has the wrong length, a non-finite value or zero norm,
    /// which is what a corrupt stored vector looks like.
    pub fn from_raw(raw: &[f32]) -> Option<Self> {
        let raw: &[f32; EMBEDDING_DIM] = raw.try_into().ok()?;
        // f64: the norm of 128 values is summed without losing the small components.
        let norm = raw
            .iter()
            .map(|&v| f64::from(v) * f64::from(v))
            .sum::<f64>()
            .sqrt();
        if !norm.is_finite() || norm == 0.0 {
            return None;
        }
        Some(Self(Box::new(raw.map(|v| (f64::from(v) / norm) as f32))))
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.0[..]
    }

    /// 512 bytes, little-endian f32s: the form to store (Postgres `bytea`) and read back with
    /// `from_le_bytes`.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads `to_le_bytes` output (normalising again); `None` unless it is 512 bytes of a valid vector.
    pub fn from_le_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != EMBEDDING_DIM * 4 {
            return None;
        }
        let raw: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        Self::from_raw(&raw)
    }

    pub fn similarity(&self, other: &Embedding) -> Similarity {
        Similarity(dot(self.as_slice(), other.as_slice()))
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

/// Cosine similarity of two faces, with the calibrated confidence percentage the BAF API reports.
///
/// confidence = 100 / (1 + exp(−SLOPE · (cosine − CENTRE))). The slope is a penalised logistic fit on the
/// 41 genuine and 659 impostor pairs of `shared/faces`; the centre puts 90% at cosine 0.9425, above the
/// hardest impostor known for this model (0.935, MODELS.md) by more than the port's cosine jitter
/// (docs/verification.md). 90% is the strict operating point.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Similarity(pub f32);

impl Similarity {
    /// Cosine at which the confidence is 50%.
    pub const CENTRE: f64 = 0.926;
    /// Steepness of the logistic mapping, per unit of cosine.
    pub const SLOPE: f64 = 133.0;

    pub fn cosine(self) -> f32 {
        self.0
    }

    /// Match confidence in percent, 0..100.
    pub fn confidence(self) -> f64 {
        100.0 / (1.0 + (-Self::SLOPE * (f64::from(self.0) - Self::CENTRE)).exp())
    }

    /// The similarity whose confidence is `percent` (clamped to 0..100); the inverse of `confidence`, used
    /// to turn a confidence threshold such as the BAF default of 90% into a cosine threshold.
    pub fn from_confidence(percent: f64) -> Self {
        let p = (percent / 100.0).clamp(1e-12, 1.0 - 1e-12);
        Self((Self::CENTRE + (p / (1.0 - p)).ln() / Self::SLOPE) as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_are_unit_length_and_refuse_garbage() {
        let e = Embedding::from_raw(&[3.0; EMBEDDING_DIM]).unwrap();
        assert!((e.similarity(&e).cosine() - 1.0).abs() < 1e-6);
        assert!(Embedding::from_raw(&[0.0; EMBEDDING_DIM]).is_none());
        assert!(Embedding::from_raw(&[1.0; 3]).is_none());
        let mut nan = [1.0; EMBEDDING_DIM];
        nan[5] = f32::NAN;
        assert!(Embedding::from_raw(&nan).is_none());
    }

    #[test]
    fn embeddings_round_trip_through_bytes() {
        let raw: Vec<f32> = (0..EMBEDDING_DIM).map(|i| (i as f32 * 0.7).cos()).collect();
        let e = Embedding::from_raw(&raw).unwrap();
        assert_eq!(Embedding::from_le_bytes(&e.to_le_bytes()), Some(e));
        assert_eq!(Embedding::from_le_bytes(&[0u8; 12]), None);
    }

    #[test]
    fn confidence_is_fifty_percent_at_the_centre_and_inverts() {
        assert!((Similarity(Similarity::CENTRE as f32).confidence() - 50.0).abs() < 1e-3);
        for pct in [1.0, 50.0, 90.0, 99.0] {
            assert!(
                (Similarity::from_confidence(pct).confidence() - pct).abs() < 1e-2,
                "{pct}"
            );
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

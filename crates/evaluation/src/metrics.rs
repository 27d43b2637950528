//! Error rates from scores, in ISO/IEC 19795-1 and 30107-3 terms: a comparison is accepted when its
//! score reaches the threshold; FMR and FNMR are the shares of impostor and genuine comparisons on the
//! wrong side of it; APCER and BPCER the same for attacks and bona fide presentations.

use serde::Serialize;

/// Genuine and impostor scores of one comparison set.
#[derive(Clone, Debug, Default)]
pub struct Scores {
    pub genuine: Vec<f32>,
    pub impostor: Vec<f32>,
}

/// The error rates at one threshold (accept when score ≥ threshold).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Operating {
    pub threshold: f32,
    pub fmr: f64,
    pub fnmr: f64,
}

impl Scores {
    /// Sorts both lists ascending, which every query below expects.
    pub fn sorted(mut self) -> Self {
        self.genuine.sort_by(f32::total_cmp);
        self.impostor.sort_by(f32::total_cmp);
        self
    }

    pub fn at(&self, threshold: f32) -> Operating {
        Operating {
            threshold,
            fmr: share_at_or_above(&self.impostor, threshold),
            fnmr: 1.0 - share_at_or_above(&self.genuine, threshold),
        }
    }

    /// The lowest threshold whose FMR does not exceed `fmr`, and the FNMR there; `None` without
    /// impostors. With fewer than 1/fmr impostors this is the threshold just above the highest one.
    pub fn at_fmr(&self, fmr: f64) -> Option<Operating> {
        let n = self.impostor.len();
        if n == 0 {
            return None;
        }
        // At most ⌊fmr·n⌋ impostors may reach the threshold: it sits just above the next one down.
        let allowed = ((fmr * n as f64).floor() as usize).min(n);
        let threshold = if allowed == n {
            f32::NEG_INFINITY
        } else {
            next_up(self.impostor[n - 1 - allowed])
        };
        Some(self.at(threshold))
    }

    /// The equal error rate: the mean of FMR and FNMR where they are closest.
    pub fn eer(&self) -> Option<f64> {
        if self.genuine.is_empty() || self.impostor.is_empty() {
            return None;
        }
        let mut best = (f64::INFINITY, 0.0);
        for &t in self.genuine.iter().chain(&self.impostor) {
            let o = self.at(t);
            let gap = (o.fmr - o.fnmr).abs();
            if gap < best.0 {
                best = (gap, (o.fmr + o.fnmr) / 2.0);
            }
        }
        Some(best.1)
    }

    /// (FMR, FNMR) at every distinct impostor score from the top down, for a DET curve.
    pub fn det(&self) -> Vec<(f64, f64)> {
        let n = self.impostor.len();
        let mut points = Vec::new();
        let mut last = f32::INFINITY;
        for (i, &s) in self.impostor.iter().rev().enumerate() {
            if s == last {
                continue;
            }
            last = s;
            let o = self.at(next_up(s));
            points.push((i.max(1) as f64 / n as f64, o.fnmr));
        }
        points
    }
}

/// Share of an ascending list at or above `threshold`.
pub fn share_at_or_above(sorted: &[f32], threshold: f32) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let below = sorted.partition_point(|&s| s < threshold);
    (sorted.len() - below) as f64 / sorted.len() as f64
}

/// The smallest f32 above `x`.
fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    let bits = x.to_bits();
    let up = if x == 0.0 {
        1
    } else if x > 0.0 {
        bits + 1
    } else {
        bits - 1
    };
    f32::from_bits(up)
}

/// The `q` quantile of an ascending list (nearest rank, lower).
pub fn quantile(sorted: &[f32], q: f64) -> Option<f32> {
    if sorted.is_empty() {
        return None;
    }
    let at = ((q.clamp(0.0, 1.0) * sorted.len() as f64).floor() as usize).min(sorted.len() - 1);
    Some(sorted[at])
}

pub fn mean_and_sd(values: &[f32]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

/// The false-match rates the impostor tail is fitted at.
pub const TAIL_FMRS: [f64; 6] = [1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5];

/// The false-match rates the confidence mapping is pinned at.
pub const CALIBRATION_FMRS: [f64; 9] = [3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5];

/// The impostor score at each false-match rate of `fmrs` the impostor count resolves (two or more
/// impostors at or above it), lowest rate last: the points of a piecewise-linear calibration.
pub fn scores_at_fmrs(impostor_sorted: &[f32], fmrs: &[f64]) -> Vec<(f64, f32)> {
    let n = impostor_sorted.len();
    fmrs.iter()
        .filter(|&&fmr| fmr * n as f64 >= 2.0)
        .map(|&fmr| {
            (
                fmr,
                impostor_sorted[n - 1 - (fmr * n as f64).floor() as usize],
            )
        })
        .collect()
}

/// log10 FMR ≈ intercept + slope · score over the impostor tail: least squares through the scores at
/// `TAIL_FMRS` (those the impostor count resolves). The line extrapolates the tail below the rates
/// the data can show, as the duplicate search needs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TailLine {
    pub intercept: f64,
    pub slope: f64,
}

impl TailLine {
    pub fn fit(impostor_sorted: &[f32]) -> Option<Self> {
        let points: Vec<(f64, f64)> = scores_at_fmrs(impostor_sorted, &TAIL_FMRS)
            .into_iter()
            .map(|(fmr, score)| (f64::from(score), fmr.log10()))
            .collect();
        if points.len() < 2 {
            return None;
        }
        let m = points.len() as f64;
        let (mx, my) = (
            points.iter().map(|p| p.0).sum::<f64>() / m,
            points.iter().map(|p| p.1).sum::<f64>() / m,
        );
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
        (sxx > 0.0).then(|| {
            let slope = sxy / sxx;
            Self {
                intercept: my - slope * mx,
                slope,
            }
        })
    }

    /// The score at which the line reaches `fmr`.
    pub fn score_at(&self, fmr: f64) -> f64 {
        (fmr.log10() - self.intercept) / self.slope
    }
}

/// Probability that a random positive scores above a random negative (ties count half): the area
/// under the ROC curve.
pub fn auc(positive: &[f32], negative: &[f32]) -> Option<f64> {
    if positive.is_empty() || negative.is_empty() {
        return None;
    }
    let mut negative = negative.to_vec();
    negative.sort_by(f32::total_cmp);
    let wins: f64 = positive
        .iter()
        .map(|&p| {
            let below = negative.partition_point(|&n| n < p);
            let ties = negative[below..].partition_point(|&n| n == p);
            below as f64 + ties as f64 / 2.0
        })
        .sum();
    Some(wins / (positive.len() as f64 * negative.len() as f64))
}

/// The chance that an honest person is flagged when compared with `gallery` others, each a false
/// match with probability `fmr` independently: 1 − (1 − fmr)^gallery.
pub fn false_duplicate_rate(fmr: f64, gallery: u64) -> f64 {
    1.0 - (1.0 - fmr).powf(gallery as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores() -> Scores {
        Scores {
            genuine: vec![0.9, 0.8, 0.7, 0.6],
            impostor: (0..100).map(|i| i as f32 / 100.0).collect(),
        }
        .sorted()
    }

    #[test]
    fn the_threshold_at_a_false_match_rate_lets_that_share_of_impostors_through_at_most() {
        let s = scores();
        let o = s.at_fmr(0.05).unwrap();
        // Impostors 0.95..0.99 may pass: the threshold sits just above 0.94.
        assert!((o.fmr - 0.05).abs() < 1e-9, "{o:?}");
        assert!(o.threshold > 0.94 && o.threshold < 0.9400001);
        assert_eq!(o.fnmr, 1.0);
        let strict = s.at_fmr(0.001).unwrap();
        assert_eq!(strict.fmr, 0.0);
        assert_eq!(
            s.at(0.75),
            Operating {
                threshold: 0.75,
                fmr: 0.25,
                fnmr: 0.5
            }
        );
    }

    #[test]
    fn separable_scores_have_no_equal_error_and_an_auc_of_one() {
        let s = Scores {
            genuine: vec![2.0, 3.0],
            impostor: vec![0.0, 1.0],
        }
        .sorted();
        assert_eq!(s.eer(), Some(0.0));
        assert_eq!(auc(&s.genuine, &s.impostor), Some(1.0));
        assert_eq!(auc(&[1.0], &[1.0]), Some(0.5));
    }

    #[test]
    fn the_tail_line_recovers_an_exponential_tail() {
        // FMR(s) = 10^(−10 s): scores at quantile q are −log10(q)/10.
        let n = 1_000_000;
        let impostor: Vec<f32> = (1..=n)
            .map(|i| (-(i as f64 / n as f64).log10() / 10.0) as f32)
            .rev()
            .collect();
        let line = TailLine::fit(&impostor).unwrap();
        assert!(
            (line.slope + 10.0).abs() < 0.2 && line.intercept.abs() < 0.05,
            "{line:?}"
        );
        assert!((line.score_at(1e-6) - 0.6).abs() < 0.01);
    }

    #[test]
    fn a_gallery_multiplies_the_false_match_chances() {
        assert!((false_duplicate_rate(1e-5, 1000) - 0.00995).abs() < 1e-4);
        assert_eq!(false_duplicate_rate(0.0, 1_000_000), 0.0);
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(3.0));
    }
}

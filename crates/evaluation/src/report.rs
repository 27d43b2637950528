//! The accuracy report: what is refused at enrolment, how well each embedding separates people, how
//! often an honest registration would be flagged as a duplicate, and how liveness treats attacks and
//! bona fide photos — per fold and per stratum — plus the values fitted on the calibration fold.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use verification::{EmbeddingModel, Similarity, fmr_for_confidence};

use crate::manifest::Fold;
use crate::measure::{MainMeasure, Sample, Stratum};
use crate::metrics::{self, Operating, Scores, TailLine};

/// The thresholds in force, on the API's 0..100 scales (the BAF defaults of a new account).
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// `qualityScore`
    pub quality_percent: f32,
    /// `antiSpoofingPercent`
    pub anti_spoofing_percent: f32,
    /// The authorization threshold (`faceMatchThreshold`).
    pub match_percent: f64,
    /// The duplicate search at registration.
    pub duplicate_percent: f64,
    /// The model the server ships (`models/manifest.toml`).
    #[serde(serialize_with = "model_name")]
    pub shipped_model: EmbeddingModel,
}

fn model_name<S: serde::Serializer>(model: &EmbeddingModel, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(model.name())
}

/// False-match rates the FNMR is reported at.
pub const REPORTED_FMRS: [f64; 3] = [1e-2, 1e-3, 1e-4];
/// Gallery sizes the false-duplicate curve is drawn at.
pub const GALLERY_SIZES: [u64; 7] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
const ALL: &str = "all";
const MIXED: &str = "mixed";

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub manifest: String,
    pub images: usize,
    pub settings: Settings,
    pub refused_files: usize,
    /// Per fold, then per stratum (and `all`).
    pub enrolment: BTreeMap<&'static str, BTreeMap<&'static str, Enrolment>>,
    /// Group photos: how many are still refused as several faces.
    pub group_photos: GroupPhotos,
    pub verification: Vec<ModelReport>,
    pub duplicates: BTreeMap<&'static str, Duplicates>,
    pub liveness: LivenessReport,
    /// Fitted on the calibration fold: the constants the engine ships are these values.
    pub fitted: Fitted,
}

/// Why photos of one person would be refused at their first registration (FTE), before any
/// duplicate search.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Enrolment {
    pub photos: usize,
    pub refused: usize,
    pub rate: f64,
    pub no_face: usize,
    pub several_faces: usize,
    pub quality: usize,
    pub liveness: usize,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupPhotos {
    pub photos: usize,
    pub refused_as_several_faces: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelReport {
    pub model: &'static str,
    /// Per fold, then per stratum of both photos (`mixed` when they differ, and `all`).
    pub folds: BTreeMap<&'static str, BTreeMap<&'static str, Verification>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    pub genuine_pairs: usize,
    pub impostor_pairs: usize,
    pub eer: Option<f64>,
    /// FNMR at each of `REPORTED_FMRS` (the threshold set on this very set: what the model can do).
    pub fnmr_at_fmr: BTreeMap<String, Option<Operating>>,
    /// At the calibrated authorization threshold (`match_percent`).
    pub at_match_threshold: Operating,
    /// At the calibrated duplicate threshold (`duplicate_percent`).
    pub at_duplicate_threshold: Operating,
}

/// Honest registrations flagged as duplicates of somebody else, by gallery size.
#[derive(Clone, Debug, Serialize)]
pub struct Duplicates {
    pub threshold: f32,
    /// Impostor comparisons at or above the threshold, and how many there were.
    pub impostor_fmr: f64,
    pub impostor_pairs: usize,
    /// The calibrated estimate at the threshold, used where the data runs out.
    pub calibrated_fmr: f64,
    /// Re-registrations of the same person caught: genuine pairs at or above the threshold.
    pub genuine_caught: f64,
    /// 1 − (1 − FMR)^N with the calibrated FMR.
    pub expected_rate: BTreeMap<u64, f64>,
    /// Drawn galleries of N other people (one random photo each) per probe photo.
    pub observed_rate: BTreeMap<u64, f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LivenessReport {
    /// Per fold: attacks and bona fide captures of the liveness-labelled images.
    pub presentation: BTreeMap<&'static str, Presentation>,
    /// Per fold, then per stratum: bona fide photos refused by liveness.
    pub bona_fide_refused: BTreeMap<&'static str, BTreeMap<&'static str, Rate>>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Presentation {
    pub attacks: usize,
    pub bona_fide: usize,
    /// Attacks judged live at the configured `antiSpoofingPercent`.
    pub apcer: f64,
    /// Bona fide captures refused there.
    pub bpcer: f64,
    /// Area under the ROC curve of the raw score.
    pub auc: Option<f64>,
    /// APCER at the score that refuses 5% of these bona fide captures.
    pub apcer_at_bpcer_5: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Rate {
    pub photos: usize,
    pub refused: usize,
    pub rate: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Fitted {
    /// Mean and standard deviation of the impostor cosines per network, and the fusion weights.
    pub impostor_statistics: BTreeMap<&'static str, (f64, f64)>,
    pub fusion_weights: [f64; 2],
    /// log10 FMR = intercept + slope · score, per model.
    pub tail_lines: BTreeMap<&'static str, Option<TailLine>>,
    /// (FMR, impostor score) at each of `metrics::CALIBRATION_FMRS`, per model: the points the
    /// confidence mapping passes through.
    pub calibration_points: BTreeMap<&'static str, Vec<(f64, f32)>>,
    /// The raw liveness score refusing 5% of the bona fide photos, per stratum.
    pub liveness_score_at_bpcer_5: BTreeMap<&'static str, Option<f32>>,
}

/// One photo of a labelled person with a main face.
struct Photo<'a> {
    identity: &'a str,
    fold: Fold,
    stratum: Stratum,
    main: &'a MainMeasure,
}

pub fn build(manifest: &str, samples: &[Sample], settings: Settings) -> Report {
    let photos = photos(samples);
    let pairs = Pairs::of(&photos);
    Report {
        manifest: manifest.to_owned(),
        images: samples.len(),
        settings,
        refused_files: samples.iter().filter(|s| s.result.is_err()).count(),
        enrolment: enrolment(samples, &settings),
        group_photos: group_photos(samples),
        verification: EmbeddingModel::ALL
            .iter()
            .map(|&m| verification(&photos, &pairs, m, &settings))
            .collect(),
        duplicates: Fold::BOTH
            .iter()
            .map(|&fold| (fold.name(), duplicates(&photos, &pairs, fold, &settings)))
            .collect(),
        liveness: liveness(samples, &settings),
        fitted: fitted(samples, &photos, &pairs),
    }
}

fn enrolment(
    samples: &[Sample],
    settings: &Settings,
) -> BTreeMap<&'static str, BTreeMap<&'static str, Enrolment>> {
    let mut out: BTreeMap<&'static str, BTreeMap<&'static str, Enrolment>> = BTreeMap::new();
    for s in samples
        .iter()
        .filter(|s| s.row.is_single_person_photo() && s.row.bona_fide() != Some(false))
    {
        let Ok(measured) = &s.result else { continue };
        for fold in [s.fold.name(), ALL] {
            for stratum in [measured.stratum.name(), ALL] {
                let e = out.entry(fold).or_default().entry(stratum).or_default();
                e.photos += 1;
                let refused = match (&measured.main, measured.subjects) {
                    (None, _) | (_, 0) => {
                        e.no_face += 1;
                        true
                    }
                    (Some(_), n) if n > 1 => {
                        e.several_faces += 1;
                        true
                    }
                    (Some(main), _) => {
                        let low_quality = main.quality_percent < settings.quality_percent;
                        let not_live = main.liveness.percent() < settings.anti_spoofing_percent;
                        e.quality += usize::from(low_quality);
                        e.liveness += usize::from(not_live);
                        low_quality || not_live
                    }
                };
                e.refused += usize::from(refused);
                e.rate = e.refused as f64 / e.photos as f64;
            }
        }
    }
    out
}

fn group_photos(samples: &[Sample]) -> GroupPhotos {
    let mut g = GroupPhotos::default();
    for s in samples.iter().filter(|s| s.row.kind == "group") {
        g.photos += 1;
        if s.result.as_ref().is_ok_and(|m| m.subjects > 1) {
            g.refused_as_several_faces += 1;
        }
    }
    g
}

/// Every pair of photos of the same fold, with its stratum and whether it is genuine.
struct Pairs {
    /// (a, b, genuine, fold, stratum name)
    list: Vec<(usize, usize, bool, Fold, &'static str)>,
}

impl Pairs {
    fn of(photos: &[Photo]) -> Self {
        let mut list = Vec::new();
        for a in 0..photos.len() {
            for b in a + 1..photos.len() {
                let (pa, pb) = (&photos[a], &photos[b]);
                if pa.fold != pb.fold {
                    continue;
                }
                let stratum = if pa.stratum == pb.stratum {
                    pa.stratum.name()
                } else {
                    MIXED
                };
                list.push((a, b, pa.identity == pb.identity, pa.fold, stratum));
            }
        }
        Self { list }
    }

    /// Scores per (fold, stratum) for one model, `all` included, sorted.
    fn scores(
        &self,
        photos: &[Photo],
        model: EmbeddingModel,
    ) -> BTreeMap<(Fold, &'static str), Scores> {
        let mut out: BTreeMap<(Fold, &'static str), Scores> = BTreeMap::new();
        for &(a, b, genuine, fold, stratum) in &self.list {
            let score = score(photos[a].main, photos[b].main, model);
            for key in [(fold, stratum), (fold, ALL)] {
                let s = out.entry(key).or_default();
                if genuine {
                    s.genuine.push(score)
                } else {
                    s.impostor.push(score)
                }
            }
        }
        out.into_iter().map(|(k, s)| (k, s.sorted())).collect()
    }
}

fn score(a: &MainMeasure, b: &MainMeasure, model: EmbeddingModel) -> f32 {
    a.embedding(model)
        .similarity(b.embedding(model))
        .expect("one model")
        .score()
}

fn verification(
    photos: &[Photo],
    pairs: &Pairs,
    model: EmbeddingModel,
    settings: &Settings,
) -> ModelReport {
    let match_at = Similarity::from_confidence(model, settings.match_percent).score();
    let duplicate_at = Similarity::from_confidence(model, settings.duplicate_percent).score();
    let mut folds: BTreeMap<&'static str, BTreeMap<&'static str, Verification>> = BTreeMap::new();
    for ((fold, stratum), scores) in pairs.scores(photos, model) {
        if scores.genuine.is_empty() || scores.impostor.is_empty() {
            continue; // no error rate to speak of
        }
        folds.entry(fold.name()).or_default().insert(
            stratum,
            Verification {
                genuine_pairs: scores.genuine.len(),
                impostor_pairs: scores.impostor.len(),
                eer: scores.eer(),
                fnmr_at_fmr: REPORTED_FMRS
                    .iter()
                    .map(|&f| (format!("{f:e}"), scores.at_fmr(f)))
                    .collect(),
                at_match_threshold: scores.at(match_at),
                at_duplicate_threshold: scores.at(duplicate_at),
            },
        );
    }
    ModelReport {
        model: model.name(),
        folds,
    }
}

fn duplicates(photos: &[Photo], pairs: &Pairs, fold: Fold, settings: &Settings) -> Duplicates {
    let model = settings.shipped_model;
    let at = Similarity::from_confidence(model, settings.duplicate_percent);
    let all = pairs
        .scores(photos, model)
        .remove(&(fold, ALL))
        .unwrap_or_default();
    let observed = all.at(at.score());
    let calibrated_fmr = fmr_for_confidence(settings.duplicate_percent);
    let expected_rate = GALLERY_SIZES
        .iter()
        .map(|&n| (n, metrics::false_duplicate_rate(calibrated_fmr, n)))
        .collect();
    // Drawn galleries: for each probe photo, N other people with one random photo each.
    let in_fold: Vec<&Photo> = photos.iter().filter(|p| p.fold == fold).collect();
    let mut people: BTreeMap<&str, Vec<&Photo>> = BTreeMap::new();
    for p in &in_fold {
        people.entry(p.identity).or_default().push(p);
    }
    let names: Vec<&str> = people.keys().copied().collect();
    let mut rng = StdRng::seed_from_u64(12);
    let mut observed_rate = BTreeMap::new();
    let largest = names.len().saturating_sub(1) as u64;
    let sizes = GALLERY_SIZES
        .iter()
        .copied()
        .filter(|&n| n < largest)
        .chain((largest > 0).then_some(largest));
    for n in sizes {
        let (mut flagged, mut trials) = (0usize, 0usize);
        for probe in &in_fold {
            for _ in 0..4 {
                let others: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|&id| id != probe.identity)
                    .collect();
                let gallery = others.choose_multiple(&mut rng, n as usize);
                let hit = gallery.into_iter().any(|id| {
                    let photo = people[id][rng.random_range(0..people[id].len())];
                    score(probe.main, photo.main, model) >= at.score()
                });
                flagged += usize::from(hit);
                trials += 1;
            }
        }
        observed_rate.insert(n, flagged as f64 / trials.max(1) as f64);
    }
    Duplicates {
        threshold: at.score(),
        impostor_fmr: observed.fmr,
        impostor_pairs: all.impostor.len(),
        calibrated_fmr,
        genuine_caught: 1.0 - observed.fnmr,
        expected_rate,
        observed_rate,
    }
}

fn liveness(samples: &[Sample], settings: &Settings) -> LivenessReport {
    let live = |m: &MainMeasure| m.liveness.percent() >= settings.anti_spoofing_percent;
    let mut presentation = BTreeMap::new();
    let mut bona_fide_refused: BTreeMap<&'static str, BTreeMap<&'static str, Rate>> =
        BTreeMap::new();
    for fold in Fold::BOTH.iter().map(|f| Some(*f)).chain([None]) {
        let name = fold.map_or(ALL, Fold::name);
        let in_fold = || {
            samples
                .iter()
                .filter(move |s| fold.is_none_or(|f| s.fold == f))
        };
        let mains = |bona_fide: bool| -> Vec<&MainMeasure> {
            in_fold()
                .filter(|s| s.row.bona_fide() == Some(bona_fide))
                .filter_map(|s| s.result.as_ref().ok()?.main.as_ref())
                .collect()
        };
        let (attacks, bona_fide) = (mains(false), mains(true));
        let raw = |v: &[&MainMeasure]| v.iter().map(|m| m.liveness.score).collect::<Vec<f32>>();
        let (attack_scores, mut bona_scores) = (raw(&attacks), raw(&bona_fide));
        bona_scores.sort_by(f32::total_cmp);
        let share = |v: &[&MainMeasure], f: &dyn Fn(&MainMeasure) -> bool| {
            v.iter().filter(|m| f(m)).count() as f64 / v.len().max(1) as f64
        };
        presentation.insert(
            name,
            Presentation {
                attacks: attacks.len(),
                bona_fide: bona_fide.len(),
                apcer: share(&attacks, &|m| live(m)),
                bpcer: share(&bona_fide, &|m| !live(m)),
                auc: metrics::auc(&bona_scores, &attack_scores),
                apcer_at_bpcer_5: metrics::quantile(&bona_scores, 0.05).map(|t| {
                    attack_scores.iter().filter(|&&s| s >= t).count() as f64
                        / attack_scores.len().max(1) as f64
                }),
            },
        );
        for s in in_fold().filter(|s| s.row.kind == "selfie" && s.row.bona_fide() != Some(false)) {
            let Some(m) = s.result.as_ref().ok() else {
                continue;
            };
            let Some(main) = &m.main else { continue };
            for stratum in [m.stratum.name(), ALL] {
                let r = bona_fide_refused
                    .entry(name)
                    .or_default()
                    .entry(stratum)
                    .or_default();
                r.photos += 1;
                r.refused += usize::from(!live(main));
                r.rate = r.refused as f64 / r.photos as f64;
            }
        }
    }
    LivenessReport {
        presentation,
        bona_fide_refused,
    }
}

fn fitted(samples: &[Sample], photos: &[Photo], pairs: &Pairs) -> Fitted {
    let calibration = |model| {
        pairs
            .scores(photos, model)
            .remove(&(Fold::Calibration, ALL))
            .unwrap_or_default()
    };
    let mut impostor_statistics = BTreeMap::new();
    let mut sd = [1.0; 2];
    for (i, model) in [EmbeddingModel::DlibResnetV1, EmbeddingModel::MobileFaceV2]
        .into_iter()
        .enumerate()
    {
        let stats = metrics::mean_and_sd(&calibration(model).impostor);
        sd[i] = stats.1;
        impostor_statistics.insert(model.name(), stats);
    }
    let inverse = [1.0 / sd[0], 1.0 / sd[1]];
    let fusion_weights = [
        inverse[0] / (inverse[0] + inverse[1]),
        inverse[1] / (inverse[0] + inverse[1]),
    ];
    let tail_lines = EmbeddingModel::ALL
        .iter()
        .map(|&m| (m.name(), TailLine::fit(&calibration(m).impostor)))
        .collect();
    let calibration_points = EmbeddingModel::ALL
        .iter()
        .map(|&m| {
            (
                m.name(),
                metrics::scores_at_fmrs(&calibration(m).impostor, &metrics::CALIBRATION_FMRS),
            )
        })
        .collect();
    let mut by_stratum: BTreeMap<&'static str, Vec<f32>> = BTreeMap::new();
    for s in samples.iter().filter(|s| {
        s.fold == Fold::Calibration && s.row.kind == "selfie" && s.row.bona_fide() != Some(false)
    }) {
        let Some(m) = s.result.as_ref().ok() else {
            continue;
        };
        if let Some(main) = &m.main {
            by_stratum
                .entry(m.stratum.name())
                .or_default()
                .push(main.liveness.score);
        }
    }
    let liveness_score_at_bpcer_5 = by_stratum
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(f32::total_cmp);
            (k, metrics::quantile(&v, 0.05))
        })
        .collect();
    Fitted {
        impostor_statistics,
        fusion_weights,
        tail_lines,
        calibration_points,
        liveness_score_at_bpcer_5,
    }
}

/// The single-person photos of labelled people that have a main face: what pairs are made of.
fn photos(samples: &[Sample]) -> Vec<Photo<'_>> {
    samples
        .iter()
        .filter(|s| s.row.is_single_person_photo())
        .filter_map(|s| {
            let measured = s.result.as_ref().ok()?;
            Some(Photo {
                identity: s.row.person()?,
                fold: s.fold,
                stratum: measured.stratum,
                main: measured.main.as_ref()?,
            })
        })
        .collect()
}

/// Scores of one model on the test fold, per stratum, for the pictures.
pub(crate) fn test_scores(
    samples: &[Sample],
    model: EmbeddingModel,
) -> BTreeMap<&'static str, Scores> {
    let photos = photos(samples);
    Pairs::of(&photos)
        .scores(&photos, model)
        .into_iter()
        .filter(|((fold, _), _)| *fold == Fold::Test)
        .map(|((_, stratum), s)| (stratum, s))
        .collect()
}

//! The report's pictures as PNG: DET curves, score histograms, the liveness score distributions and
//! the false-duplicate rate by gallery size.

use std::path::Path;

use plotters::prelude::*;
use verification::{EmbeddingModel, Similarity};

use crate::Error;
use crate::document_reading::DocumentReport;
use crate::manifest::Fold;
use crate::measure::Sample;
use crate::metrics::Scores;
use crate::report::{self, Report};

const SIZE: (u32, u32) = (900, 600);
const COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
];

/// Writes every picture into `dir`; returns the file names.
pub fn draw(dir: &Path, report: &Report, samples: &[Sample]) -> Result<Vec<String>, Error> {
    let shipped = report.settings.shipped_model;
    let by_model: Vec<(String, Scores)> = EmbeddingModel::ALL
        .iter()
        .filter_map(|&m| {
            report::test_scores(samples, m)
                .remove("all")
                .map(|s| (m.name().to_owned(), s))
        })
        .collect();
    let strata: Vec<(String, Scores)> = report::test_scores(samples, shipped)
        .into_iter()
        .filter(|(_, s)| s.genuine.len() >= 5 && !s.impostor.is_empty())
        .map(|(k, s)| (k.to_owned(), s))
        .collect();
    let mut files = Vec::new();
    let mut save = |name: &str, result: Result<(), String>| -> Result<(), Error> {
        result.map_err(|problem| Error::Plot {
            file: dir.join(name),
            problem,
        })?;
        files.push(name.to_owned());
        Ok(())
    };
    save(
        "det-models.png",
        det(
            &dir.join("det-models.png"),
            "DET, test fold: the three embeddings",
            &by_model,
        ),
    )?;
    save(
        "det-strata.png",
        det(
            &dir.join("det-strata.png"),
            &format!("DET, test fold, {shipped} by stratum"),
            &strata,
        ),
    )?;
    if let Some(all) = report::test_scores(samples, shipped).remove("all") {
        let marks = [
            (
                format!("{}%", report.settings.match_percent),
                Similarity::from_confidence(shipped, report.settings.match_percent).score(),
            ),
            (
                format!("{}% (duplicates)", report.settings.duplicate_percent),
                Similarity::from_confidence(shipped, report.settings.duplicate_percent).score(),
            ),
        ];
        save(
            "scores.png",
            histogram(
                &dir.join("scores.png"),
                &format!("{shipped} scores, test fold"),
                &[("genuine", &all.genuine), ("impostor", &all.impostor)],
                &marks,
            ),
        )?;
    }
    let liveness = liveness_scores(samples);
    if liveness.iter().any(|(_, v)| !v.is_empty()) {
        let refs: Vec<(&str, &[f32])> = liveness.iter().map(|(k, v)| (*k, v.as_slice())).collect();
        save(
            "liveness.png",
            histogram(
                &dir.join("liveness.png"),
                "liveness score (mean P[live]), both folds",
                &refs,
                &[(
                    "operating point".to_owned(),
                    verification::Liveness::OPERATING_POINT,
                )],
            ),
        )?;
    }
    save(
        "duplicates.png",
        duplicates(&dir.join("duplicates.png"), report),
    )?;
    Ok(files)
}

fn liveness_scores(samples: &[Sample]) -> Vec<(&'static str, Vec<f32>)> {
    let mut attack = Vec::new();
    let mut capture = Vec::new();
    let mut photo = Vec::new();
    for s in samples {
        let Some(m) = s.result.as_ref().ok() else {
            continue;
        };
        let Some(main) = &m.main else { continue };
        if main.liveness.grayscale {
            continue;
        }
        match s.row.bona_fide() {
            Some(false) => attack.push(main.liveness.score),
            Some(true) => capture.push(main.liveness.score),
            None if s.row.kind == "selfie" => photo.push(main.liveness.score),
            None => {}
        }
    }
    vec![
        ("attack", attack),
        ("bona fide capture", capture),
        ("bona fide colour photo", photo),
    ]
}

fn det(path: &Path, title: &str, curves: &[(String, Scores)]) -> Result<(), String> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((1e-6f64..1.0).log_scale(), (1e-3f64..1.0).log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("false match rate (FMR)")
        .y_desc("false non-match rate (FNMR)")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, scores)) in curves.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<(f64, f64)> = scores
            .det()
            .into_iter()
            .map(|(fmr, fnmr)| (fmr, fnmr.max(1e-3)))
            .collect();
        let label = format!(
            "{name} ({} genuine, {} impostor pairs)",
            scores.genuine.len(),
            scores.impostor.len()
        );
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// Overlaid histograms, each normalised to its own count, with vertical marks.
fn histogram(
    path: &Path,
    title: &str,
    sets: &[(&str, &[f32])],
    marks: &[(String, f32)],
) -> Result<(), String> {
    const BINS: usize = 60;
    let values = sets
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .chain(marks.iter().map(|m| m.1));
    let (lo, hi) = values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return Err("nothing to draw".into());
    }
    let (lo, hi) = (f64::from(lo), f64::from(hi).max(f64::from(lo) + 1e-6));
    let width = (hi - lo) / BINS as f64;
    let shares: Vec<Vec<f64>> = sets
        .iter()
        .map(|(_, v)| {
            let mut bins = vec![0.0; BINS];
            for &x in v.iter() {
                let b = (((f64::from(x) - lo) / width) as usize).min(BINS - 1);
                bins[b] += 1.0 / v.len().max(1) as f64;
            }
            bins
        })
        .collect();
    let top = shares.iter().flatten().fold(0.0f64, |m, &v| m.max(v)) * 1.1;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(lo..hi, 0.0..top.max(1e-3))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("score")
        .y_desc("share of the set")
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, ((name, v), bins)) in sets.iter().zip(&shares).enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let steps: Vec<(f64, f64)> = bins
            .iter()
            .enumerate()
            .flat_map(|(b, &h)| [(lo + b as f64 * width, h), (lo + (b + 1) as f64 * width, h)])
            .collect();
        chart
            .draw_series(LineSeries::new(steps, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(format!("{name} ({})", v.len()))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    for (i, (name, at)) in marks.iter().enumerate() {
        let colour = COLOURS[(sets.len() + i) % COLOURS.len()];
        let x = f64::from(*at);
        chart
            .draw_series(LineSeries::new(
                [(x, 0.0), (x, top)],
                colour.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label(format!("{name} at {at:.4}"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(1))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

fn duplicates(path: &Path, report: &Report) -> Result<(), String> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let title = format!(
        "honest registrations flagged as duplicates at {}%",
        report.settings.duplicate_percent
    );
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((1f64..1e6).log_scale(), (1e-4f64..1.0).log_scale())
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("profiles in the account's gallery")
        .y_desc("share of honest registrations flagged")
        .draw()
        .map_err(|e| e.to_string())?;
    let mut i = 0;
    for fold in Fold::BOTH {
        let Some(d) = report.duplicates.get(fold.name()) else {
            continue;
        };
        for (what, rates) in [
            ("expected from the calibrated FMR", &d.expected_rate),
            ("observed, drawn galleries", &d.observed_rate),
        ] {
            if fold == Fold::Calibration && what.starts_with("expected") {
                continue; // the same curve for both folds
            }
            let colour = COLOURS[i % COLOURS.len()];
            i += 1;
            let points: Vec<(f64, f64)> = rates
                .iter()
                .map(|(&n, &r)| (n as f64, r.max(1e-4)))
                .collect();
            let label = if what.starts_with("expected") {
                what.to_owned()
            } else {
                format!("{what}, {} fold", fold.name())
            };
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, colour.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// The document reader: the share of honest documents (scans, photos) and of wrong readings that
/// pass as valid at each `documentValidationPercent`.
pub fn acceptance(path: &Path, report: &DocumentReport) -> Result<(), String> {
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "documents accepted by documentValidationPercent",
            ("sans-serif", 24),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..100.0, 0f64..1.02)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("documentValidationPercent (the confidence a reading needs)")
        .y_desc("share accepted as valid")
        .draw()
        .map_err(|e| e.to_string())?;
    let all = report.acceptance_curve("all");
    let curves = [
        ("honest scans", report.acceptance_curve("scan"), false),
        ("honest photos", report.acceptance_curve("photo"), false),
        ("wrong readings (all)", all, true),
    ];
    for (i, (name, curve, wrong)) in curves.into_iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points: Vec<(f64, f64)> = curve
            .into_iter()
            .map(|(required, honest, wrongly)| {
                (f64::from(required), if wrong { wrongly } else { honest })
            })
            .collect();
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

//! Accuracy of the real face pipeline on a labelled manifest (the format of `shared/faces` and
//! `shared/faces-dev2`): enrolment refusals (FTE) with their reasons, FNMR at fixed FMR and the EER
//! for every embedding model, the 1:N false-duplicate rate by gallery size, and APCER/BPCER
//! (ISO/IEC 30107-3) — per identity fold and per stratum — plus the values fitted on the
//! calibration fold. Behind `baf-server face evaluate`. The document reader is measured the same
//! way in [`document_reading`] (exact readings and wrong documents accepted, per stratum), behind
//! `baf-server document evaluate`.
//!
//! ```no_run
//! # fn demo() -> Result<(), evaluation::Error> {
//! use verification::{EmbeddingModel, EngineConfig};
//! let settings = evaluation::Settings {
//!     quality_percent: 75.0,
//!     anti_spoofing_percent: 50.0,
//!     match_percent: 90.0,
//!     duplicate_percent: 98.0,
//!     shipped_model: EmbeddingModel::Fusion,
//! };
//! let run = evaluation::evaluate("../shared/faces/manifest.json".as_ref(), &EngineConfig::default(), settings, true)?;
//! run.write("target/accuracy".as_ref())?;
//! # Ok(()) }
//! ```

pub mod document_reading;
mod manifest;
mod measure;
mod metrics;
mod plots;
mod report;

use std::path::{Path, PathBuf};

pub use manifest::{Fold, Manifest, Row};
pub use measure::{Sample, Stratum};
pub use metrics::{Operating, Scores, TailLine};
pub use report::{Report, Settings};
use verification::EngineConfig;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("manifest {}: {problem}", path.display())]
    Manifest { path: PathBuf, problem: String },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] verification::Error),
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot draw {}: {problem}", file.display())]
    Plot { file: PathBuf, problem: String },
}

/// A finished evaluation: the report and the measurements behind it.
pub struct Evaluation {
    pub report: Report,
    pub samples: Vec<Sample>,
}

/// Runs the pipeline over every file of the manifest (one pipeline per `engine.workers`) and
/// builds the report.
pub fn evaluate(
    manifest: &Path,
    engine: &EngineConfig,
    settings: Settings,
    progress: bool,
) -> Result<Evaluation, Error> {
    let manifest = Manifest::read(manifest)?;
    let samples = measure::measure(&manifest, engine, progress)?;
    let report = report::build(&manifest.path.display().to_string(), &samples, settings);
    Ok(Evaluation { report, samples })
}

impl Evaluation {
    /// Writes `report.json` and the PNG pictures into `dir` (created if needed); returns the paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let mut written = vec![write_report(dir, &self.report)?];
        written.extend(
            plots::draw(dir, &self.report, &self.samples)?
                .into_iter()
                .map(|f| dir.join(f)),
        );
        Ok(written)
    }
}

/// Writes `report` as `dir/report.json` (the folder created if needed); returns its path.
fn write_report(dir: &Path, report: &impl serde::Serialize) -> Result<PathBuf, Error> {
    let fail = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(fail(dir))?;
    let json = dir.join("report.json");
    let text = serde_json::to_string_pretty(report).expect("the report serialises");
    std::fs::write(&json, text + "\n").map_err(fail(&json))?;
    Ok(json)
}

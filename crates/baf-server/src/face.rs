//! `baf-server face …`: operator commands that run the face pipeline on files and print JSON, to check
//! an installation (models, ONNX Runtime) or look at why a photo is refused, without the HTTP API.

use std::path::{Path, PathBuf};

use std::io::IsTerminal;

use anyhow::Context;
use baf_domain::AccountSettings;
use serde_json::{Value, json};
use verification::{EngineConfig, Face, FaceAnalysis, Pipeline};

#[derive(Debug, clap::Subcommand)]
pub enum FaceCommand {
    /// Print every face found in each image: box, 5 landmarks, detector score.
    Detect {
        /// Image files (JPEG, PNG, WebP, BMP, GIF, TIFF).
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Compare the main (largest) faces of two images: cosine similarity and confidence percentage.
    Compare {
        /// The first image file.
        a: PathBuf,
        /// The second image file.
        b: PathBuf,
    },
    /// Print the faces of one image and the quality, liveness and embedding of its main face.
    Analyze {
        /// The image file.
        image: PathBuf,
    },
    /// Measure accuracy on a labelled manifest (the format of shared/faces/manifest.json): enrolment
    /// refusals, FNMR at fixed FMR, 1:N false duplicates and APCER/BPCER, per identity fold and
    /// stratum, at a new account's default thresholds. Prints the report as JSON; with --out, also
    /// writes report.json and PNG pictures (DET curves, score histograms) there.
    Evaluate {
        /// The labelled photos: a manifest.json in the format of shared/faces/manifest.json.
        #[arg(long)]
        manifest: PathBuf,
        /// Also write report.json and the PNG pictures into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(command: FaceCommand, config: &EngineConfig) -> anyhow::Result<()> {
    let load = || Pipeline::load(&config.pipeline).context("loading the face models");
    let output = match command {
        FaceCommand::Evaluate { manifest, out } => {
            return evaluate(&manifest, out.as_deref(), config);
        }
        FaceCommand::Detect { images } => {
            let mut pipeline = load()?;
            let mut results = Vec::with_capacity(images.len());
            for path in &images {
                let analysis = analyze(&mut pipeline, path)?;
                results.push(json!({ "image": path, "faces": faces_json(&analysis.faces) }));
            }
            Value::Array(results)
        }
        FaceCommand::Compare { a, b } => {
            let mut pipeline = load()?;
            let (ea, eb) = (main_face(&mut pipeline, &a)?, main_face(&mut pipeline, &b)?);
            let similarity = ea
                .embedding
                .similarity(&eb.embedding)
                .context("one pipeline makes embeddings of one model")?;
            json!({
                "a": a,
                "b": b,
                "model": similarity.model().name(),
                "score": similarity.score(),
                "confidence": similarity.confidence(),
            })
        }
        FaceCommand::Analyze { image } => {
            let mut pipeline = load()?;
            let analysis = analyze(&mut pipeline, &image)?;
            let main = analysis.main.as_ref().map(|m| {
                json!({
                    "index": m.index,
                    "quality": { "score": m.quality.score, "percent": m.quality.percent() },
                    "liveness": {
                        "score": m.liveness.score,
                        "models": m.liveness.models,
                        "grayscale": m.liveness.grayscale,
                        "percent": m.liveness.percent(),
                        "is_live": m.liveness.is_live(),
                    },
                    "embedding": { "model": m.embedding.model().name(), "vector": m.embedding.as_slice() },
                })
            });
            json!({
                "image": image,
                "size": [analysis.width, analysis.height],
                "faces": faces_json(&analysis.faces),
                "subjects": analysis.subject_count(),
                "main_face": main,
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

/// The report goes to stdout as JSON; the progress bar to stderr.
fn evaluate(manifest: &Path, out: Option<&Path>, config: &EngineConfig) -> anyhow::Result<()> {
    let account = AccountSettings::default();
    let settings = evaluation::Settings {
        quality_percent: f32::from(account.validation.quality_score),
        anti_spoofing_percent: f32::from(account.validation.anti_spoofing_percent),
        match_percent: f64::from(account.face_match_threshold),
        duplicate_percent: f64::from(account.duplicate_face_percent),
        shipped_model: config
            .pipeline
            .embedding_model()
            .context("reading the model manifest")?,
    };
    let run = evaluation::evaluate(manifest, config, settings, std::io::stderr().is_terminal())
        .with_context(|| format!("evaluating {}", manifest.display()))?;
    if let Some(dir) = out {
        for path in run.write(dir)? {
            eprintln!("wrote {}", path.display());
        }
    }
    println!("{}", serde_json::to_string_pretty(&run.report)?);
    Ok(())
}

fn analyze(pipeline: &mut Pipeline, path: &Path) -> anyhow::Result<FaceAnalysis> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    pipeline
        .analyze_bytes(&data)
        .with_context(|| format!("analysing {}", path.display()))
}

fn main_face(pipeline: &mut Pipeline, path: &Path) -> anyhow::Result<verification::MainFace> {
    analyze(pipeline, path)?
        .main
        .with_context(|| format!("no face found in {}", path.display()))
}

fn faces_json(faces: &[Face]) -> Value {
    faces
        .iter()
        .map(|f| {
            json!({
                "box": [f.bbox.x, f.bbox.y, f.bbox.width, f.bbox.height],
                "landmarks": f.landmarks.iter().map(|p| [p.x, p.y]).collect::<Vec<_>>(),
                "score": f.score,
            })
        })
        .collect()
}

//! `baf-server face …`: operator commands that run the face pipeline on files and print JSON, to check
//! an installation (models, ONNX Runtime) or look at why a photo is refused, without the HTTP API.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::{Value, json};
use verification::{EngineConfig, Face, FaceAnalysis, Pipeline};

#[derive(Debug, clap::Subcommand)]
pub enum FaceCommand {
    /// Print every face found in each image: box, 5 landmarks, detector score.
    Detect {
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Compare the main (largest) faces of two images: cosine similarity and confidence percentage.
    Compare { a: PathBuf, b: PathBuf },
    /// Print the faces of one image and the quality, liveness and embedding of its main face.
    Analyze { image: PathBuf },
}

pub fn run(command: FaceCommand, config: &EngineConfig) -> anyhow::Result<()> {
    let mut pipeline = Pipeline::load(config).context("loading the face models")?;
    let output = match command {
        FaceCommand::Detect { images } => {
            let mut results = Vec::with_capacity(images.len());
            for path in &images {
                let analysis = analyze(&mut pipeline, path)?;
                results.push(json!({ "image": path, "faces": faces_json(&analysis.faces) }));
            }
            Value::Array(results)
        }
        FaceCommand::Compare { a, b } => {
            let (ea, eb) = (main_face(&mut pipeline, &a)?, main_face(&mut pipeline, &b)?);
            let similarity = ea.embedding.similarity(&eb.embedding);
            json!({
                "a": a,
                "b": b,
                "cosine": similarity.cosine(),
                "confidence": similarity.confidence(),
            })
        }
        FaceCommand::Analyze { image } => {
            let analysis = analyze(&mut pipeline, &image)?;
            let main = analysis.main.as_ref().map(|m| {
                json!({
                    "index": m.index,
                    "quality": { "score": m.quality.score, "percent": m.quality.percent() },
                    "liveness": { "score": m.liveness.score, "models": m.liveness.models, "is_live": m.liveness.is_live },
                    "embedding": m.embedding.as_slice(),
                })
            });
            json!({
                "image": image,
                "size": [analysis.width, analysis.height],
                "faces": faces_json(&analysis.faces),
                "main_face": main,
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&output)?);
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

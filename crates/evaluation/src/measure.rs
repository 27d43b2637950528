//! Running the real pipeline on every file of a manifest, on one pipeline per core.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use verification::{
    Embedding, EmbeddingModel, EngineConfig, ImageLimits, Liveness, Pipeline, PipelineConfig,
    RgbImage, decode_image,
};

use crate::Error;
use crate::manifest::{Fold, Manifest, Row};

/// The kind of picture, which the error rates are reported by: they differ widely between kinds,
/// and a threshold that suits one can fail another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    /// A colour photo with room around the face (web and press photos, selfies).
    FullFrame,
    /// A colour face crop of at most 160 px (aligned 112×112 and 100×100 crops).
    TightCrop,
    /// A photo without colour (R = G = B everywhere).
    Grayscale,
    /// An image labelled for liveness: webcam face crops, bona fide or attack.
    LivenessCapture,
}

impl Stratum {
    pub const ALL: [Stratum; 4] = [
        Stratum::FullFrame,
        Stratum::TightCrop,
        Stratum::Grayscale,
        Stratum::LivenessCapture,
    ];

    /// The longest side of a tight crop.
    pub const TIGHT_CROP_MAX_SIDE: u32 = 160;

    fn of(row: &Row, image: &RgbImage) -> Self {
        if row.bona_fide().is_some() {
            Stratum::LivenessCapture
        } else if image.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]) {
            Stratum::Grayscale
        } else if image.width().max(image.height()) <= Self::TIGHT_CROP_MAX_SIDE {
            Stratum::TightCrop
        } else {
            Stratum::FullFrame
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Stratum::FullFrame => "full_frame",
            Stratum::TightCrop => "tight_crop",
            Stratum::Grayscale => "grayscale",
            Stratum::LivenessCapture => "liveness_capture",
        }
    }
}

/// What the pipeline made of one file.
#[derive(Clone, Debug)]
pub struct Sample {
    pub row: Row,
    pub fold: Fold,
    /// `Err` holds why the file was refused (not an image, too large, …).
    pub result: Result<Measured, String>,
}

#[derive(Clone, Debug)]
pub struct Measured {
    pub stratum: Stratum,
    /// Faces at or above the detector threshold.
    pub faces: usize,
    /// Faces that count as subjects (background faces left out).
    pub subjects: usize,
    pub main: Option<MainMeasure>,
}

#[derive(Clone, Debug)]
pub struct MainMeasure {
    pub quality_percent: f32,
    pub liveness: Liveness,
    /// dlib, MobileFace and their fusion, in `EmbeddingModel::ALL` order.
    pub embeddings: [Embedding; 3],
}

impl MainMeasure {
    pub fn embedding(&self, model: EmbeddingModel) -> &Embedding {
        let at = EmbeddingModel::ALL
            .iter()
            .position(|&m| m == model)
            .expect("every model is measured");
        &self.embeddings[at]
    }
}

/// Analyses every row, `workers` at a time, with a progress bar on stderr when `progress` is set.
pub fn measure(
    manifest: &Manifest,
    engine: &EngineConfig,
    progress: bool,
) -> Result<Vec<Sample>, Error> {
    // Fusion runs both networks, so every model's embedding comes from one pass.
    let config = PipelineConfig {
        embedding: Some(EmbeddingModel::Fusion),
        ..engine.pipeline.clone()
    };
    let bar = if progress {
        ProgressBar::new(manifest.rows.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} analysing {pos}/{len} images [{bar:40}] {elapsed_precise}, {eta} left",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let next = AtomicUsize::new(0);
    let samples: Mutex<Vec<(usize, Sample)>> = Mutex::new(Vec::with_capacity(manifest.rows.len()));
    let workers = engine.workers.clamp(1, manifest.rows.len().max(1));
    std::thread::scope(|scope| -> Result<(), Error> {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| -> Result<(), Error> {
                    let mut pipeline = Pipeline::load(&config)?;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(row) = manifest.rows.get(i) else {
                            return Ok(());
                        };
                        let sample = analyse(&mut pipeline, manifest, row, &config.limits)?;
                        samples
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, sample));
                        bar.inc(1);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().expect("an evaluation worker panicked")?;
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    let mut samples = samples.into_inner().unwrap_or_else(|e| e.into_inner());
    samples.sort_by_key(|(i, _)| *i);
    Ok(samples.into_iter().map(|(_, s)| s).collect())
}

fn analyse(
    pipeline: &mut Pipeline,
    manifest: &Manifest,
    row: &Row,
    limits: &ImageLimits,
) -> Result<Sample, Error> {
    let path = manifest.root.join(&row.file);
    let bytes = std::fs::read(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let fold = row.fold();
    let image = match decode_image(&bytes, limits) {
        Ok(image) => image,
        Err(refusal) => {
            return Ok(Sample {
                row: row.clone(),
                fold,
                result: Err(refusal.to_string()),
            });
        }
    };
    let analysis = pipeline.analyze(&image)?;
    let subjects = analysis.subject_count();
    let main = analysis.main.map(|main| {
        let [dlib, mobile] = <[Embedding; 2]>::try_from(main.network_embeddings)
            .expect("the fusion runs two networks");
        MainMeasure {
            quality_percent: main.quality.percent(),
            liveness: main.liveness,
            embeddings: [dlib, mobile, main.embedding],
        }
    });
    Ok(Sample {
        row: row.clone(),
        fold,
        result: Ok(Measured {
            stratum: Stratum::of(row, &image),
            faces: analysis.faces.len(),
            subjects,
            main,
        }),
    })
}

//! One set of model sessions and the synchronous pipeline over them. The engine gives one `Pipeline`
//! to each worker thread; tests, benches and the CLI can drive one directly.

use std::path::{Path, PathBuf};

use image::RgbImage;

use crate::detect::{Detections, Detector, DetectorParams};
use crate::embed::{Embedder, Embeddings};
use crate::error::Error;
use crate::face::{BBox, Face, Liveness, Point, Quality};
use crate::intake::{DecodeBudget, ImageLimits, decode_image_within};
use crate::liveness::LivenessModels;
use crate::models::{self, DETECTOR, LIVENESS_V1SE, LIVENESS_V2, QUALITY};
use crate::quality::QualityModel;
use crate::similarity::{Embedding, EmbeddingModel};

/// A face whose box has less than this share of the main face's area is someone in the background,
/// not a second subject: it does not make a selfie a group photo. In every group photo of
/// shared/faces and shared/faces-dev2 the second-largest face has at least 0.77 of the largest's
/// area; partial faces at the edge and passers-by are mostly below a quarter (docs/accuracy.md).
pub const BACKGROUND_FACE_AREA_RATIO: f64 = 0.35;

/// What one image holds: every face found, and the full analysis of the largest one.
#[derive(Clone, Debug)]
pub struct FaceAnalysis {
    /// Size of the EXIF-oriented image.
    pub width: u32,
    pub height: u32,
    /// Every face at or above the detector threshold, best score first.
    pub faces: Vec<Face>,
    /// The largest face, analysed; `None` when no face was found.
    pub main: Option<MainFace>,
}

/// Quality, liveness and identity of the main (largest) face.
#[derive(Clone, Debug)]
pub struct MainFace {
    /// Index of this face in `FaceAnalysis::faces`.
    pub index: usize,
    pub face: Face,
    pub quality: Quality,
    pub liveness: Liveness,
    /// The identity embedding of the engine's model.
    pub embedding: Embedding,
    /// The embedding of each network the model ran (one, or dlib and MobileFace for the fusion).
    pub network_embeddings: Vec<Embedding>,
}

impl FaceAnalysis {
    /// The faces that count as subjects: the main face and every face with at least
    /// [`BACKGROUND_FACE_AREA_RATIO`] of its area.
    pub fn subject_count(&self) -> usize {
        let Some(main) = &self.main else { return 0 };
        let least = main.face.bbox.area() * BACKGROUND_FACE_AREA_RATIO;
        self.faces.iter().filter(|f| f.bbox.area() >= least).count()
    }

    /// The one face of a selfie: `NoFace` for none, `MultipleFaces` for several subjects (BAF answers
    /// both with error 120038). Faces in the background do not count.
    pub fn into_single(self) -> Result<MainFace, Error> {
        match (self.subject_count(), self.main) {
            (1, Some(main)) => Ok(main),
            (_, None) | (0, _) => Err(Error::NoFace),
            (count, _) => Err(Error::MultipleFaces { count }),
        }
    }
}

/// Where the ONNX Runtime library is looked for when neither the config nor `ORT_DYLIB_PATH` names one.
pub const DEFAULT_ORT_DYLIB: &str = "vendor/onnxruntime/libonnxruntime.so.1.31.1";

/// What one pipeline needs: its models, the runtime, and how it reads images.
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// Folder holding the model files and `manifest.toml`.
    pub models_dir: PathBuf,
    /// The identity embedding; `None` means the one `models_dir/manifest.toml` names.
    pub embedding: Option<EmbeddingModel>,
    /// libonnxruntime.so; `None` means `ORT_DYLIB_PATH`, else `DEFAULT_ORT_DYLIB`.
    pub ort_dylib_path: Option<PathBuf>,
    /// Threads inside each ONNX operator; keep workers × intra_threads ≤ cores.
    pub intra_threads: usize,
    pub limits: ImageLimits,
    pub detector: DetectorParams,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            models_dir: PathBuf::from("models"),
            embedding: None,
            ort_dylib_path: None,
            intra_threads: 1,
            limits: ImageLimits::default(),
            detector: DetectorParams::default(),
        }
    }
}

impl PipelineConfig {
    /// The models and runtime of a source checkout at `root`, unless `BAF_MODELS_DIR` and
    /// `ORT_DYLIB_PATH` name others: what tests, benches and tools run from a checkout use.
    pub fn in_checkout(root: &Path) -> Self {
        let from_env = |name: &str| std::env::var_os(name).map(PathBuf::from);
        Self {
            models_dir: from_env("BAF_MODELS_DIR").unwrap_or_else(|| root.join("models")),
            ort_dylib_path: Some(
                from_env("ORT_DYLIB_PATH").unwrap_or_else(|| root.join(DEFAULT_ORT_DYLIB)),
            ),
            ..Self::default()
        }
    }

    /// The embedding model this config resolves to.
    pub fn embedding_model(&self) -> Result<EmbeddingModel, Error> {
        match self.embedding {
            Some(model) => Ok(model),
            None => models::manifest_embedding(&self.models_dir),
        }
    }

    /// The library path this config resolves to.
    pub fn dylib_path(&self) -> PathBuf {
        self.ort_dylib_path
            .clone()
            .or_else(|| std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_ORT_DYLIB))
    }
}

/// The model sessions of one worker. `Session::run` takes `&mut self`, hence `&mut self` here.
pub struct Pipeline {
    detector: Detector,
    quality: QualityModel,
    liveness: LivenessModels,
    embedder: Embedder,
    limits: ImageLimits,
    decode_budget: DecodeBudget,
}

impl Pipeline {
    /// Verifies the model checksums, loads ONNX Runtime if needed and opens every session.
    pub fn load(config: &PipelineConfig) -> Result<Self, Error> {
        let embedding = config.embedding_model()?;
        models::verify(&config.models_dir, embedding)?;
        Self::open(
            config,
            embedding,
            DecodeBudget::new(config.limits.max_decoded_bytes),
        )
    }

    /// Opens the sessions of models already verified; images are decoded within `decode_budget`.
    pub(crate) fn open(
        config: &PipelineConfig,
        embedding: EmbeddingModel,
        decode_budget: DecodeBudget,
    ) -> Result<Self, Error> {
        let env = models::environment(&config.dylib_path())?;
        let open =
            |spec| models::session(&env, &config.models_dir, spec, config.intra_threads.max(1));
        Ok(Self {
            detector: Detector::new(open(DETECTOR)?, config.detector.clone()),
            quality: QualityModel::new(open(QUALITY)?),
            liveness: LivenessModels::new(open(LIVENESS_V2)?, open(LIVENESS_V1SE)?),
            embedder: Embedder::new(embedding, open)?,
            limits: config.limits.clone(),
            decode_budget,
        })
    }

    /// The model of the embeddings this pipeline makes.
    pub fn embedding_model(&self) -> EmbeddingModel {
        self.embedder.model()
    }

    pub fn detect(&mut self, image: &RgbImage) -> Result<Detections, Error> {
        self.detector.detect(image)
    }

    pub fn quality(&mut self, image: &RgbImage, landmarks: &[Point; 5]) -> Result<Quality, Error> {
        self.quality.score(image, landmarks)
    }

    pub fn liveness(&mut self, image: &RgbImage, face: &BBox) -> Result<Liveness, Error> {
        self.liveness.score(image, face)
    }

    pub fn embed(&mut self, image: &RgbImage, landmarks: &[Point; 5]) -> Result<Embeddings, Error> {
        self.embedder.embed(image, landmarks)
    }

    /// Detects every face and analyses the largest; each stage's time goes to the
    /// `baf_face_stage_seconds` histogram.
    pub fn analyze(&mut self, image: &RgbImage) -> Result<FaceAnalysis, Error> {
        let detections = timed("detect", || self.detect(image))?;
        let main = match detections.main_index() {
            Some(index) => {
                let face = detections.faces[index];
                let embeddings = timed("embed", || self.embed(image, &face.landmarks))?;
                Some(MainFace {
                    index,
                    face,
                    quality: timed("quality", || self.quality(image, &face.landmarks))?,
                    liveness: timed("liveness", || self.liveness(image, &face.bbox))?,
                    embedding: embeddings.combined,
                    network_embeddings: embeddings.parts,
                })
            }
            None => None,
        };
        Ok(FaceAnalysis {
            width: image.width(),
            height: image.height(),
            faces: detections.faces,
            main,
        })
    }

    /// Decodes an encoded image within the configured limits, then analyses it; the pixels are
    /// counted against the decode budget until the analysis is done.
    pub fn analyze_bytes(&mut self, data: &[u8]) -> Result<FaceAnalysis, Error> {
        let (image, _reservation) = timed("decode", || {
            decode_image_within(data, &self.limits, &self.decode_budget)
        })?;
        self.analyze(&image)
    }
}

/// Runs one stage of the pipeline and records its time.
pub fn timed<T>(stage: &'static str, run: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let result = run();
    metrics::histogram!("baf_face_stage_seconds", "stage" => stage)
        .record(started.elapsed().as_secs_f64());
    result
}

//! One set of model sessions and the synchronous pipeline over them. The engine gives one `Pipeline`
//! to each worker thread; tests, benches and the CLI can drive one directly.

use image::RgbImage;

use crate::detect::{Detections, Detector};
use crate::embed::Embedder;
use crate::intake::{ImageLimits, decode_image};
use crate::liveness::LivenessModels;
use crate::models::{self, DETECTOR, EMBEDDING, LIVENESS_V1SE, LIVENESS_V2, QUALITY};
use crate::quality::QualityModel;
use crate::{BBox, Embedding, EngineConfig, Error, Face, Liveness, Point, Quality};

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
    pub embedding: Embedding,
}

impl FaceAnalysis {
    /// The one face of a selfie: `NoFace` for none, `MultipleFaces` for several (BAF answers both with
    /// error 120038).
    pub fn into_single(self) -> Result<MainFace, Error> {
        match (self.faces.len(), self.main) {
            (1, Some(main)) => Ok(main),
            (0, _) | (_, None) => Err(Error::NoFace),
            (count, _) => Err(Error::MultipleFaces { count }),
        }
    }
}

/// The five model sessions of one worker. `Session::run` takes `&mut self`, hence `&mut self` here.
pub struct Pipeline {
    detector: Detector,
    quality: QualityModel,
    liveness: LivenessModels,
    embedder: Embedder,
    limits: ImageLimits,
}

impl Pipeline {
    /// Verifies the model checksums, loads ONNX Runtime if needed and opens every session.
    pub fn load(config: &EngineConfig) -> Result<Self, Error> {
        models::verify_all(&config.models_dir)?;
        Self::open(config)
    }

    /// Opens the sessions of models already verified.
    pub(crate) fn open(config: &EngineConfig) -> Result<Self, Error> {
        let env = models::environment(&config.dylib_path())?;
        let open =
            |spec| models::session(&env, &config.models_dir, spec, config.intra_threads.max(1));
        Ok(Self {
            detector: Detector::new(open(DETECTOR)?, config.detector.clone()),
            quality: QualityModel::new(open(QUALITY)?),
            liveness: LivenessModels::new(open(LIVENESS_V2)?, open(LIVENESS_V1SE)?),
            embedder: Embedder::new(open(EMBEDDING)?),
            limits: config.limits.clone(),
        })
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

    pub fn embed(&mut self, image: &RgbImage, landmarks: &[Point; 5]) -> Result<Embedding, Error> {
        self.embedder.embed(image, landmarks)
    }

    /// Detects every face and analyses the largest.
    pub fn analyze(&mut self, image: &RgbImage) -> Result<FaceAnalysis, Error> {
        let detections = self.detect(image)?;
        let main = match detections.main_index() {
            Some(index) => {
                let face = detections.faces[index];
                Some(MainFace {
                    index,
                    face,
                    quality: self.quality(image, &face.landmarks)?,
                    liveness: self.liveness(image, &face.bbox)?,
                    embedding: self.embed(image, &face.landmarks)?,
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

    /// Decodes an encoded image within the configured limits, then analyses it.
    pub fn analyze_bytes(&mut self, data: &[u8]) -> Result<FaceAnalysis, Error> {
        let image = decode_image(data, &self.limits)?;
        self.analyze(&image)
    }
}

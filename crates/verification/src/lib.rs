//! Face verification engine: decodes an image, finds its faces, aligns the main one, and scores quality,
//! liveness and identity with ONNX models; plus the per-account gallery for 1:N search.
//!
//! It ports `shared/reference/pipeline.py` (contract: `shared/models/MODELS.md`) and is tested against
//! its golden outputs. Models are checked by sha256 at start ([`Engine::start`]); ONNX Runtime is
//! loaded at run time from `ORT_DYLIB_PATH` or `vendor/onnxruntime/` (`scripts/fetch-onnxruntime.sh`).
//!
//! ```no_run
//! # async fn demo(jpeg: bytes::Bytes) -> Result<(), verification::Error> {
//! use verification::{Engine, EngineConfig, Gallery, Similarity, DEFAULT_TOP_K};
//! let engine = Engine::start(&EngineConfig::default())?;        // workers own their ONNX sessions
//! let selfie = engine.analyze(jpeg).await?.into_single()?;       // Busy when the queue is full
//! let gallery = Gallery::new(engine.embedding_model());
//! let account = uuid::Uuid::new_v4();
//! let hits = gallery.search(account, &selfie.embedding, Similarity::from_confidence(engine.embedding_model(), 90.0), DEFAULT_TOP_K);
//! # let _ = hits; Ok(()) }
//! ```
//!
//! Everything runs on the engine's own threads; nothing here blocks an async caller except
//! [`Gallery::search`], a synchronous scan of about 15 ms per million profiles on one core.

mod align;
mod detect;
mod embed;
mod engine;
mod error;
mod face;
mod gallery;
mod intake;
mod liveness;
mod models;
mod nms;
mod pipeline;
mod quality;
mod similarity;

pub use detect::{Detections, DetectorParams};
pub use embed::Embeddings;
pub use engine::{DEFAULT_DECODE_MEMORY, Engine, EngineConfig, WorkerThreads};
pub use error::{Error, ModelFileProblem};
pub use face::{BBox, Face, Liveness, Point, Quality};
pub use gallery::{DEFAULT_TOP_K, Gallery, Match};
pub use image::RgbImage;
pub use intake::{
    DecodeBudget, ImageLimits, Reservation, decode_base64, decode_cost, decode_image,
    decode_image_within,
};
pub use models::{environment as onnx_environment, manifest_embedding};
pub use pipeline::{
    BACKGROUND_FACE_AREA_RATIO, DEFAULT_ORT_DYLIB, FaceAnalysis, MainFace, Pipeline,
    PipelineConfig, timed,
};
pub use similarity::{
    Embedding, EmbeddingModel, FUSION_WEIGHTS, Similarity, confidence_for_fmr, fmr_for_confidence,
};

/// The pure geometry of each stage, exposed for diagnostics and the golden tests: the exact crops the
/// models see, computed from landmarks or a box.
pub mod crops {
    pub use crate::align::{
        Affine, Rect, Window, area_downscale, resize_bilinear, resize_reflected,
        similarity_transform, warp_affine,
    };
    pub use crate::embed::{ChipAlignment, align as embedding_chip};
    pub use crate::liveness::{IntBox, windows as liveness_windows};
    pub use crate::quality::align as quality_crop;
}

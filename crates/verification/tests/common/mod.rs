//! Paths shared by the integration tests and benches: models via `BAF_MODELS_DIR` (default
//! `<repo>/models`), ONNX Runtime via `ORT_DYLIB_PATH` (default `<repo>/vendor/onnxruntime/...`), the
//! shared face set and reference via `BAF_SHARED_DIR` (default `<repo>/../shared`).

use std::path::PathBuf;

use verification::{EngineConfig, PipelineConfig};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn shared() -> PathBuf {
    std::env::var_os("BAF_SHARED_DIR").map_or_else(|| repo().join("../shared"), PathBuf::from)
}

/// One single-threaded worker, the configuration the reference numbers were measured with.
pub fn config() -> EngineConfig {
    EngineConfig {
        pipeline: PipelineConfig::in_checkout(&repo()),
        workers: 1,
        ..EngineConfig::default()
    }
}

//! The model files: their checksums and provenance (kept equal to `models/manifest.toml` by a test),
//! verification at start-up, and ONNX Runtime sessions.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;
use ort::session::{Session, SessionOutputs};
use sha2::{Digest, Sha256};

use crate::error::{Error, ModelContext, ModelFileProblem};
use crate::similarity::EmbeddingModel;

/// One model file and where it comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModelSpec {
    /// Short name used in errors and logs.
    pub name: &'static str,
    pub file: &'static str,
    pub sha256: &'static str,
    pub upstream: &'static str,
}

pub(crate) const DETECTOR: ModelSpec = ModelSpec {
    name: "yunet",
    file: "detector-yunet-n-dynamic.onnx",
    sha256: "104ee26c71d5c270ce79a6b3dced91c91013260d29a6bf18f9296c5b8c4c2b12",
    upstream: "github:ShiqiYu/libfacedetection.train@0047ac24afb1a50a0c6105001c89d1b5b805dbf1:onnx/yunet_n_dynamic.onnx (byte-identical)",
};
pub(crate) const EMBEDDING_DLIB: ModelSpec = ModelSpec {
    name: "dlib-resnet",
    file: "embedding-dlib-resnet-v1.onnx",
    sha256: "bfd74bf9eee08531a904ede43159c1afe5dc1681b9a467c8e631e154c842915b",
    upstream: "pypi:face_recognition_models==0.3.0:face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat, converted to ONNX (see MODELS.md)",
};
pub(crate) const EMBEDDING_MOBILEFACE: ModelSpec = ModelSpec {
    name: "mobileface-v2",
    file: "embedding-mobileface-v2.onnx",
    sha256: "290cb80bc1b4fab97be4291c6b248cffc4f22990cd791ec22c07bbafb455864d",
    upstream: "github:becauseofAI/MobileFace@128cea33b928dc9bb6d1963202b57a97f5661ccf:MobileFace_Identification/MobileFace_Identification_V2-0000.params and -symbol.json (MXNet), converted to ONNX",
};
pub(crate) const LIVENESS_V2: ModelSpec = ModelSpec {
    name: "minifasnetv2-s2.7",
    file: "liveness-minifasnetv2-s2.7.onnx",
    sha256: "815383eb270dfc2281a87d9540a0b18a514022bc0de3d6239f472855364c2f0a",
    upstream: "github:minivision-ai/Silent-Face-Anti-Spoofing@b6d5f04ad78778917853b25c778acef6d5626d15:resources/anti_spoof_models/2.7_80x80_MiniFASNetV2.pth, exported to ONNX",
};
pub(crate) const LIVENESS_V1SE: ModelSpec = ModelSpec {
    name: "minifasnetv1se-s4.0",
    file: "liveness-minifasnetv1se-s4.0.onnx",
    sha256: "4884e5adc0471e96014e525c4e31dec904731a6d301052dfb4b373d13c9960fa",
    upstream: "github:minivision-ai/Silent-Face-Anti-Spoofing@b6d5f04ad78778917853b25c778acef6d5626d15:resources/anti_spoof_models/4_0_0_80x80_MiniFASNetV1SE.pth, exported to ONNX",
};
pub(crate) const QUALITY: ModelSpec = ModelSpec {
    name: "lightqnet",
    file: "quality-lightqnet-dm100.onnx",
    sha256: "effc1c23f53c5002c14caea4302d8d91b09d130b87d4eb6b3921773db03c4a4a",
    upstream: "github:KaenChan/lightqnet@1f27601e441b653ffb468114cdbd55b8aa2821ad:lightqnet-dm100.pb, converted to ONNX",
};

/// Every model file the manifest lists.
#[cfg(test)]
const ALL: [ModelSpec; 6] = [
    DETECTOR,
    EMBEDDING_DLIB,
    EMBEDDING_MOBILEFACE,
    LIVENESS_V2,
    LIVENESS_V1SE,
    QUALITY,
];

/// The manifest beside the models names the embedding model to use (`[embedding] model = "…"`).
pub const MANIFEST: &str = "manifest.toml";

/// The embedding model `dir/manifest.toml` chooses.
pub fn manifest_embedding(dir: &Path) -> Result<EmbeddingModel, Error> {
    let path = dir.join(MANIFEST);
    let fail = |problem: String| Error::Manifest {
        path: path.clone(),
        problem,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| fail(format!("cannot read it ({e})")))?;
    let table: toml::Table = text.parse().map_err(|e| fail(format!("not TOML ({e})")))?;
    let name = table
        .get("embedding")
        .and_then(|e| e.get("model"))
        .and_then(toml::Value::as_str)
        .ok_or_else(|| fail("no [embedding] model = \"…\" key".into()))?;
    EmbeddingModel::parse(name).ok_or_else(|| {
        let known: Vec<&str> = EmbeddingModel::ALL.iter().map(|m| m.name()).collect();
        fail(format!(
            "unknown model {name:?}; known: {}",
            known.join(", ")
        ))
    })
}

/// The files an engine with this embedding model loads.
pub(crate) fn needed(embedding: EmbeddingModel) -> Vec<ModelSpec> {
    let mut specs = vec![DETECTOR];
    specs.extend(embedding.networks().iter().map(|net| net.spec));
    specs.extend([LIVENESS_V2, LIVENESS_V1SE, QUALITY]);
    specs
}

/// Checks the model files an engine with this embedding loads against their sha256; the error names
/// the file and its upstream source.
pub(crate) fn verify(dir: &Path, embedding: EmbeddingModel) -> Result<(), Error> {
    for spec in needed(embedding) {
        let path = dir.join(spec.file);
        let fail = |problem| Error::ModelFile {
            file: spec.file,
            path: path.clone(),
            problem,
            upstream: spec.upstream,
        };
        let bytes = std::fs::read(&path).map_err(|e| fail(ModelFileProblem::Missing(e)))?;
        let actual = hex::encode(Sha256::digest(&bytes));
        if actual != spec.sha256 {
            return Err(fail(ModelFileProblem::Checksum {
                expected: spec.sha256,
                actual,
            }));
        }
        tracing::info!(file = spec.file, sha256 = "ok", "model file checked");
    }
    Ok(())
}

/// ONNX Runtime allows one environment per process, so every engine (and every test) shares this one.
static ENVIRONMENT: Mutex<Option<Environment>> = Mutex::new(None);

/// Loads libonnxruntime from `dylib` on first use and returns the process environment. Later calls reuse
/// the library already loaded, whatever their path.
pub fn environment(dylib: &Path) -> Result<Environment, Error> {
    let mut slot = ENVIRONMENT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(env) = slot.as_ref() {
        return Ok(env.clone());
    }
    let runtime = |source: Box<dyn std::error::Error + Send + Sync>| Error::Runtime {
        path: dylib.to_owned(),
        source,
    };
    let env = ort::init_from(dylib)
        .map_err(|e| runtime(Box::new(e)))?
        .with_name("verification")
        .build()
        .map_err(|e| runtime(Box::new(e)))?;
    tracing::info!(library = %dylib.display(), "ONNX Runtime loaded");
    *slot = Some(env.clone());
    Ok(env)
}

/// One CPU session; `intra_threads` threads inside each operator, operators run one at a time.
pub(crate) fn session(
    env: &Environment,
    dir: &Path,
    spec: ModelSpec,
    intra_threads: usize,
) -> Result<Session, Error> {
    let path: PathBuf = dir.join(spec.file);
    Session::builder(env)
        .model(spec.name)?
        .with_intra_threads(intra_threads)
        .model(spec.name)?
        .with_inter_threads(1)
        .model(spec.name)?
        .commit_from_file(path)
        .model(spec.name)
}

/// The float32 data of output `name`.
pub(crate) fn output<'a>(
    outputs: &'a SessionOutputs,
    name: &str,
    model: &'static str,
) -> Result<&'a [f32], Error> {
    let value = outputs.get(name).ok_or_else(|| Error::Model {
        model,
        source: ort::Error::new(format!("no output named {name}")),
    })?;
    let (_, data) = value.try_extract_tensor::<f32>().model(model)?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
    }

    #[test]
    fn the_manifest_names_a_known_embedding_and_a_bad_one_is_refused() {
        assert!(manifest_embedding(&models_dir()).is_ok());
        let dir = std::env::temp_dir().join(format!("manifest-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(MANIFEST), "[embedding]\nmodel = \"arcface\"\n").unwrap();
        let text = manifest_embedding(&dir).unwrap_err().to_string();
        assert!(
            text.contains("arcface") && text.contains("fusion"),
            "{text}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// models/manifest.toml is what users and setup-models.sh read; the constants are what the server
    /// checks. They must not drift apart.
    #[test]
    fn constants_equal_the_manifest() {
        let path = models_dir().join(MANIFEST);
        let manifest: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
        let entries = manifest["model"].as_array().unwrap();
        assert_eq!(entries.len(), ALL.len());
        for spec in ALL {
            let entry = entries
                .iter()
                .find(|e| e["file"].as_str() == Some(spec.file))
                .unwrap();
            assert_eq!(entry["sha256"].as_str(), Some(spec.sha256), "{}", spec.file);
            assert_eq!(
                entry["source"].as_str(),
                Some(spec.upstream),
                "{}",
                spec.file
            );
        }
    }

    #[test]
    fn a_missing_model_is_named_with_its_source() {
        let err = verify(Path::new("/nonexistent"), EmbeddingModel::Fusion).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(DETECTOR.file) && text.contains("libfacedetection.train"),
            "{text}"
        );
    }
}

use std::path::PathBuf;
use std::time::Duration;

/// Everything the engine can refuse or fail with. Input problems (`EmptyImage` … `ImageTooSmall`,
/// `NoFace`, `MultipleFaces`) are the caller's; `Busy` asks the caller to retry; the rest are the server's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the image is empty")]
    EmptyImage,
    #[error("the image is not valid base64")]
    InvalidBase64(#[source] base64::DecodeError),
    #[error(
        "the data is not a complete image in a supported format (JPEG, PNG, WebP, BMP, GIF, TIFF)"
    )]
    NotAnImage(#[source] Option<Box<dyn std::error::Error + Send + Sync>>),
    #[error("the image is too large: {what} {value} exceeds the limit of {limit}")]
    ImageTooLarge {
        what: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("the image is too small: {width}x{height}, the minimum side is {min_side}")]
    ImageTooSmall {
        width: u32,
        height: u32,
        min_side: u32,
    },
    #[error("no face was found")]
    NoFace,
    #[error("{count} faces were found where one was expected")]
    MultipleFaces { count: usize },
    #[error("every face worker is busy; retry after {retry_after:?}")]
    Busy { retry_after: Duration },
    #[error("the face engine has stopped")]
    Stopped,
    #[error("model file {file} at {}: {problem}; it comes from {upstream}", path.display())]
    ModelFile {
        file: &'static str,
        path: PathBuf,
        problem: ModelFileProblem,
        upstream: &'static str,
    },
    #[error("the model manifest {} does not name a usable embedding model: {problem}", path.display())]
    Manifest { path: PathBuf, problem: String },
    #[error("cannot load ONNX Runtime from {}; run scripts/fetch-onnxruntime.sh or set ORT_DYLIB_PATH", path.display())]
    Runtime {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("model {model} failed")]
    Model {
        model: &'static str,
        #[source]
        source: ort::Error,
    },
}

/// Why a model file was refused at start-up.
#[derive(Debug)]
#[non_exhaustive]
pub enum ModelFileProblem {
    Missing(std::io::Error),
    Checksum {
        expected: &'static str,
        actual: String,
    },
}

impl std::fmt::Display for ModelFileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(e) => write!(f, "cannot read it ({e})"),
            Self::Checksum { expected, actual } => {
                write!(f, "sha256 is {actual}, expected {expected}")
            }
        }
    }
}

/// Attaches the model name to an ort error, so a failure says which network broke.
pub(crate) trait ModelContext<T> {
    fn model(self, model: &'static str) -> Result<T, Error>;
}

impl<T, E: Into<ort::Error>> ModelContext<T> for Result<T, E> {
    fn model(self, model: &'static str) -> Result<T, Error> {
        self.map_err(|e| Error::Model {
            model,
            source: e.into(),
        })
    }
}

use baf_domain::Refusal;

use crate::notify::NotifyError;

/// Which of the client's images an engine error is about; the HTTP layer names the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Image {
    /// The selfie of a validation.
    Selfie,
    /// The document's front of a registration with a document.
    DocumentFront,
    /// Its back (or second page).
    DocumentBack,
    /// The new registration photo of `UpdateMainPhoto`.
    MainPhoto,
}

/// Every way a use case can fail. `baf-api` maps each to the vendor's envelope in one place.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A business rule refused the request.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] baf_store::Error),
    #[error(transparent)]
    Blobs(#[from] baf_blobs::Error),
    /// The engine refused or could not read one of the client's images.
    #[error("{image:?}: {source}")]
    Image {
        image: Image,
        #[source]
        source: verification::Error,
    },
    /// The engine failed on no particular image: busy workers, no or several faces, a model.
    #[error(transparent)]
    Engine(#[from] verification::Error),
    /// Every document reader is busy.
    #[error("every document reader is busy")]
    ReadersBusy { retry_after: std::time::Duration },
    /// The text models failed on a document.
    #[error(transparent)]
    Document(#[from] documents::Error),
    #[error("a document reader panicked")]
    DocumentReaderPanicked,
    /// A hosted page's capability names another applicant than the one it validates.
    #[error("This verification page may only verify its own applicant.")]
    OtherApplicant,
    /// The validation was recorded as an InvalidData attempt (no or several faces).
    #[error("{0}")]
    InvalidData(String),
    /// The validation was recorded as an InvalidData attempt: the document sent is a face photo.
    #[error("{0}")]
    NotADocument(String),
    /// The new main photo failed the registration checks; the reasons are joined.
    #[error("The new photo failed the face checks: {0}")]
    PhotoRefused(String),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    /// A liveness video that is no video container, or too large to keep.
    #[error("{kind:?}: {reason}")]
    InvalidVideo {
        kind: baf_store::attempts::MediaKind,
        reason: &'static str,
    },
    /// The attempt holds no video of the kind asked for.
    #[error("Validation response does not contain a video")]
    NoVideo,
    /// A file that an attempt's row names is not in the blob store.
    #[error("blob {0} named by an attempt is missing")]
    MissingBlob(String),
    /// Work handed to another task did not finish (it panicked, or the runtime is stopping).
    #[error("a background task failed")]
    Task(#[from] tokio::task::JoinError),
}

impl Error {
    pub(crate) fn image(image: Image) -> impl FnOnce(verification::Error) -> Self {
        move |source| Self::Image { image, source }
    }
}

//! Reading a registration's document off the async runtime: a fixed set of readers (each owns
//! its ONNX Runtime sessions, whose `run` takes `&mut self`), lent one per request; when all are
//! lent the request is refused at once as busy (503 + `Retry-After`) rather than queued.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baf_domain::document::DocumentReport;
use bytes::Bytes;
use chrono::NaiveDate;
use documents::{DocumentKind, Reader, Reading};
use tokio::sync::Semaphore;
use verification::{DecodeBudget, ImageLimits};

use crate::{Error, Image};

/// What a busy pool tells the client to wait.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The pool of document readers; cheap to clone.
#[derive(Clone)]
pub struct DocumentReaders {
    readers: Arc<Mutex<Vec<Reader>>>,
    free: Arc<Semaphore>,
    limits: ImageLimits,
    /// What decoded pictures may hold, shared with the face engine by [`Self::sharing`].
    budget: DecodeBudget,
}

impl DocumentReaders {
    /// Opens `count` readers on the text models in `models`, in the ONNX Runtime environment
    /// the face engine shares (one per process), loading `dylib` if none is loaded yet.
    pub fn open(dylib: &Path, models: &Path, count: usize) -> Result<Self, Error> {
        let env = verification::onnx_environment(dylib)?;
        let readers = (0..count.max(1))
            .map(|_| Reader::open_in(&env, models))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            free: Arc::new(Semaphore::new(readers.len())),
            readers: Arc::new(Mutex::new(readers)),
            limits: ImageLimits::default(),
            budget: DecodeBudget::new(ImageLimits::default().max_decoded_bytes),
        })
    }

    /// The same readers, decoding within `budget` (the face engine's): a document's pictures
    /// then count with the faces' against one bound on the process's decode memory.
    pub fn sharing(self, budget: DecodeBudget) -> Self {
        Self { budget, ..self }
    }

    /// Reads the front and, when sent, the back, and checks them against `today`, the
    /// declared `documentType` and the confidence a reading needs (`documentValidationPercent`).
    pub async fn read(
        &self,
        sides: Vec<Bytes>,
        document_type: i16,
        today: NaiveDate,
        required_confidence: u8,
    ) -> Result<DocumentReport, Error> {
        let permit =
            Arc::clone(&self.free)
                .try_acquire_owned()
                .map_err(|_| Error::ReadersBusy {
                    retry_after: RETRY_AFTER,
                })?;
        let pool = self.clone();
        let readings = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            pool.read_blocking(&sides)
        })
        .await??;
        let declared = u8::try_from(document_type)
            .ok()
            .and_then(DocumentKind::from_code);
        Ok(report(&readings, declared, today, required_confidence))
    }

    fn read_blocking(&self, sides: &[Bytes]) -> Result<Vec<Reading>, Error> {
        // a permit is held, so a reader is free
        let mut reader = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
            .expect("a permit is a free reader");
        // a panic on one picture must not lose the reader with it
        let readings = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sides
                .iter()
                .zip([Image::DocumentFront, Image::DocumentBack])
                .map(|(side, image)| {
                    let (picture, _reservation) =
                        verification::decode_image_within(side, &self.limits, &self.budget)
                            .map_err(Error::image(image))?;
                    reader.read(&picture).map_err(Error::Document)
                })
                .collect()
        }))
        .unwrap_or(Err(Error::DocumentReaderPanicked));
        self.readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(reader);
        readings
    }
}

/// The report an attempt keeps: the fields of the first side read, and every check.
fn report(
    readings: &[Reading],
    declared: Option<DocumentKind>,
    today: NaiveDate,
    required_confidence: u8,
) -> DocumentReport {
    let first_read = readings
        .iter()
        .find_map(|reading| Some((reading.fields(today)?, reading)));
    DocumentReport {
        fields: first_read
            .as_ref()
            .map(|(fields, _)| fields.to_map())
            .unwrap_or_default(),
        confidence: first_read
            .map(|(_, reading)| reading.confidence(today))
            .unwrap_or_default(),
        tests: documents::validation_tests(readings, today, declared, required_confidence),
        expired: documents::checks::expired(readings, today),
        mrz_read: readings.iter().any(|reading| reading.zone.is_some()),
        pdf417_read: readings.iter().any(|reading| reading.licence.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::mpsc;

    use super::*;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn a_document_is_decoded_within_the_shared_budget() {
        let dylib = std::env::var_os("ORT_DYLIB_PATH").map_or_else(
            || repo().join(verification::DEFAULT_ORT_DYLIB),
            PathBuf::from,
        );
        let budget = DecodeBudget::new(64 << 20);
        let readers = DocumentReaders::open(&dylib, &repo().join("vendor/ocr"), 1)
            .expect("the text models load (scripts/fetch-ocr-models.sh)")
            .sharing(budget.clone());
        let picture = std::fs::read(repo().join("../shared/faces/selfie/obama/fr_obama-240p.jpg"))
            .expect("a picture of ../shared/faces");
        // the face engine holds the whole budget: the reader waits for it
        let held = budget.reserve(64 << 20);
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let reading = readers.read_blocking(&[Bytes::from(picture)]);
            let _ = done.send(reading.map(|sides| sides.len()));
        });
        assert!(
            finished.recv_timeout(Duration::from_secs(1)).is_err(),
            "the reader decoded beyond the budget"
        );
        drop(held);
        let sides = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("the reader goes on once the budget is free");
        assert_eq!(sides.ok(), Some(1));
        assert_eq!(
            budget.available(),
            64 << 20,
            "the reader gave its bytes back"
        );
    }
}

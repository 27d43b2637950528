//! The engine: worker threads that each own a `Pipeline`, fed by a bounded queue.
//!
//! Protocol: `analyze` puts a job on the queue with `try_send`, so a full queue answers `Busy` at once
//! instead of queueing without bound; the API turns that into 503 + `Retry-After`. Each worker takes a
//! job, runs the whole pipeline on its own sessions (ONNX Runtime's `run` takes `&mut self`, so a
//! session is never shared), and answers on the job's oneshot channel. Workers stop when the last
//! `Engine` clone is dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::intake::DecodeBudget;
use crate::models;
use crate::pipeline::{FaceAnalysis, Pipeline, PipelineConfig};
use crate::similarity::EmbeddingModel;

/// The engine's settings: the pipeline each worker opens, and the pool around them.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub pipeline: PipelineConfig,
    /// Worker threads, each with its own sessions (about 75–90 MB resident each, measured).
    pub workers: usize,
    /// Jobs waiting beyond those being processed; more is `Busy`.
    pub queue_len: usize,
    /// Suggested wait returned with `Busy`.
    pub retry_after: Duration,
    /// Bytes all workers together may hold in decoded images (each image is also bounded by
    /// `pipeline.limits.max_decoded_bytes`); a worker waits while the others hold too much.
    pub decode_memory: u64,
}

impl Default for EngineConfig {
    /// One single-threaded worker per core: on a busy server, parallel requests use the cores better than
    /// parallel operators inside one request.
    fn default() -> Self {
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            pipeline: PipelineConfig::default(),
            workers,
            queue_len: 4 * workers,
            retry_after: Duration::from_secs(1),
            decode_memory: DEFAULT_DECODE_MEMORY,
        }
    }
}

/// Four of the largest images at once: beyond the fourth, more workers add speed but not memory.
pub const DEFAULT_DECODE_MEMORY: u64 = 384 << 20;

struct Job {
    image: Bytes,
    span: tracing::Span,
    reply: oneshot::Sender<Result<FaceAnalysis, Error>>,
}

/// Handle to the worker pool; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    jobs: mpsc::Sender<Job>,
    retry_after: Duration,
    decode_budget: DecodeBudget,
    embedding: EmbeddingModel,
    threads: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>>,
}

/// Handle on the engine's worker threads that does not keep them alive.
pub struct WorkerThreads(Arc<Mutex<Vec<std::thread::JoinHandle<()>>>>);

impl WorkerThreads {
    /// Blocks until every worker has stopped; call after the last `Engine` clone is gone.
    pub fn join(self) {
        let threads = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Engine {
    /// Checks every model file, then starts the workers and waits until each has loaded its sessions,
    /// so a broken model or runtime fails here rather than on the first request.
    pub fn start(config: &EngineConfig) -> Result<Self, Error> {
        let embedding = config.pipeline.embedding_model()?;
        models::verify(&config.pipeline.models_dir, embedding)?;
        let (jobs, queue) = mpsc::channel::<Job>(config.queue_len.max(1));
        let queue = Arc::new(Mutex::new(queue));
        let decode_budget = DecodeBudget::new(
            config
                .decode_memory
                .max(config.pipeline.limits.max_decoded_bytes),
        );
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let mut threads = Vec::new();
        for n in 0..config.workers.max(1) {
            let (config, queue, ready) = (config.pipeline.clone(), queue.clone(), ready_tx.clone());
            let decode_budget = decode_budget.clone();
            let thread = std::thread::Builder::new()
                .name(format!("face-worker-{n}"))
                .spawn(
                    move || match Pipeline::open(&config, embedding, decode_budget) {
                        Ok(pipeline) => {
                            let _ = ready.send(Ok(()));
                            // Dropped before working: `start` waits until every worker's sender is gone.
                            drop(ready);
                            work(pipeline, &queue);
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                        }
                    },
                )
                .expect("spawning a worker thread");
            threads.push(thread);
        }
        drop(ready_tx);
        for result in ready_rx {
            result?;
        }
        Ok(Self {
            jobs,
            retry_after: config.retry_after,
            decode_budget,
            embedding,
            threads: Arc::new(Mutex::new(threads)),
        })
    }

    /// How many worker threads analyse images.
    pub fn workers(&self) -> usize {
        self.threads.lock().map_or(0, |threads| threads.len())
    }

    /// The memory its workers decode images within, for other decoders of the process (the
    /// document readers) to share, so that all decoding together stays within it.
    pub fn decode_budget(&self) -> DecodeBudget {
        self.decode_budget.clone()
    }

    /// The model of every embedding this engine makes.
    /// Images waiting for a worker.
    pub fn queue_depth(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    pub fn embedding_model(&self) -> EmbeddingModel {
        self.embedding
    }

    /// The worker threads, to wait for at shutdown: they end once every `Engine` clone is dropped
    /// and the job in hand is done. Exiting the process under a running model makes ONNX Runtime
    /// tear down its statics beneath it (and log errors), so the server joins them first.
    pub fn threads(&self) -> WorkerThreads {
        WorkerThreads(Arc::clone(&self.threads))
    }

    /// Analyses an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF) on a worker. `Busy` when the queue is
    /// full; input errors (`NotAnImage`, `ImageTooLarge`, …) as `decode_image` gives them.
    pub async fn analyze(&self, image: Bytes) -> Result<FaceAnalysis, Error> {
        self.submit(image)?.await
    }

    /// Queues an image as [`Engine::analyze`] does, answering `Busy` before anything else happens,
    /// so a caller can do other work while a worker analyses it; the future gives the analysis.
    pub fn submit(
        &self,
        image: Bytes,
    ) -> Result<impl Future<Output = Result<FaceAnalysis, Error>> + use<>, Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            image,
            span: tracing::Span::current(),
            reply,
        };
        self.jobs.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                metrics::counter!("baf_face_busy_total").increment(1);
                Error::Busy {
                    retry_after: self.retry_after,
                }
            }
            mpsc::error::TrySendError::Closed(_) => Error::Stopped,
        })?;
        // A dropped reply means the worker panicked on this job.
        Ok(async move { answer.await.map_err(|_| Error::Stopped)? })
    }
}

fn work(mut pipeline: Pipeline, queue: &Mutex<mpsc::Receiver<Job>>) {
    loop {
        // The lock is held only while waiting, so idle workers queue up behind it in turn.
        let job = match queue.lock() {
            Ok(mut queue) => queue.blocking_recv(),
            Err(_) => None,
        };
        let Some(job) = job else { return };
        if job.reply.is_closed() {
            continue; // the caller went away (request timeout): skip the work
        }
        let _entered = job.span.enter();
        // A panic in one job must not take the worker down with it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pipeline.analyze_bytes(&job.image)
        }));
        match result {
            Ok(result) => {
                let _ = job.reply.send(result);
            }
            Err(_) => tracing::error!("face worker panicked on a job"),
        }
    }
}

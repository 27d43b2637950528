//! Per-stage and end-to-end latency on `shared/reference/bench-selfie-1280x960.jpg` (the image the
//! Python reference's bench.py times), plus the throughput of a two-worker engine.
//!
//!     cargo bench -p verification --bench pipeline

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verification::{Engine, EngineConfig, ImageLimits, Pipeline, decode_image};

fn stages(c: &mut Criterion) {
    let data = std::fs::read(common::shared().join("reference/bench-selfie-1280x960.jpg")).unwrap();
    let limits = ImageLimits::default();
    let mut pipeline = Pipeline::load(&common::config().pipeline).unwrap();
    let image = decode_image(&data, &limits).unwrap();
    let face = pipeline.analyze(&image).unwrap().main.unwrap().face;

    let mut group = c.benchmark_group("stage");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("decode", |b| {
        b.iter(|| decode_image(&data, &limits).unwrap())
    });
    group.bench_function("detect", |b| b.iter(|| pipeline.detect(&image).unwrap()));
    group.bench_function("quality", |b| {
        b.iter(|| pipeline.quality(&image, &face.landmarks).unwrap())
    });
    group.bench_function("liveness", |b| {
        b.iter(|| pipeline.liveness(&image, &face.bbox).unwrap())
    });
    group.bench_function("embedding", |b| {
        b.iter(|| pipeline.embed(&image, &face.landmarks).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("end_to_end");
    group
        .sample_size(100)
        .measurement_time(Duration::from_secs(6));
    group.bench_function("one_worker_decode_included", |b| {
        b.iter(|| pipeline.analyze_bytes(&data).unwrap())
    });
    group.finish();
}

/// Selfies per second through `Engine::analyze` with two single-threaded workers, the default on this
/// 2-core machine: each measured batch keeps both workers fed.
fn throughput(c: &mut Criterion) {
    let data = Bytes::from(
        std::fs::read(common::shared().join("reference/bench-selfie-1280x960.jpg")).unwrap(),
    );
    let config = EngineConfig {
        workers: 2,
        queue_len: 64,
        ..common::config()
    };
    let engine = Engine::start(&config).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let batch = 32;
    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Elements(batch));
    group.bench_function("two_workers_batch_of_32", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                runtime.block_on(async {
                    let mut tasks = tokio::task::JoinSet::new();
                    for _ in 0..batch {
                        let (engine, data) = (engine.clone(), data.clone());
                        tasks.spawn(async move { engine.analyze(data).await.unwrap() });
                    }
                    while let Some(done) = tasks.join_next().await {
                        done.unwrap();
                    }
                });
            }
            start.elapsed()
        })
    });
    group.finish();
}

criterion_group!(benches, stages, throughput);
criterion_main!(benches);

//! 1:N search over one million profiles on one thread, and the gallery's memory per raw embedding byte,
//! for the embedding model `models/manifest.toml` chooses (`BAF_EMBEDDING=<name>` picks another).
//!
//!     cargo bench -p verification --bench gallery

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use uuid::Uuid;
use verification::{DEFAULT_TOP_K, Embedding, EmbeddingModel, Gallery, Similarity};

const PROFILES: usize = 1_000_000;

fn random_embedding(model: EmbeddingModel, rng: &mut TestRng) -> Embedding {
    // Uniform in [-1, 1) per component: random directions, far apart like impostors.
    let raw: Vec<f32> = (0..model.dim())
        .map(|_| (rng.next_u32() as f32 / u32::MAX as f32) * 2.0 - 1.0)
        .collect();
    Embedding::from_raw(model, &raw).unwrap()
}

fn search(c: &mut Criterion) {
    let model = match std::env::var("BAF_EMBEDDING") {
        Ok(name) => EmbeddingModel::parse(&name).expect("a known embedding model"),
        Err(_) => verification::manifest_embedding(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models"),
        )
        .unwrap(),
    };
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let (account, gallery) = (Uuid::from_u128(1), Gallery::new(model));
    gallery.load(
        account,
        (0..PROFILES).map(|i| {
            (
                Uuid::from_u128(i as u128 + 1),
                random_embedding(model, &mut rng),
            )
        }),
    );
    let raw = PROFILES * model.dim() * 4;
    let held = gallery.memory_bytes(account);
    println!(
        "{model}: gallery memory: {held} bytes for {raw} raw embedding bytes = {:.3}x",
        held as f64 / raw as f64
    );

    let probe = random_embedding(model, &mut rng);
    let mut group = c.benchmark_group("gallery");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("search_1m_top50_at_90pct", |b| {
        b.iter(|| {
            gallery.search(
                account,
                &probe,
                Similarity::from_confidence(model, 90.0),
                DEFAULT_TOP_K,
            )
        })
    });
    group.bench_function("search_1m_top50_all", |b| {
        b.iter(|| gallery.search(account, &probe, Similarity::new(model, -1.0), DEFAULT_TOP_K))
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);

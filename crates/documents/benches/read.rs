//! One document picture read end to end on one core (the text models run single-threaded):
//! decoding included, as the server would do it. The target is 400 ms p50 for a 1600×1200
//! JPEG; the three pictures are that passport photo (zone found and read), a licence photo (the
//! barcode, found first) and a picture with no document (every zone-like line tried, nothing read).
//!
//!     cargo bench -p documents --bench read

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use documents::Reader;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(c: &mut Criterion) {
    let dylib = std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || repo().join("vendor/onnxruntime/libonnxruntime.so.1.31.1"),
        PathBuf::from,
    );
    let mut reader = Reader::open(
        &dylib,
        &documents::ocr::ZoneReader::models_in_checkout(&repo()),
    )
    .expect("the OCR models load (scripts/fetch-ocr-models.sh, scripts/fetch-onnxruntime.sh)");
    let mut group = c.benchmark_group("read");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, file) in [
        ("passport_1600x1200", "pe_100_pass-lux.jpg"),
        ("licence_1551x1152", "syn_dl_02.jpg"),
        ("no_document_1200x800", "syn_nodoc_00.jpg"),
    ] {
        let bytes = std::fs::read(repo().join("../shared/documents").join(file)).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let picture = image::load_from_memory(&bytes).unwrap().to_rgb8();
                reader.read(&picture).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);

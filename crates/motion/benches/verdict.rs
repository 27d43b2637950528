//! What a motion-control verdict costs on one core (issue 17's target: p50 ≤ 600 ms for a 3 s
//! 640×480 video): the real clip's first 3 s sampled at 10 frames a second, scaled to fit 640
//! (640×360), then faces found in every frame (the poses and the parallax need landmarks in
//! each), and the whole analysis (embedding, quality, passive liveness) of every frame or of
//! five of them, then the verdict.
//!
//!     cargo bench -p motion --bench verdict

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use motion::{Challenge, FaceSeen, Move, Observation, Thresholds, verdict};
use verification::{Pipeline, PipelineConfig};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SAMPLING: video::Sampling = video::Sampling {
    per_second: 10,
    max_side: 640,
    max_frames: 30,
    deadline: Duration::from_secs(30),
};

/// Every sampled frame's faces, and the whole analysis of `analysed` of them spread evenly.
fn judged(pipeline: &mut Pipeline, clip: &[u8], analysed: usize) -> motion::Verdict {
    let frames = video::sample(clip, &SAMPLING).unwrap();
    let every = frames.len().div_ceil(analysed).max(1);
    let observations: Vec<Observation> = frames
        .iter()
        .enumerate()
        .map(|(index, frame)| {
            // An analysed frame's faces come with its analysis; the others' from detection
            // alone. The similarity to a selfie is one cosine, nothing next to the embedding.
            let (faces, liveness) = if index % every == 0 {
                let analysis = pipeline.analyze(&frame.picture).unwrap();
                let liveness = analysis.main.map(|main| main.liveness.score);
                (analysis.faces, liveness)
            } else {
                (pipeline.detect(&frame.picture).unwrap().faces, None)
            };
            Observation {
                at: frame.at,
                faces: faces.len(),
                face: faces.first().map(|face| FaceSeen {
                    landmarks: face.landmarks.map(|p| (p.x as f32, p.y as f32)),
                    similarity: 1.0,
                    liveness: liveness.unwrap_or(1.0),
                }),
            }
        })
        .collect();
    let challenge = Challenge {
        moves: vec![Move::TurnLeft, Move::TurnRight],
        nonce: String::new(),
        deadline: Duration::from_secs(6),
    };
    verdict(&challenge, &observations, &Thresholds::new(0.5, 0.5))
}

fn bench(c: &mut Criterion) {
    let clip = std::fs::read(repo().join("../shared/videos/short_hamilton_clip.mp4")).unwrap();
    let mut pipeline = Pipeline::load(&PipelineConfig::in_checkout(&repo())).unwrap();
    let mut group = c.benchmark_group("verdict_3s_640x360");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("decode_only", |b| {
        b.iter(|| video::sample(&clip, &SAMPLING).unwrap())
    });
    group.bench_function("faces_in_30_analysis_of_5", |b| {
        b.iter(|| judged(&mut pipeline, &clip, 5))
    });
    group.bench_function("faces_in_30_analysis_of_30", |b| {
        b.iter(|| judged(&mut pipeline, &clip, 30))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The engine as the API uses it: async analysis on worker threads, `Busy` on a full queue, and
//! start-up refusing a missing or corrupt model by name.

mod common;

use bytes::Bytes;
use verification::{EmbeddingModel, Engine, EngineConfig, Error, ModelFileProblem, PipelineConfig};

fn face(file: &str) -> Bytes {
    Bytes::from(std::fs::read(common::shared().join("faces").join(file)).unwrap())
}

#[tokio::test]
async fn a_selfie_gives_one_face_and_a_group_or_an_empty_photo_is_refused() {
    let engine = Engine::start(&common::config()).unwrap();
    let selfie = engine
        .analyze(face("selfie/obama/fr_obama.jpg"))
        .await
        .unwrap()
        .into_single()
        .unwrap();
    assert!(
        selfie.quality.percent() > 90.0 && selfie.liveness.is_live(),
        "{selfie:?}"
    );
    let again = engine
        .analyze(face("selfie/obama/fr_obama2.jpg"))
        .await
        .unwrap()
        .into_single()
        .unwrap();
    assert!(
        selfie
            .embedding
            .similarity(&again.embedding)
            .unwrap()
            .confidence()
            > 90.0
    );

    let group = engine
        .analyze(face("group/fr_two_people.jpg"))
        .await
        .unwrap();
    assert!(matches!(
        group.into_single(),
        Err(Error::MultipleFaces { count: 2 })
    ));
    let empty = engine.analyze(face("noface/ski_coffee.png")).await.unwrap();
    assert!(matches!(empty.into_single(), Err(Error::NoFace)));
    let truncated = engine.analyze(face("invalid/cf_truncated.jpg")).await;
    assert!(
        matches!(truncated, Err(Error::NotAnImage(_))),
        "{truncated:?}"
    );
}

#[tokio::test]
async fn a_full_queue_answers_busy_with_a_retry_delay() {
    let config = EngineConfig {
        queue_len: 1,
        ..common::config()
    };
    let engine = Engine::start(&config).unwrap();
    // The 36 MP photo keeps the only worker busy while the rest arrive: one runs, one waits, the rest bounce.
    let image = face("selfie/compreface_A/cf_001_A.jpg");
    let calls = (0..6).map(|_| engine.analyze(image.clone()));
    let (a, b, c, d, e, f) = {
        let mut calls = calls;
        let mut next = || calls.next().unwrap();
        tokio::join!(next(), next(), next(), next(), next(), next())
    };
    let results = [a, b, c, d, e, f];
    let busy = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Busy { retry_after }) if !retry_after.is_zero()))
        .count();
    let done = results.iter().filter(|r| r.is_ok()).count();
    assert!(
        busy >= 3 && done >= 1 && busy + done == 6,
        "busy {busy}, done {done}"
    );
}

#[test]
fn start_refuses_a_missing_or_corrupt_model_naming_the_file_and_its_source() {
    let dir = std::env::temp_dir().join(format!("verification-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let real = common::config().pipeline.models_dir;
    for file in [
        "detector-yunet-n-dynamic.onnx",
        "embedding-dlib-resnet-v1.onnx",
        "liveness-minifasnetv2-s2.7.onnx",
    ] {
        let _ = std::fs::remove_file(dir.join(file));
        std::os::unix::fs::symlink(real.join(file).canonicalize().unwrap(), dir.join(file))
            .unwrap();
    }
    let config = EngineConfig {
        pipeline: PipelineConfig {
            models_dir: dir.clone(),
            embedding: Some(EmbeddingModel::DlibResnetV1),
            ..common::config().pipeline
        },
        ..common::config()
    };
    let missing = Engine::start(&config).err().unwrap();
    assert!(matches!(
        &missing,
        Error::ModelFile {
            file: "liveness-minifasnetv1se-s4.0.onnx",
            problem: ModelFileProblem::Missing(_),
            ..
        }
    ));
    assert!(
        missing.to_string().contains("Silent-Face-Anti-Spoofing"),
        "{missing}"
    );

    std::fs::write(
        dir.join("liveness-minifasnetv1se-s4.0.onnx"),
        b"not a model",
    )
    .unwrap();
    let corrupt = Engine::start(&config).err().unwrap();
    assert!(
        matches!(
            corrupt,
            Error::ModelFile {
                problem: ModelFileProblem::Checksum { .. },
                ..
            }
        ),
        "{corrupt}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A selfie with a smaller copy of the same face pasted in: `scale` of the original's side.
fn selfie_with_a_second_face(scale: f64) -> verification::FaceAnalysis {
    let bytes = std::fs::read(common::shared().join("faces/selfie/obama/fr_obama.jpg")).unwrap();
    let image = verification::decode_image(&bytes, &verification::ImageLimits::default()).unwrap();
    let (w, h) = image.dimensions();
    let small = image::imageops::resize(
        &image,
        (f64::from(w) * scale) as u32,
        (f64::from(h) * scale) as u32,
        image::imageops::FilterType::Triangle,
    );
    let mut canvas = verification::RgbImage::from_pixel(
        w + small.width(),
        h.max(small.height()),
        image::Rgb([128, 128, 128]),
    );
    image::imageops::replace(&mut canvas, &image, 0, 0);
    image::imageops::replace(&mut canvas, &small, i64::from(w), 0);
    let mut pipeline = verification::Pipeline::load(&common::config().pipeline).unwrap();
    pipeline.analyze(&canvas).unwrap()
}

#[test]
fn a_small_face_in_the_background_does_not_make_a_group_photo_but_a_second_subject_does() {
    // Area ratio 0.4² = 0.16: below BACKGROUND_FACE_AREA_RATIO (0.35).
    let background = selfie_with_a_second_face(0.4);
    assert_eq!(
        (background.faces.len(), background.subject_count()),
        (2, 1),
        "{:?}",
        background.faces
    );
    assert!(background.into_single().is_ok());
    // Area ratio 0.8² = 0.64: two subjects.
    let two = selfie_with_a_second_face(0.8);
    assert_eq!(two.subject_count(), 2, "{:?}", two.faces);
    assert!(matches!(
        two.into_single(),
        Err(Error::MultipleFaces { count: 2 })
    ));
}

/// A 36 MP photo (4912×7360) is decoded at half size under the default limits; the face it shows
/// is the same person by a wide margin, and its box is where the full-size one is, halved.
#[test]
fn a_photo_decoded_at_half_size_gives_the_face_it_gives_at_full_size() {
    let bytes =
        std::fs::read(common::shared().join("faces/selfie/compreface_A/cf_001_A.jpg")).unwrap();
    let mut pipeline = verification::Pipeline::load(&common::config().pipeline).unwrap();
    let half = pipeline.analyze_bytes(&bytes).unwrap();
    assert_eq!((half.width, half.height), (2456, 3680));
    let full_limits = verification::ImageLimits {
        max_decoded_bytes: u64::MAX,
        ..verification::ImageLimits::default()
    };
    let full = verification::decode_image(&bytes, &full_limits).unwrap();
    let full = pipeline.analyze(&full).unwrap();
    let (half, full) = (half.into_single().unwrap(), full.into_single().unwrap());
    let similarity = half.embedding.similarity(&full.embedding).unwrap().score();
    println!(
        "cosine {similarity:.4}; quality {:.3} / {:.3}; liveness {:.3} / {:.3}",
        half.quality.score, full.quality.score, half.liveness.score, full.liveness.score
    );
    assert!(similarity > 0.9, "cosine {similarity}");
    let gap = (half.face.bbox.x * 2.0 - full.face.bbox.x).abs()
        + (half.face.bbox.y * 2.0 - full.face.bbox.y).abs();
    assert!(
        gap < 0.02 * full.face.bbox.width,
        "{:?} {:?}",
        half.face.bbox,
        full.face.bbox
    );
}

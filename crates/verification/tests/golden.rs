//! Replays `shared/reference/golden.json` (every manifest image, the synthetic close-up, 820 pairs)
//! within the reference README's tolerances, end to end and stage by stage, like `replay_golden.py`.
//! Tier A (decoded pixels hash-equal the reference's) gets the tight tolerances, tier B the loose ones.
//! Run with `--nocapture` to see the worst case of every check next to its tolerance.
//!
//! The reference embeds with dlib ResNet, so the pipeline here does too, whatever the manifest
//! chooses. Liveness is compared only where the context windows equal the reference's crops: where
//! the reference shifts a crop back inside the image, the port mirrors the image into a centred
//! window instead (src/liveness.rs).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use serde_json::Value;
use sha2::{Digest, Sha256};
use verification::crops::{Window, embedding_chip, liveness_windows};
use verification::{
    BBox, Embedding, EmbeddingModel, Error, FaceAnalysis, ImageLimits, Liveness, Pipeline,
    PipelineConfig, Point, RgbImage, Similarity, decode_image,
};

const MODEL: EmbeddingModel = EmbeddingModel::DlibResnetV1;

/// The reference's inclusive [left, top, right, bottom] of a window.
fn rect(w: &Window) -> [i64; 4] {
    [
        w.x,
        w.y,
        w.x + i64::from(w.width) - 1,
        w.y + i64::from(w.height) - 1,
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    A,
    B,
}

impl Tier {
    fn key(self) -> &'static str {
        match self {
            Tier::A => "tier_a_same_pixels",
            Tier::B => "tier_b_other_decoder",
        }
    }
}

/// What the port computed for one decodable image.
struct Outcome {
    golden: Value,
    tier: Tier,
    image: RgbImage,
    analysis: FaceAnalysis,
    max_side: Option<u32>,
    stage: Option<Stage>,
}

/// Stages run from golden.json's own landmarks and box.
struct Stage {
    quality: f32,
    liveness: Liveness,
    liveness_box: [i64; 4],
    liveness_rects: [[i64; 4]; 2],
    shrunk_size: Option<(u32, u32)>,
    embedding: Embedding,
}

struct Run {
    golden: Value,
    outcomes: BTreeMap<String, Outcome>,
    refused: HashMap<String, Error>,
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn point(v: &Value) -> Point {
    Point {
        x: f(&v[0]),
        y: f(&v[1]),
    }
}

fn bbox(v: &Value) -> BBox {
    BBox {
        x: f(&v[0]),
        y: f(&v[1]),
        width: f(&v[2]),
        height: f(&v[3]),
    }
}

fn landmarks(v: &Value) -> [Point; 5] {
    std::array::from_fn(|i| point(&v[i]))
}

fn vector(v: &Value) -> Embedding {
    let raw: Vec<f32> = v.as_array().unwrap().iter().map(|x| f(x) as f32).collect();
    Embedding::from_raw(MODEL, &raw).unwrap()
}

/// The port is compared with the reference at the reference's full size; decoding the largest
/// photos at half size, as the default limits do, is measured in tests/engine.rs.
const FULL_SIZE: ImageLimits = ImageLimits {
    max_decoded_bytes: u64::MAX,
    ..ImageLimits::DEFAULT
};

static RUN: LazyLock<Run> = LazyLock::new(|| {
    let shared = common::shared();
    let golden: Value =
        serde_json::from_slice(&std::fs::read(shared.join("reference/golden.json")).unwrap())
            .unwrap();
    let config = PipelineConfig {
        embedding: Some(MODEL),
        ..common::config().pipeline
    };
    let mut pipeline = Pipeline::load(&config).expect("models and ONNX Runtime (see README)");
    let (mut outcomes, mut refused) = (BTreeMap::new(), HashMap::new());
    let images = golden["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g, "faces"));
    let extra = golden["extra_images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g, "reference"));
    for (g, folder) in images.chain(extra) {
        let file = g["file"].as_str().unwrap().to_owned();
        let bytes = std::fs::read(shared.join(folder).join(&file)).unwrap();
        let image = match decode_image(&bytes, &FULL_SIZE) {
            Ok(image) => image,
            Err(e) => {
                refused.insert(file, e);
                continue;
            }
        };
        let same = g["size"] == serde_json::json!([image.width(), image.height()])
            && hex(&Sha256::digest(image.as_raw())) == g["pixels"]["sha256"].as_str().unwrap();
        let tier = if same { Tier::A } else { Tier::B };
        let detections = pipeline.detect(&image).unwrap();
        let analysis = pipeline.analyze(&image).unwrap();
        let stage = g["main_face"].as_object().map(|gm| {
            let face = &g["detections"][gm["index"].as_u64().unwrap() as usize];
            let (lm, bx) = (landmarks(&face["landmarks"]), bbox(&face["box"]));
            let (lbox, windows) = liveness_windows(&bx);
            Stage {
                quality: pipeline.quality(&image, &lm).unwrap().score,
                liveness: pipeline.liveness(&image, &bx).unwrap(),
                liveness_box: [lbox.x, lbox.y, lbox.width, lbox.height],
                liveness_rects: windows.each_ref().map(rect),
                shrunk_size: embedding_chip(&image, &lm)
                    .1
                    .preshrink
                    .map(|(_, size)| size),
                embedding: pipeline.embed(&image, &lm).unwrap().combined,
            }
        });
        outcomes.insert(
            file,
            Outcome {
                golden: g.clone(),
                tier,
                image,
                analysis,
                max_side: detections.max_side,
                stage,
            },
        );
    }
    Run {
        golden,
        outcomes,
        refused,
    }
});

fn centre_gap(a: &BBox, b: &BBox) -> f64 {
    (a.x + a.width / 2.0 - b.x - b.width / 2.0).hypot(a.y + a.height / 2.0 - b.y - b.height / 2.0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Worst difference per (tier, check), compared with golden.json's tolerances at the end.
#[derive(Default)]
struct Worst(BTreeMap<(Tier, &'static str), (f64, String)>);

impl Worst {
    fn note(&mut self, tier: Tier, check: &'static str, value: f64, file: &str) {
        let slot = self.0.entry((tier, check)).or_insert((0.0, String::new()));
        if value > slot.0 || value.is_nan() {
            *slot = (value, file.to_owned());
        }
    }

    fn assert_within(&self, golden: &Value) {
        let mut failures = Vec::new();
        println!(
            "{:6} {:32} {:>10} {:>10}  worst file",
            "tier", "check", "worst", "tolerance"
        );
        for ((tier, check), (value, file)) in &self.0 {
            let tol = f(&golden["meta"]["tolerances"][tier.key()][*check]);
            let ok = *value <= tol;
            println!(
                "{tier:6?} {check:32} {value:10.3e} {tol:10.3e}  {file} {}",
                if ok { "" } else { "FAIL" }
            );
            if !ok {
                failures.push(format!(
                    "{tier:?} {check}: {value:.3e} > {tol:.3e} ({file})"
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "out of tolerance:\n{}",
            failures.join("\n")
        );
    }
}

fn tier_counts() -> (usize, usize) {
    let a = RUN.outcomes.values().filter(|o| o.tier == Tier::A).count();
    (a, RUN.outcomes.len() - a)
}

#[test]
fn every_decodable_file_decodes_to_the_reference_size_and_lossless_files_to_its_pixels() {
    for (file, o) in &RUN.outcomes {
        assert_eq!(
            o.golden["size"],
            serde_json::json!([o.image.width(), o.image.height()]),
            "{file}"
        );
        let lossless = !file.ends_with(".jpg") && !file.ends_with(".jpeg");
        assert!(
            !lossless || o.tier == Tier::A,
            "{file}: lossless file decoded to other pixels"
        );
    }
    let (a, b) = tier_counts();
    println!("tier A {a}, tier B {b}");
}

#[test]
fn face_counts_equal_the_reference_for_every_image() {
    for (file, o) in &RUN.outcomes {
        let expected = o.golden["detections"].as_array().unwrap().len();
        assert_eq!(o.analysis.faces.len(), expected, "{file}");
        assert_eq!(
            expected as u64,
            o.golden["faces_manifest"].as_u64().unwrap(),
            "{file}: golden vs manifest"
        );
    }
}

#[test]
fn the_three_invalid_files_are_refused_as_not_images() {
    for (file, g) in RUN.golden["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["file"].as_str().unwrap(), g))
    {
        if g["decoded"].as_bool().unwrap() {
            assert!(
                !RUN.refused.contains_key(file),
                "{file}: {:?}",
                RUN.refused.get(file)
            );
        } else {
            assert!(
                matches!(RUN.refused.get(file), Some(Error::NotAnImage(_))),
                "{file}: {:?}",
                RUN.refused.get(file)
            );
        }
    }
    assert_eq!(RUN.refused.len(), 3);
}

#[test]
fn exif_rotated_silent_face_samples_are_turned_upright_before_detection() {
    for file in [
        "selfie/silentface_subject/sf_image_T1.jpg",
        "spoof/sf_image_F1.jpg",
        "spoof/sf_image_F2.jpg",
    ] {
        let o = &RUN.outcomes[file];
        assert_eq!(o.golden["exif_orientation"], 6);
        assert_eq!((o.image.width(), o.image.height()), (480, 640), "{file}");
        assert_eq!(o.analysis.faces.len(), 1, "{file}");
    }
}

#[test]
fn the_synthetic_close_up_is_found_only_by_the_320_pass() {
    let o = &RUN.outcomes["extra/closeup-retry320.png"];
    assert_eq!(o.max_side, Some(320));
    assert_eq!(o.analysis.faces.len(), 1);
}

/// The attacks rank below the live selfie. At the default operating point (5% of bona fide images
/// refused) both still pass; a stricter `antiSpoofingPercent` refuses them (docs/accuracy.md).
#[test]
fn spoof_samples_score_below_the_live_selfie_of_the_same_person() {
    let live = |file: &str| RUN.outcomes[file].analysis.main.as_ref().unwrap().liveness;
    let t1 = live("selfie/silentface_subject/sf_image_T1.jpg");
    assert!(t1.is_live() && t1.percent() > 95.0, "{t1:?}");
    for spoof in ["spoof/sf_image_F1.jpg", "spoof/sf_image_F2.jpg"] {
        let s = live(spoof);
        assert!(
            s.score < t1.score - 0.2 && s.percent() < 90.0,
            "{spoof}: {s:?} vs live {t1:?}"
        );
    }
}

#[test]
fn end_to_end_and_stage_values_are_within_the_readme_tolerances() {
    let mut worst = Worst::default();
    let mut centred_not_shifted = 0;
    for (file, o) in &RUN.outcomes {
        let (g, tier) = (&o.golden, o.tier);
        let scale = g["detector_scale"].as_f64().unwrap_or(1.0);
        let gd = g["detections"].as_array().unwrap();
        assert_eq!(o.analysis.faces.len(), gd.len(), "{file}");
        for gf in gd {
            // Faces come best score first; two faces scoring within the jitter can swap, so pair each
            // golden face with the nearest of ours.
            let b = bbox(&gf["box"]);
            let face = o
                .analysis
                .faces
                .iter()
                .min_by(|p, q| centre_gap(&p.bbox, &b).total_cmp(&centre_gap(&q.bbox, &b)))
                .unwrap();
            let db = [
                face.bbox.x - b.x,
                face.bbox.y - b.y,
                face.bbox.width - b.width,
                face.bbox.height - b.height,
            ];
            worst.note(
                tier,
                "e2e.detect.box_netpx",
                db.iter().fold(0.0, |m, d| d.abs().max(m)) * scale,
                file,
            );
            let lm = landmarks(&gf["landmarks"]);
            let dl = face.landmarks.iter().zip(&lm).fold(0.0f64, |m, (p, q)| {
                m.max((p.x - q.x).abs()).max((p.y - q.y).abs())
            });
            worst.note(tier, "e2e.detect.landmark_netpx", dl * scale, file);
            worst.note(
                tier,
                "e2e.detect.score",
                (f64::from(face.score) - f(&gf["score"])).abs(),
                file,
            );
        }
        let (Some(gm), Some(main), Some(stage)) =
            (g["main_face"].as_object(), &o.analysis.main, &o.stage)
        else {
            continue;
        };
        assert_eq!(
            main.index as u64,
            gm["index"].as_u64().unwrap(),
            "{file}: main face"
        );
        let gl = &gm["liveness"];
        let golden_rects: Vec<[i64; 4]> = ["minifasnetv2_s2.7", "minifasnetv1se_s4.0"]
            .iter()
            .map(|m| serde_json::from_value(gl["models"][m]["rect"].clone()).unwrap())
            .collect();
        worst.note(
            tier,
            "e2e.quality",
            (f64::from(main.quality.score) - f(&gm["quality"]["q"])).abs(),
            file,
        );
        let ge = vector(&gm["embedding"]["vector"]);
        worst.note(
            tier,
            "e2e.embedding.1_minus_cos",
            1.0 - f64::from(main.embedding.similarity(&ge).unwrap().score()),
            file,
        );
        // A 1-px move of a liveness crop alone moves the mean by up to 0.2: tier A only with equal rects.
        let (_, e2e_windows) = liveness_windows(&main.face.bbox);
        let e2e_rects = e2e_windows.each_ref().map(rect);
        let same_crops = stage.liveness_rects[..] == golden_rects[..];
        if same_crops {
            let live_tier = if tier == Tier::A && e2e_rects[..] == golden_rects[..] {
                Tier::A
            } else {
                Tier::B
            };
            worst.note(
                live_tier,
                "e2e.liveness.mean",
                (f64::from(main.liveness.score) - f(&gl["mean"])).abs(),
                file,
            );
        } else {
            // The reference shifted a crop that left the image; the window here stays centred.
            let size = o.image.dimensions();
            let leaves = |r: &[i64; 4]| {
                r[0] < 0 || r[1] < 0 || r[2] >= i64::from(size.0) || r[3] >= i64::from(size.1)
            };
            let capped = |(r, g): (&[i64; 4], &[i64; 4])| {
                r[2] - r[0] != g[2] - g[0] || r[3] - r[1] != g[3] - g[1]
            };
            assert!(
                stage.liveness_rects.iter().any(leaves)
                    || stage.liveness_rects.iter().zip(&golden_rects).any(capped),
                "{file}: crops differ although none leaves the image: {:?} vs {golden_rects:?}",
                stage.liveness_rects
            );
            centred_not_shifted += 1;
        }

        assert_eq!(
            serde_json::json!(stage.liveness_box),
            gl["box"],
            "{file}: liveness box"
        );
        let shrunk: Option<[u32; 2]> =
            serde_json::from_value(gm["embedding"]["shrunk_size"].clone()).unwrap();
        assert_eq!(
            stage.shrunk_size.map(|(w, h)| [w, h]),
            shrunk,
            "{file}: pre-shrink size"
        );
        worst.note(
            tier,
            "stage.quality",
            (f64::from(stage.quality) - f(&gm["quality"]["q"])).abs(),
            file,
        );
        if same_crops {
            for (p, m) in stage
                .liveness
                .models
                .iter()
                .zip(["minifasnetv2_s2.7", "minifasnetv1se_s4.0"])
            {
                worst.note(
                    tier,
                    "stage.liveness.p_live",
                    (f64::from(*p) - f(&gl["models"][m]["p_live"])).abs(),
                    file,
                );
            }
            worst.note(
                tier,
                "stage.liveness.mean",
                (f64::from(stage.liveness.score) - f(&gl["mean"])).abs(),
                file,
            );
        }
        worst.note(
            tier,
            "stage.embedding.1_minus_cos",
            1.0 - f64::from(stage.embedding.similarity(&ge).unwrap().score()),
            file,
        );
    }
    println!(
        "liveness not compared on {centred_not_shifted} faces whose crops the reference shifted"
    );
    pair_cosines(&mut worst);
    worst.assert_within(&RUN.golden);
}

fn embedding_of(file: &str) -> Option<&'static Embedding> {
    RUN.outcomes
        .get(file)
        .and_then(|o| o.analysis.main.as_ref())
        .map(|m| &m.embedding)
}

fn pair_cosines(worst: &mut Worst) {
    for p in RUN.golden["pairs"].as_array().unwrap() {
        let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        let (Some(ea), Some(eb)) = (embedding_of(a), embedding_of(b)) else {
            panic!("no embedding for {a} or {b}")
        };
        let tier = RUN.outcomes[a].tier.max(RUN.outcomes[b].tier);
        worst.note(
            tier,
            "e2e.pairs.cosine",
            (f64::from(ea.similarity(eb).unwrap().score()) - f(&p["cosine"])).abs(),
            a,
        );
    }
}

fn pair_similarity(p: &Value) -> Similarity {
    let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
    embedding_of(a)
        .unwrap()
        .similarity(embedding_of(b).unwrap())
        .unwrap()
}

#[test]
fn pair_decisions_at_90_percent_match_the_reference_where_the_margin_allows() {
    let threshold = f64::from(Similarity::from_confidence(MODEL, 90.0).score());
    let (mut checked, mut impostors_accepted) = (0, 0);
    for p in RUN.golden["pairs"].as_array().unwrap() {
        let (a, b) = (p["a"].as_str().unwrap(), p["b"].as_str().unwrap());
        let tier = RUN.outcomes[a].tier.max(RUN.outcomes[b].tier);
        let tol = f(&RUN.golden["meta"]["tolerances"][tier.key()]["e2e.pairs.cosine"]);
        let golden = f(&p["cosine"]);
        let ours = pair_similarity(p);
        let same = p["same"].as_bool().unwrap();
        if !same && ours.confidence() >= 90.0 {
            impostors_accepted += 1;
        }
        if (golden - threshold).abs() > tol {
            checked += 1;
            assert_eq!(
                f64::from(ours.score()) >= threshold,
                golden >= threshold,
                "{a} vs {b}: ours {ours:?}, golden {golden}"
            );
        }
    }
    assert_eq!(impostors_accepted, 0, "an impostor pair reached 90%");
    // Good photos of one person pass: every distinct genuine pair but the two with the low-resolution
    // alex_lacamoire PNG (cosine 0.930 and 0.934, docs/verification.md).
    let genuine: Vec<&Value> = RUN.golden["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["same"] == true && p["in_summary"] == true)
        .collect();
    let passed = genuine
        .iter()
        .filter(|p| pair_similarity(p).confidence() >= 90.0)
        .count();
    assert!(
        passed + 2 >= genuine.len(),
        "{passed} of {} genuine pairs reach 90%",
        genuine.len()
    );
    println!("{checked} of 820 pair decisions checked at cosine {threshold:.4}");
}

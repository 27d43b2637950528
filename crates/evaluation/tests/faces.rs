//! `evaluate` on `shared/faces` with the real models: the figures stay within the bounds
//! docs/accuracy.md states for that set, and the report and its pictures are written.

use std::path::PathBuf;

use evaluation::Settings;
use verification::{EmbeddingModel, EngineConfig, PipelineConfig};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    std::env::var_os("BAF_SHARED_DIR").map_or_else(|| repo().join("../shared"), PathBuf::from)
}

fn engine() -> EngineConfig {
    EngineConfig {
        pipeline: PipelineConfig::in_checkout(&repo()),
        workers: 2,
        ..EngineConfig::default()
    }
}

#[test]
fn the_small_set_stays_within_its_documented_bounds() {
    let settings = Settings {
        quality_percent: 75.0,
        anti_spoofing_percent: 50.0,
        match_percent: 90.0,
        duplicate_percent: 98.0,
        shipped_model: EmbeddingModel::Fusion,
    };
    let run = evaluation::evaluate(
        &shared().join("faces/manifest.json"),
        &engine(),
        settings,
        false,
    )
    .unwrap();
    let r = &run.report;
    assert_eq!(
        (r.images, r.refused_files),
        (66, 3),
        "the three invalid files are refused"
    );
    assert_eq!(
        (
            r.group_photos.photos,
            r.group_photos.refused_as_several_faces
        ),
        (13, 13)
    );

    let enrolment = &r.enrolment["all"]["all"];
    assert_eq!(enrolment.photos, 41);
    assert!(
        enrolment.refused <= 2 && enrolment.no_face + enrolment.several_faces == 0,
        "{enrolment:?}"
    );

    for model in &r.verification {
        for (fold, strata) in &model.folds {
            let all = &strata["all"];
            assert!(
                all.genuine_pairs >= 20 && all.impostor_pairs >= 100,
                "{} {fold}: {all:?}",
                model.model
            );
            assert_eq!(
                all.at_match_threshold.fmr, 0.0,
                "{} {fold}: an impostor pair reached 90%",
                model.model
            );
            if model.model == "fusion" {
                assert!(all.at_match_threshold.fnmr <= 0.05, "{fold}: {all:?}");
                assert!(all.eer.unwrap() <= 0.03, "{fold}: {all:?}");
            }
        }
    }
    // The two Silent-Face attacks rank below the live capture of the same person.
    assert_eq!(r.liveness.presentation["all"].auc, Some(1.0));

    let dir = std::env::temp_dir().join(format!("evaluation-faces-{}", std::process::id()));
    let written = run.write(&dir).unwrap();
    for path in &written {
        assert!(
            std::fs::metadata(path).unwrap().len() > 1000,
            "{}",
            path.display()
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["settings"]["shippedModel"], "fusion");
    assert!(written.iter().any(|p| p.ends_with("det-models.png")));
    std::fs::remove_dir_all(dir).unwrap();
}

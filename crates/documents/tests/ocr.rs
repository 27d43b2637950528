//! The zone reader on the pictures of `shared/documents`: what it reads against the manifest's
//! transcription of each zone. When every check digit passes, the fields they guard (document
//! number, dates of birth and expiry) must be the ones printed: a misread that passed its
//! checks would accept a wrong document as valid. Names have no check digit in any format.

use std::path::{Path, PathBuf};

use documents::ocr::ZoneReader;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reader() -> ZoneReader {
    let dylib = std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || repo().join("vendor/onnxruntime/libonnxruntime.so.1.31.1"),
        PathBuf::from,
    );
    ZoneReader::open(&dylib, &ZoneReader::models_in_checkout(&repo()))
        .expect("the OCR models load (scripts/fetch-ocr-models.sh, scripts/fetch-onnxruntime.sh)")
}

fn manifest(folder: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(folder.join("manifest.json")).expect("the manifest");
    serde_json::from_str::<Value>(&text).expect("JSON")["files"]
        .as_array()
        .expect("files")
        .clone()
}

#[test]
fn zones_are_read_as_the_manifest_transcribes_them() {
    let folder = repo().join("../shared/documents");
    let mut reader = reader();
    let (mut clean, mut clean_exact, mut photos, mut photos_exact) = (0, 0, 0, 0);
    for row in manifest(&folder) {
        let Some(expected) = row["mrz_lines"].as_array() else {
            continue;
        };
        if row["mrz_readable"] == false {
            continue;
        }
        let file = row["file"].as_str().unwrap();
        let picture = image::open(folder.join(file)).expect("a picture").to_rgb8();
        let started = std::time::Instant::now();
        let read = reader.read_zone(&picture).expect("the models run");
        let confidence = read.as_ref().map(|read| {
            let fields = documents::fields::zone_confidence(
                &read.zone,
                &read.certainty,
                &read.check_blind,
                read.corrected,
            );
            let least = fields.values().copied().min();
            let names = fields.get("familyName").copied();
            (least, names)
        });
        let zone = read.map(|read| read.zone);
        let lines = zone.as_ref().map(|z| z.lines.clone()).unwrap_or_default();
        let expected: Vec<&str> = expected.iter().map(|l| l.as_str().unwrap()).collect();
        let exact = lines == expected;
        if let Some(zone) = zone.as_ref().filter(|z| z.all_checks_passed()) {
            let guarded = [
                (&zone.document_number, "document_number"),
                (&zone.date_of_birth, "date_of_birth"),
                (&zone.expiry_date, "expiry_date"),
            ];
            for (read, field) in guarded {
                assert_eq!(
                    read, &row["fields"][field],
                    "{file}: {field} passed its check but is wrong"
                );
            }
        }
        println!(
            "{file:28} {:>5} ms {} confidence {confidence:?}",
            started.elapsed().as_millis(),
            if exact { "exact" } else { "WRONG" }
        );
        if !exact {
            for (read, want) in lines.iter().zip(&expected) {
                if read != want {
                    println!("    read {read}\n    want {want}");
                }
            }
        }
        if row["is_photo"] == true {
            photos += 1;
            photos_exact += usize::from(exact);
        } else {
            clean += 1;
            clean_exact += usize::from(exact);
        }
    }
    println!(
        "zones read exactly: clean {clean_exact} of {clean}, photos {photos_exact} of {photos}"
    );
    // What the reader reaches today, so that a change that reads worse fails; the issue's
    // target is every clean zone and 90% of the photos.
    assert_eq!(clean_exact, clean, "every clean zone is read exactly");
    assert!(
        photos_exact * 100 >= 89 * photos,
        "{photos_exact} of {photos} photos read exactly, fewer than 89%"
    );
}

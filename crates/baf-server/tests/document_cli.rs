//! `baf-server document read` on the real text models: what an operator sees for a licence, a
//! passport with a wrong check digit, and a picture that is no document.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(image: &str) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_baf-server"))
        .current_dir(repo())
        .args(["document", "read", image])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn a_licence_a_passport_and_a_selfie_read_as_what_they_are() {
    let licence = read("../shared/documents/syn_dl_00.png");
    let document = &licence["document"];
    assert_eq!(
        (
            &document["firstName"],
            &document["familyName"],
            &document["dob"]
        ),
        (&"OLIVIA".into(), &"WOJCIK".into(), &"2006-05-22".into()),
        "{licence}"
    );
    assert_eq!(document["idType"], "DriverLicense");
    assert_eq!(document["zip"], "98501-1710");

    // The manifest: the document number's check digit is deliberately wrong.
    let passport = read("../shared/documents/syn_td3_01.jpg");
    assert_eq!(passport["document"]["familyName"], "SATO", "{passport}");
    let failed: Vec<&str> = passport["zone"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["passed"] == false)
        .map(|check| check["field"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["documentNumber", "composite"]);

    let selfie = read("../shared/faces/selfie/obama/fr_obama.jpg");
    assert!(selfie["document"].is_null(), "{selfie}");
}

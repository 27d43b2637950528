//! `baf-server document read` on the real text models: what an operator sees for a licence, a
//! passport with a wrong check digit, and a picture that is no document.

mod common;

fn read(image: &str) -> serde_json::Value {
    common::json_of(&["document", "read", image])
}

fn test_status<'a>(reading: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let tests = reading["validationTests"].as_array().unwrap();
    let test = tests.iter().find(|test| test["name"] == name);
    &test.unwrap_or_else(|| panic!("no {name} in {reading}"))["statusString"]
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
    assert_eq!(
        (&document["idType"], &document["template"]),
        (&"DL".into(), &"08".into())
    );
    assert_eq!(document["zip"], "98501-1710");

    // The manifest: the document number's check digit is deliberately wrong. The photo is read
    // exactly but less surely than BAF's default 70%: no confidence is required here.
    let passport = common::json_of(&[
        "document",
        "read",
        "../shared/documents/syn_td3_01.jpg",
        "--document-validation-percent",
        "0",
    ]);
    assert_eq!(passport["document"]["familyName"], "SATO", "{passport}");
    let failed: Vec<&str> = passport["zone"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|check| check["passed"] == false)
        .map(|check| check["field"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["documentNumber", "composite"]);
    assert_eq!(test_status(&passport, "MrzCheckDigitsValidation"), "Failed");
    assert_eq!(
        test_status(&passport, "DocumentReadingValidation"),
        "Passed"
    );
    let confidence = passport["verificationConfidence"].as_object().unwrap();
    assert!(confidence.contains_key("familyName"), "{passport}");
    assert_eq!(
        passport["totalConfidence"],
        confidence
            .values()
            .map(|v| v.as_u64().unwrap())
            .min()
            .unwrap()
    );

    let selfie = read("../shared/faces/selfie/obama/fr_obama.jpg");
    assert!(selfie["document"].is_null(), "{selfie}");
    assert_eq!(test_status(&selfie, "DocumentReadingValidation"), "Failed");
}

#[test]
fn the_declared_type_and_the_other_side_are_checked() {
    let licence = "../shared/documents/syn_dl_00.png";
    let as_passport = common::json_of(&["document", "read", licence, "--document-type", "2"]);
    assert_eq!(
        test_status(&as_passport, "DocumentTypeValidation"),
        "Failed"
    );
    let both = common::json_of(&["document", "read", licence, licence, "--document-type", "3"]);
    assert_eq!(test_status(&both, "DocumentTypeValidation"), "Passed");
    assert_eq!(
        test_status(&both, "DocumentSidesConsistencyValidation"),
        "Passed"
    );
}

/// `document evaluate` judges each reading against the labels, not against itself: a label that
/// transcribes the zone wrongly turns the same exact reading into a misread, and a wrong reading
/// whose checks hold counts as accepted wrongly.
#[test]
fn a_labelled_set_is_judged_against_its_labels() {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("../../../shared/documents/manifest.json").unwrap(),
    )
    .unwrap();
    let folder = std::fs::canonicalize("../../../shared/documents").unwrap();
    let row = |file: &str| {
        let mut row = manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["file"] == file)
            .unwrap_or_else(|| panic!("{file} is in the manifest"))
            .clone();
        row["file"] = folder.join(file).to_string_lossy().into_owned().into();
        row
    };
    let mut mislabelled = row("syn_td1_00.png");
    mislabelled["mrz_lines"][2] = "ZIMMERMAN<<AMARA<<<<<<<<<<<<<<".into();
    let labels = [
        row("syn_td3_00.png"),
        row("syn_dl_00.png"),
        row("syn_nodoc_01.jpg"),
        mislabelled,
    ];
    let dir = tempfile::tempdir().unwrap();
    let labels_path = dir.path().join("labels.json");
    std::fs::write(&labels_path, serde_json::to_string(&labels).unwrap()).unwrap();
    let out = dir.path().join("report");
    let report = common::json_of(&[
        "document",
        "evaluate",
        "--labels",
        labels_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let all = &report["totals"]["all"];
    assert_eq!(
        (
            &all["pictures"],
            &all["readable"],
            &all["exact"],
            &all["misread"]
        ),
        (&4.into(), &3.into(), &2.into(), &1.into()),
        "{report}"
    );
    assert_eq!(all["wrong_accepted"]["0"], 1, "{report}");
    assert_eq!(report["strata"]["mrz-td1/scan"]["misread"], 1, "{report}");
    assert!(out.join("report.json").is_file());
    assert!(out.join("documents-confidence.png").is_file());
}

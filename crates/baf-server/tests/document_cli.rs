//! `baf-server document read` on the real text models: what an operator sees for a licence, a
//! passport with a wrong check digit, and a picture that is no document.

mod common;

fn read(image: &str) -> serde_json::Value {
    common::json_of(&["document", "read", image])
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

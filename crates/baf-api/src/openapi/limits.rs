//! The limits the server enforces on what a client sends, written into the document from the
//! constants that enforce them, so that a request the document calls valid is one the server
//! reads (what the schema cannot say, such as whether base64 is a picture, stays in the
//! descriptions). The schemathesis test in `tests/tests/api/fuzz.rs` holds the two together.

use baf_domain::listing::{MAX_PAGE, MAX_PAGE_SIZE};
use baf_domain::risks::{RiskLevel, RiskType};
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

use crate::text::{MAX_FIELD_CHARS, MAX_METADATA_BYTES, MAX_METADATA_ENTRIES};

/// Text the server stores: `text::check` refuses NUL (Postgres cannot hold it).
const NO_NUL: &str = r"^[^\u0000]*$";
/// A name that is more than blanks (the blacklist trims names and requires first and family).
const NAME: &str = r"^[^\u0000]*[^\s\u0000][^\u0000]*$";
/// `applicant::is_usable_phone`: only digits, blanks and `+-().`, with 7 to 15 digits.
const USABLE_PHONE: &str = r"^[ +\-().]*(?:[0-9][ +\-().]*){7,15}$";
/// `dd-mm-yyyy`, only days the calendar has (29-02 in leap years, as chrono reads them).
const DAY_MONTH_YEAR: &str = concat!(
    r"^(?:(?:0[1-9]|1[0-9]|2[0-8])-(?:0[1-9]|1[0-2])|(?:29|30)-(?:0[13-9]|1[0-2])",
    r"|31-(?:0[13578]|1[02]))-[0-9]{4}$",
    r"|^29-02-(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)$",
);

/// The sort fields of each list, as `listing::parse` matches them.
fn sort_fields(path: &str) -> Option<&'static [&'static str]> {
    if path.ends_with("/private/Applicants") {
        Some(baf_store::applicants::SORT_FIELDS)
    } else if path.ends_with("/private/Blacklist") {
        Some(baf_domain::blacklist::SORT_FIELDS)
    } else {
        None
    }
}

fn text() -> Value {
    json!({"maxLength": MAX_FIELD_CHARS, "pattern": NO_NUL})
}

fn query_schema(path: &str, name: &str) -> Option<Value> {
    let schema = match name {
        "Page" => json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_PAGE}),
        "PageSize" => {
            json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_PAGE_SIZE})
        }
        "CreatedFrom" | "CreatedTo" => json!({"type": "string", "pattern": DAY_MONTH_YEAR}),
        "Order" => json!({"type": "string", "enum": ["ascending", "descending"]}),
        "SortField" => json!({"type": "string", "enum": sort_fields(path)?}),
        "TextFilter" => merged(json!({"type": "string"}), text()),
        "Level" => json!({"type": "integer", "enum": [
            RiskLevel::Moderate.code(),
            RiskLevel::Significant.code()
        ]}),
        "Type" => {
            json!({"type": "integer", "enum": RiskType::all().map(RiskType::number).collect::<Vec<_>>()})
        }
        _ => return None,
    };
    Some(schema)
}

fn merged(mut schema: Value, more: Value) -> Value {
    if let (Some(schema), Value::Object(more)) = (schema.as_object_mut(), more) {
        schema.extend(more);
    }
    schema
}

/// Adds `more` to the schema at `pointer` in the components.
fn constrain(document: &mut Value, pointer: &str, more: Value) {
    let schema = document
        .pointer_mut(&format!("/components/schemas/{pointer}"))
        .unwrap_or_else(|| panic!("the document has no schema {pointer}"));
    *schema = merged(schema.take(), more);
}

fn text_fields(document: &mut Value, component: &str, fields: &[&str]) {
    for field in fields {
        constrain(document, &format!("{component}/properties/{field}"), text());
    }
}

fn metadata(document: &mut Value, component: &str) {
    let entry = merged(json!({"type": "string"}), text());
    constrain(
        document,
        &format!("{component}/properties/metadata/oneOf/1"),
        json!({
            "maxProperties": MAX_METADATA_ENTRIES,
            "additionalProperties": entry,
            "propertyNames": entry,
            "description": format!(
                "At most {MAX_METADATA_ENTRIES} entries; keys and values together at most \
                 {MAX_METADATA_BYTES} bytes of UTF-8."
            ),
        }),
    );
}

fn request_bodies(document: &mut Value) {
    let applicant_text = [
        "firstName",
        "lastName",
        "phone",
        "email",
        "referenceId",
        "callbackUrl",
    ];
    for component in ["CreateApplicant", "UpdateApplicant"] {
        text_fields(document, component, &applicant_text);
        metadata(document, component);
    }
    constrain(
        document,
        "CreateApplicant",
        json!({
            "if": {"properties": {"sendSms": {"const": true}}, "required": ["sendSms"]},
            "then": {
                "required": ["phone"],
                "properties": {"phone": {"type": "string", "pattern": USABLE_PHONE}},
            },
        }),
    );
    constrain(
        document,
        "CreateApplicant/properties/status",
        json!({"enum": [0, 1, 2, 3, 5, null]}),
    );
    constrain(
        document,
        "CreateApplicant/properties/verificationMethod",
        json!({"enum": [0, 1, null]}),
    );
    constrain(
        document,
        "PersonRequest",
        json!({"required": ["firstName", "familyName", "dob"]}),
    );
    for name in ["firstName", "familyName"] {
        constrain(
            document,
            &format!("PersonRequest/properties/{name}"),
            json!({"type": "string", "maxLength": MAX_FIELD_CHARS, "pattern": NAME}),
        );
    }
    text_fields(document, "PersonRequest", &["middleName"]);
    constrain(
        document,
        "PersonRequest/properties/dob",
        json!({"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}]}),
    );
    constrain(
        document,
        "UpdateMainPhoto",
        json!({"required": ["faceImageBase64"]}),
    );
    constrain(
        document,
        "UpdateMainPhoto/properties/faceImageBase64",
        json!({"type": "string", "minLength": 1}),
    );
    for component in ["FromApplicant", "ValidationRequest"] {
        constrain(document, component, json!({"required": ["applicantId"]}));
        constrain(
            document,
            &format!("{component}/properties/applicantId"),
            json!({"type": "string"}),
        );
    }
    constrain(
        document,
        "ValidationRequest",
        json!({"required": ["applicantId", "model"]}),
    );
    let model = document
        .pointer_mut("/components/schemas/ValidationRequest/properties/model")
        .expect("the validation request has a model");
    *model = json!({"$ref": "#/components/schemas/ValidationModel"});
    let document_types: Vec<Value> = (0..=baf_domain::validation::SELFIE_DOCUMENT_TYPE)
        .map(Value::from)
        .chain([Value::Null])
        .collect();
    constrain(
        document,
        "ValidationModel/properties/documentType",
        json!({"enum": document_types}),
    );
    constrain(
        document,
        "ValidationModel/properties/browserFingerprint",
        json!({"pattern": "^(|[A-Za-z0-9_-]{8,128})$"}),
    );
}

fn query_parameters(document: &mut Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
                let name = parameter["name"].as_str().unwrap_or_default();
                if let Some(schema) = query_schema(path, name) {
                    parameter["schema"] = schema;
                }
            }
        }
    }
}

/// The document with the enforced limits written in. `POST private/Applicants` may come with no
/// body at all: every field is optional, and an absent body is an empty one.
pub(super) fn written_in(document: OpenApi) -> Value {
    let mut document = serde_json::to_value(document).expect("the document is JSON");
    query_parameters(&mut document);
    request_bodies(&mut document);
    document["paths"]["/publicapi/api/v2/private/Applicants"]["post"]["requestBody"]["required"] =
        Value::Bool(false);
    document
}

//! Accuracy of the document reader on a labelled set: `shared/documents/manifest.json`, or the
//! `synthetic_labels.json` that `shared/documents/generator/gen_docs.py` writes for a seed of its
//! own (a held-out set; `scripts/render-heldout-documents.sh`). Each picture is read as the server
//! reads it and judged against its labels: a zone must give exactly the transcribed lines, a
//! licence exactly the barcode's payload. Reported per stratum (the kind of document, and whether
//! it is a scan or a photo), with what `documentValidationPercent` would pass at each value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Error;

/// The values of `documentValidationPercent` the report tabulates.
pub const REQUIRED_CONFIDENCES: [u8; 6] = [0, 50, 60, 70, 80, 90];

/// One labelled picture; fields the evaluation does not read are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct Labels {
    pub file: String,
    /// `mrz-td1`, `mrz-td2`, `mrz-td3`, `pdf417-aamva`, `pdf417-other`, `no-document`, `face-only`.
    pub kind: String,
    #[serde(default)]
    pub mrz_lines: Option<Vec<String>>,
    #[serde(default)]
    pub mrz_readable: Option<bool>,
    #[serde(default)]
    pub all_check_digits_valid: Option<bool>,
    #[serde(default)]
    pub barcode_text: Option<String>,
    #[serde(default)]
    pub barcode_readable: Option<bool>,
    #[serde(default)]
    pub is_photo: Option<bool>,
    #[serde(default)]
    pub capture: Option<Value>,
}

impl Labels {
    /// What a faithful reading gives: the zone's lines, or the licence's payload; `None` when the
    /// picture holds nothing an ID reader should read (or it is covered on purpose).
    fn expected(&self) -> Option<Expected<'_>> {
        if self.kind.starts_with("mrz-") && self.mrz_readable != Some(false) {
            return self.mrz_lines.as_deref().map(Expected::Zone);
        }
        if self.kind == "pdf417-aamva" && self.barcode_readable != Some(false) {
            return self.barcode_text.as_deref().map(Expected::Licence);
        }
        None
    }

    fn is_photo(&self) -> bool {
        self.is_photo.unwrap_or_else(|| {
            self.capture
                .as_ref()
                .and_then(|capture| capture["type"].as_str())
                == Some("photo")
        })
    }

    /// A zone nobody transcribed (two real specimens of `shared/documents`): no reading of it
    /// can be judged.
    fn untranscribed(&self) -> bool {
        self.kind.starts_with("mrz-")
            && self.mrz_readable != Some(false)
            && self.mrz_lines.is_none()
    }

    /// `kind/scan`, `kind/photo`, or `kind/covered` for a zone or barcode hidden on purpose.
    pub fn stratum(&self) -> String {
        let covered = self.mrz_readable == Some(false) || self.barcode_readable == Some(false);
        let capture = match (covered, self.is_photo()) {
            (true, _) => "covered",
            (false, true) => "photo",
            (false, false) => "scan",
        };
        format!("{}/{capture}", self.kind)
    }
}

enum Expected<'a> {
    Zone(&'a [String]),
    Licence(&'a str),
}

/// What the reader made of one picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every field as labelled.
    Exact,
    /// Something was read, but not what is printed (or there was nothing to read).
    Misread,
    /// Nothing was read.
    Unread,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentSample {
    pub file: String,
    pub stratum: String,
    /// Whether the picture holds a document the reader should read.
    pub readable: bool,
    pub outcome: Outcome,
    /// The zone's check digits all held (a licence has none and counts as holding).
    pub checks_held: bool,
    /// The labels say a check digit is wrong on purpose.
    pub bad_check_digit: bool,
    /// The reading's confidence (its least sure field), as `totalConfidence`.
    pub confidence: Option<u8>,
    pub millis: u64,
}

impl DocumentSample {
    /// Whether the reading would pass as a valid document at `required` confidence: read, every
    /// check digit holding, confident enough.
    pub fn accepted_at(&self, required: u8) -> bool {
        self.outcome != Outcome::Unread
            && self.checks_held
            && self.confidence.is_some_and(|c| c >= required)
    }
}

/// One stratum's figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StratumReport {
    pub pictures: usize,
    pub readable: usize,
    pub exact: usize,
    pub misread: usize,
    pub unread: usize,
    /// Exactly read documents with valid check digits accepted, by required confidence.
    pub honest_accepted: BTreeMap<u8, usize>,
    /// Exactly read documents whose check digits are valid.
    pub honest: usize,
    /// Readings that are wrong (misread, a wrong check digit reported as holding, or something
    /// read where nothing should be) accepted as a valid document, by required confidence.
    pub wrong_accepted: BTreeMap<u8, usize>,
    pub median_millis: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentReport {
    pub labels: String,
    pub strata: BTreeMap<String, StratumReport>,
    /// The strata summed into `scan`, `photo` and `covered`, and `all`.
    pub totals: BTreeMap<String, StratumReport>,
    pub samples: Vec<DocumentSample>,
}

/// Reads the labels: a manifest (`{"files": [...]}`) or the generator's bare list.
pub fn read_labels(path: &Path) -> Result<Vec<Labels>, Error> {
    let problem = |problem: String| Error::Manifest {
        path: path.to_owned(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: Value = serde_json::from_str(&text).map_err(|e| problem(e.to_string()))?;
    let rows = match value {
        Value::Object(mut manifest) => manifest.remove("files").unwrap_or_default(),
        list => list,
    };
    serde_json::from_value(rows).map_err(|e| problem(e.to_string()))
}

/// Reads every labelled picture (in the labels' folder) but untranscribed zones with `reader`
/// and judges it.
pub fn evaluate(
    labels_path: &Path,
    reader: &mut documents::Reader,
    today: NaiveDate,
) -> Result<DocumentReport, Error> {
    let folder = labels_path.parent().unwrap_or(Path::new("."));
    let mut samples = Vec::new();
    for labels in read_labels(labels_path)?
        .iter()
        .filter(|labels| !labels.untranscribed())
    {
        samples.push(measure(labels, &folder.join(&labels.file), reader, today)?);
    }
    Ok(report(labels_path, samples))
}

fn measure(
    labels: &Labels,
    path: &PathBuf,
    reader: &mut documents::Reader,
    today: NaiveDate,
) -> Result<DocumentSample, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let started = Instant::now();
    let reading = verification::decode_image(&bytes, &verification::ImageLimits::default())
        .map_err(Error::Engine)
        .and_then(|picture| {
            reader.read(&picture).map_err(|e| Error::Manifest {
                path: path.clone(),
                problem: e.to_string(),
            })
        })?;
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let expected = labels.expected();
    let read_anything = reading.licence.is_some() || reading.zone.is_some();
    let exact = match (&expected, &reading.licence, &reading.zone) {
        (Some(Expected::Licence(payload)), Some(_), _) => {
            reading.barcode.as_deref() == Some(payload)
        }
        (Some(Expected::Zone(lines)), None, Some(zone)) => zone.lines == *lines,
        _ => false,
    };
    let outcome = match (read_anything, exact) {
        (false, _) => Outcome::Unread,
        (true, true) => Outcome::Exact,
        (true, false) => Outcome::Misread,
    };
    Ok(DocumentSample {
        file: labels.file.clone(),
        stratum: labels.stratum(),
        readable: expected.is_some(),
        outcome,
        checks_held: reading
            .zone
            .as_ref()
            .is_none_or(documents::mrz::Mrz::all_checks_passed),
        bad_check_digit: labels.all_check_digits_valid == Some(false),
        confidence: documents::checks::total_confidence(&reading, today),
        millis,
    })
}

fn report(labels: &Path, samples: Vec<DocumentSample>) -> DocumentReport {
    let mut strata: BTreeMap<String, Vec<&DocumentSample>> = BTreeMap::new();
    let mut totals: BTreeMap<String, Vec<&DocumentSample>> = BTreeMap::new();
    for sample in &samples {
        strata
            .entry(sample.stratum.clone())
            .or_default()
            .push(sample);
        let capture = sample.stratum.rsplit('/').next().unwrap_or_default();
        totals.entry(capture.to_owned()).or_default().push(sample);
        totals.entry("all".to_owned()).or_default().push(sample);
    }
    let summed = |groups: BTreeMap<String, Vec<&DocumentSample>>| {
        groups
            .into_iter()
            .map(|(name, group)| (name, summarise(&group)))
            .collect()
    };
    DocumentReport {
        labels: labels.display().to_string(),
        strata: summed(strata),
        totals: summed(totals),
        samples,
    }
}

/// A wrong reading: misread, a deliberately wrong check digit read as holding, or a reading
/// where there was nothing to read.
fn is_wrong(sample: &DocumentSample) -> bool {
    sample.outcome == Outcome::Misread || (sample.bad_check_digit && sample.checks_held)
}

/// An exactly read document whose check digits are valid: what should pass.
fn is_honest(sample: &DocumentSample) -> bool {
    sample.outcome == Outcome::Exact && !sample.bad_check_digit
}

fn summarise(group: &[&DocumentSample]) -> StratumReport {
    let count = |keep: &dyn Fn(&DocumentSample) -> bool| group.iter().filter(|s| keep(s)).count();
    let at = |keep: &dyn Fn(&DocumentSample) -> bool| {
        REQUIRED_CONFIDENCES
            .iter()
            .map(|&required| (required, count(&|s| keep(s) && s.accepted_at(required))))
            .collect()
    };
    let mut millis: Vec<u64> = group.iter().map(|s| s.millis).collect();
    millis.sort_unstable();
    StratumReport {
        pictures: group.len(),
        readable: count(&|s| s.readable),
        exact: count(&|s| s.outcome == Outcome::Exact),
        misread: count(&|s| s.outcome == Outcome::Misread),
        unread: count(&|s| s.readable && s.outcome == Outcome::Unread),
        honest: count(&is_honest),
        honest_accepted: at(&is_honest),
        wrong_accepted: at(&is_wrong),
        median_millis: millis.get(millis.len() / 2).copied().unwrap_or_default(),
    }
}

impl DocumentReport {
    /// The shares of honest documents and of wrong readings accepted at each required confidence
    /// from 0 to 100, for `capture` (`scan`, `photo` or `all`): what `documents-confidence.png`
    /// draws.
    pub fn acceptance_curve(&self, capture: &str) -> Vec<(u8, f64, f64)> {
        let group: Vec<&DocumentSample> = self
            .samples
            .iter()
            .filter(|s| capture == "all" || s.stratum.ends_with(&format!("/{capture}")))
            .collect();
        let share = |keep: fn(&DocumentSample) -> bool, required: u8| {
            let kept = group.iter().filter(|s| keep(s));
            let all = kept.clone().count().max(1);
            kept.filter(|s| s.accepted_at(required)).count() as f64 / all as f64
        };
        (0..=100)
            .map(|required| {
                (
                    required,
                    share(is_honest, required),
                    share(is_wrong, required),
                )
            })
            .collect()
    }

    /// Writes `report.json` and `documents-confidence.png` into `dir`; returns the paths.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        let json = crate::write_report(dir, self)?;
        let picture = dir.join("documents-confidence.png");
        crate::plots::acceptance(&picture, self).map_err(|problem| Error::Plot {
            file: picture.clone(),
            problem,
        })?;
        Ok(vec![json, picture])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(outcome: Outcome, checks_held: bool, bad: bool, confidence: u8) -> DocumentSample {
        DocumentSample {
            file: "f".into(),
            stratum: "mrz-td3/photo".into(),
            readable: true,
            outcome,
            checks_held,
            bad_check_digit: bad,
            confidence: Some(confidence),
            millis: 1,
        }
    }

    #[test]
    fn a_wrong_check_digit_read_as_holding_is_a_wrong_acceptance() {
        let read_right = sample(Outcome::Exact, false, true, 90);
        let read_as_holding = sample(Outcome::Exact, true, true, 90);
        let summary = summarise(&[&read_right, &read_as_holding]);
        assert_eq!(summary.wrong_accepted[&70], 1);
        assert_eq!(summary.honest, 0);
    }

    #[test]
    fn honest_documents_pass_only_when_confident_enough() {
        let sure = sample(Outcome::Exact, true, false, 95);
        let unsure = sample(Outcome::Exact, true, false, 55);
        let summary = summarise(&[&sure, &unsure]);
        assert_eq!(summary.honest_accepted[&50], 2);
        assert_eq!(summary.honest_accepted[&70], 1);
        assert_eq!(summary.wrong_accepted[&0], 0);
    }

    #[test]
    fn labels_name_their_stratum() {
        let labels: Labels = serde_json::from_value(serde_json::json!({
            "file": "a.jpg", "kind": "mrz-td1", "mrz_readable": false,
            "capture": {"type": "photo"}
        }))
        .unwrap();
        assert_eq!(labels.stratum(), "mrz-td1/covered");
        let labels: Labels = serde_json::from_value(serde_json::json!({
            "file": "a.jpg", "kind": "pdf417-aamva", "capture": {"type": "photo"}
        }))
        .unwrap();
        assert_eq!(labels.stratum(), "pdf417-aamva/photo");
    }
}

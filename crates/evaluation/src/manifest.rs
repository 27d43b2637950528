//! The labelled image manifests of `shared/faces` and `shared/faces-dev2`: one row per file, and the
//! identity split into a calibration fold and a test fold.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Error;

/// One file of a manifest (`manifest.json`); fields this crate does not read are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct Row {
    /// Path relative to the manifest's folder.
    pub file: String,
    /// Who is shown; `-` or absent for group and no-face photos.
    #[serde(default)]
    pub identity: Option<String>,
    /// Faces a person counted (or the detector, see the manifest's `faces_source`).
    #[serde(default)]
    pub faces: Option<u32>,
    /// `selfie`, `group`, `noface`, `spoof`, `invalid`, …
    pub kind: String,
    /// `real` or `spoof` for images labelled for presentation-attack detection.
    #[serde(default)]
    pub liveness: Option<String>,
    #[serde(default = "decodable_by_default")]
    pub decodable: bool,
}

fn decodable_by_default() -> bool {
    true
}

impl Row {
    /// The labelled person, if the row names one.
    pub fn person(&self) -> Option<&str> {
        self.identity
            .as_deref()
            .filter(|id| !id.is_empty() && *id != "-")
    }

    /// A photo of exactly one labelled person: what registration and verification pairs use.
    pub fn is_single_person_photo(&self) -> bool {
        self.kind == "selfie" && self.faces == Some(1) && self.person().is_some()
    }

    /// `Some(true)` for a bona fide capture, `Some(false)` for an attack, `None` when unlabelled.
    pub fn bona_fide(&self) -> Option<bool> {
        match self.liveness.as_deref() {
            Some("real") => Some(true),
            Some("spoof") => Some(false),
            _ => None,
        }
    }

    /// Identities are split, never photos: every photo of a person lands in the same fold, so the
    /// test fold holds only people the calibration never saw. Unlabelled rows split by file name.
    pub fn fold(&self) -> Fold {
        let key = self.person().unwrap_or(&self.file);
        // The parity of the sha256, as the exploration scripts split (docs/accuracy.md).
        if Sha256::digest(key.as_bytes())[31] % 2 == 0 {
            Fold::Calibration
        } else {
            Fold::Test
        }
    }
}

/// Which half of the identities a row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fold {
    /// Thresholds, fusion weights and the confidence mapping are fitted here.
    Calibration,
    /// Reported, never fitted on.
    Test,
}

impl Fold {
    pub const BOTH: [Fold; 2] = [Fold::Calibration, Fold::Test];

    pub fn name(self) -> &'static str {
        match self {
            Fold::Calibration => "calibration",
            Fold::Test => "test",
        }
    }
}

/// A manifest and the folder its paths are relative to.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub path: PathBuf,
    pub root: PathBuf,
    pub rows: Vec<Row>,
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Self, Error> {
        let fail = |problem: String| Error::Manifest {
            path: path.to_owned(),
            problem,
        };
        let text = std::fs::read(path).map_err(|e| fail(format!("cannot read it ({e})")))?;
        let rows: Vec<Row> =
            serde_json::from_slice(&text).map_err(|e| fail(format!("not a manifest ({e})")))?;
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned);
        Ok(Self {
            path: path.to_owned(),
            root,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(identity: &str) -> Row {
        Row {
            file: format!("selfie/{identity}/a.jpg"),
            identity: Some(identity.into()),
            faces: Some(1),
            kind: "selfie".into(),
            liveness: None,
            decodable: true,
        }
    }

    #[test]
    fn every_photo_of_a_person_lands_in_one_fold_and_both_folds_are_used() {
        let folds: Vec<Fold> = ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .map(|id| row(id).fold())
            .collect();
        assert!(folds.contains(&Fold::Calibration) && folds.contains(&Fold::Test));
        let mut other = row("a");
        other.file = "selfie/a/other.png".into();
        assert_eq!(other.fold(), row("a").fold());
    }

    #[test]
    fn only_labelled_single_person_selfies_make_pairs() {
        assert!(row("a").is_single_person_photo());
        let group = Row {
            identity: Some("-".into()),
            kind: "group".into(),
            faces: Some(3),
            ..row("a")
        };
        assert!(!group.is_single_person_photo() && group.person().is_none());
        let two = Row {
            faces: Some(2),
            ..row("a")
        };
        assert!(!two.is_single_person_photo());
    }
}

//! `baf-server document …`: the document reader on files, printing JSON, to check an
//! installation (the text models, ONNX Runtime) or see what a document gives, without the API.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum DocumentCommand {
    /// Read a document's pictures: its PDF417 licence barcode or its machine-readable zone,
    /// every check digit, the fields BAF returns as `document`, and the document's checks as
    /// BAF reports them in `documentValidationTests`.
    Read {
        /// The front (or only) side.
        image: PathBuf,
        /// The back side, read too and compared with the front.
        back: Option<PathBuf>,
        /// The type the client declares, as BAF's `documentType`: 1 ID card, 2 passport,
        /// 3 driver licence, 4 residence permit.
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
        document_type: Option<u8>,
        /// The confidence (0 to 100) a reading needs to pass, as an account's
        /// `documentValidationPercent`.
        #[arg(long, default_value_t = 70, value_parser = clap::value_parser!(u8).range(0..=100))]
        document_validation_percent: u8,
    },
    /// Measure the reader on a labelled set (shared/documents/manifest.json, or the
    /// synthetic_labels.json of a set rendered by scripts/render-heldout-documents.sh): exact
    /// readings, wrong documents accepted and what each documentValidationPercent passes, per
    /// kind of document and capture. Prints the figures per stratum as JSON; with --out, also
    /// writes report.json (with every picture's result) and documents-confidence.png there.
    Evaluate {
        /// The labelled set: a manifest.json in the format of shared/documents/manifest.json.
        #[arg(long)]
        labels: PathBuf,
        /// Also write report.json and documents-confidence.png into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct DocumentArgs {
    /// Folder with the text detector and recogniser (scripts/fetch-ocr-models.sh fills vendor/ocr).
    #[arg(long, env = "BAF_OCR_MODELS_DIR", default_value = "vendor/ocr")]
    pub ocr_models_dir: PathBuf,
}

pub fn run(command: DocumentCommand, args: &DocumentArgs) -> anyhow::Result<()> {
    let dylib = std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || PathBuf::from(verification::DEFAULT_ORT_DYLIB),
        PathBuf::from,
    );
    let mut reader =
        documents::Reader::open(&dylib, &args.ocr_models_dir).context("loading the text models")?;
    let today = chrono::Utc::now().date_naive();
    match command {
        DocumentCommand::Read {
            image,
            back,
            document_type,
            document_validation_percent,
        } => read(
            &mut reader,
            image,
            back,
            document_type,
            document_validation_percent,
            today,
        ),
        DocumentCommand::Evaluate { labels, out } => {
            let report = evaluation::document_reading::evaluate(&labels, &mut reader, today)?;
            if let Some(out) = out {
                for path in report.write(&out)? {
                    eprintln!("wrote {}", path.display());
                }
            }
            let summary =
                json!({"labels": report.labels, "totals": report.totals, "strata": report.strata});
            println!("{}", serde_json::to_string_pretty(&summary)?);
            Ok(())
        }
    }
}

fn read(
    reader: &mut documents::Reader,
    image: PathBuf,
    back: Option<PathBuf>,
    document_type: Option<u8>,
    document_validation_percent: u8,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let mut sides = Vec::new();
    for path in std::iter::once(&image).chain(&back) {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let picture = verification::decode_image(&bytes, &verification::ImageLimits::default())
            .with_context(|| format!("decoding {}", path.display()))?;
        sides.push(reader.read(&picture)?);
    }
    let declared = document_type.and_then(documents::DocumentKind::from_code);
    let front = &sides[0];
    let output = json!({
        "image": image,
        "back": back,
        "document": sides.iter().find_map(|side| side.fields(today)),
        "expired": documents::checks::expired(&sides, today),
        "verificationConfidence": front.confidence(today),
        "totalConfidence": documents::checks::total_confidence(front, today),
        "validationTests": documents::validation_tests(
            &sides,
            today,
            declared,
            document_validation_percent,
        ),
        "zone": front.zone,
        "licence": front.licence,
        "barcode": front.barcode,
        "backSide": sides.get(1),
    });
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

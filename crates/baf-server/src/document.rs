//! `baf-server document …`: the document reader on files, printing JSON, to check an
//! installation (the text models, ONNX Runtime) or see what a document gives, without the API.

use std::path::PathBuf;

use anyhow::Context;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum DocumentCommand {
    /// Read one picture of a document: its PDF417 licence barcode or its machine-readable zone,
    /// every check digit, and the fields BAF returns as `document`.
    Read { image: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct DocumentArgs {
    /// Folder with the text detector and recogniser (scripts/fetch-ocr-models.sh fills vendor/ocr).
    #[arg(long, env = "BAF_OCR_MODELS_DIR", default_value = "vendor/ocr")]
    pub ocr_models_dir: PathBuf,
}

pub fn run(command: DocumentCommand, args: &DocumentArgs) -> anyhow::Result<()> {
    let DocumentCommand::Read { image } = command;
    let dylib = std::env::var_os("ORT_DYLIB_PATH").map_or_else(
        || PathBuf::from(verification::DEFAULT_ORT_DYLIB),
        PathBuf::from,
    );
    let mut reader =
        documents::Reader::open(&dylib, &args.ocr_models_dir).context("loading the text models")?;
    let bytes = std::fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
    let picture = verification::decode_image(&bytes, &verification::ImageLimits::default())
        .with_context(|| format!("decoding {}", image.display()))?;
    let reading = reader.read(&picture)?;
    let today = chrono::Utc::now().date_naive();
    let expired = reading.expiry(today).map(|expiry| expiry < today);
    let output = json!({
        "image": image,
        "document": reading.fields(today),
        "expired": expired,
        "zone": reading.zone,
        "licence": reading.licence,
        "barcode": reading.barcode,
    });
    println!("{}", serde_json::to_string_pretty(&output)?);
    Ok(())
}

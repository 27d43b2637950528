//! `baf-server profiles reembed`: after the embedding model changes (`models/manifest.toml`), every
//! face profile made by another model is computed again from the image it was made from, so that its
//! applicant can authorize and be found as a duplicate again. Until then such a profile is never
//! compared with anything.
//!
//! Resumable: each profile is replaced in its own statement, only if it did not change since it
//! was read; a run that stops leaves the rest as they were, and the next run picks them up.
//! Profiles whose image is gone, or shows no single face, stay as they are and are listed.

use std::sync::Arc;

use anyhow::Context;
use baf_blobs::{BlobKey, BlobStore};
use baf_store::Store;
use baf_store::attempts::{self, MediaLocation};
use baf_store::profiles::{self, StaleProfile};
use bytes::Bytes;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use verification::Engine;

#[derive(Debug, clap::Subcommand)]
pub enum ProfilesCommand {
    /// Recompute every profile made by another embedding model than the one in use, from its stored
    /// image. Prints a JSON summary; safe to interrupt and run again.
    Reembed {
        /// Profiles read and analysed together.
        #[arg(long, default_value_t = 64)]
        batch: i64,
    },
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub model: &'static str,
    pub stale_before: i64,
    pub reembedded: u64,
    /// Written again meanwhile (a new registration or photo): already current, left alone.
    pub changed_meanwhile: u64,
    /// Applicants whose image is no longer stored, or no longer shows one face.
    pub not_reembedded: Vec<NotReembedded>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotReembedded {
    pub account_id: uuid::Uuid,
    pub applicant_id: uuid::Uuid,
    pub reason: String,
}

pub async fn reembed(
    store: &Store,
    blobs: Arc<dyn BlobStore>,
    engine: &Engine,
    batch: i64,
    progress: bool,
) -> anyhow::Result<Summary> {
    let model = engine.embedding_model();
    let mut conn = store.connection().await?;
    let stale_before = profiles::count_stale(&mut conn, model.name()).await?;
    let bar = if progress {
        ProgressBar::new(stale_before.max(0) as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} re-embedding {pos}/{len} profiles [{bar:40}] {elapsed_precise}, {eta} left",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let mut summary = Summary {
        model: model.name(),
        stale_before,
        ..Summary::default()
    };
    let mut after = None;
    loop {
        let page = profiles::stale(&mut conn, model.name(), after, batch.max(1)).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.applicant);
        // Images are read and queued first, so the engine's workers analyse the page in parallel.
        let mut jobs = Vec::with_capacity(page.len());
        for profile in &page {
            let job = match image(&mut conn, &blobs, profile).await? {
                Some(bytes) => Ok(engine.analyze(bytes)),
                None => Err("its image is no longer stored".to_owned()),
            };
            jobs.push((profile, job));
        }
        for (profile, job) in jobs {
            let face = match job {
                Ok(analysis) => analysis
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|a| a.into_single().map_err(|e| e.to_string())),
                Err(reason) => Err(reason),
            };
            match face {
                Ok(face) => match profiles::reembed(
                    &mut conn,
                    profile,
                    face.embedding.as_slice(),
                    model.name(),
                )
                .await?
                {
                    Some(_) => summary.reembedded += 1,
                    None => summary.changed_meanwhile += 1,
                },
                Err(reason) => summary.not_reembedded.push(NotReembedded {
                    account_id: profile.account.0,
                    applicant_id: profile.applicant.0,
                    reason,
                }),
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(summary)
}

/// The image the profile was computed from: its own blob, or (profiles written before migration
/// 0009) the selfie of the applicant's successful registration.
async fn image(
    conn: &mut baf_store::PgConnection,
    blobs: &Arc<dyn BlobStore>,
    profile: &StaleProfile,
) -> anyhow::Result<Option<Bytes>> {
    let location = match &profile.image_key {
        Some(key) => Some(MediaLocation::Blob(key.clone())),
        None => attempts::registration_face(conn, profile.account, profile.applicant)
            .await?
            .map(|m| m.location),
    };
    match location {
        None => Ok(None),
        Some(MediaLocation::Row(bytes)) => Ok(Some(Bytes::from(bytes))),
        Some(MediaLocation::Blob(key)) => {
            let key = BlobKey::parse(&key)
                .with_context(|| format!("the stored key {key} of a profile's image"))?;
            Ok(blobs.get(&key).await?)
        }
    }
}

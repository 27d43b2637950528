//! Operator commands for accounts: create one with its keys, change its settings.

use anyhow::Context;
use baf_api::hash_key;
use baf_domain::{AccountId, AccountSettings};
use baf_store::Store;
use baf_store::accounts::{self, KeyKind};
use clap::Subcommand;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its id and keys as JSON (the keys are shown only once).
    Create {
        #[arg(long)]
        name: String,
        /// Registration attempts per applicant, 1..5.
        #[arg(long)]
        max_attempts: Option<u8>,
    },
    /// Change an account's settings and print the result as JSON.
    Settings(SettingsChange),
}

/// Each flag left out keeps the current value.
#[derive(Debug, Default, clap::Args)]
pub struct SettingsChange {
    #[arg(long)]
    pub account: Uuid,
    /// Registration attempts per applicant, 1..5.
    #[arg(long)]
    pub max_attempts: Option<u8>,
    /// Authorization threshold: match confidence in percent (default 90).
    #[arg(long)]
    pub face_match_threshold: Option<u8>,
    /// Whether operators may fetch attempt images.
    #[arg(long)]
    pub image_review: Option<bool>,
    /// How many hours after an attempt its images may be fetched.
    #[arg(long)]
    pub image_review_hours: Option<u32>,
    /// Registration threshold: selfie against document, percent.
    #[arg(long)]
    pub face_validation_percent: Option<u8>,
    /// Duplicate search at registration: match confidence in percent (default 98, an FMR of 8e-6
    /// per comparison; see docs/accuracy.md).
    #[arg(long)]
    pub duplicate_face_percent: Option<u8>,
    #[arg(long)]
    pub document_validation_percent: Option<u8>,
    /// Minimum face quality, percent.
    #[arg(long)]
    pub quality_score: Option<u8>,
    #[arg(long)]
    pub liveness_reflection_score: Option<u8>,
    /// Minimum passive liveness, percent.
    #[arg(long)]
    pub anti_spoofing_percent: Option<u8>,
    #[arg(long)]
    pub verify_face: Option<bool>,
    /// Whether registrations with a document read it (MRZ, PDF417) and hold it to its checks.
    #[arg(long)]
    pub ocr_enabled: Option<bool>,
    /// Whether a duplicate face fails the applicant at once (2 Failed) instead of costing an attempt.
    #[arg(long)]
    pub block_duplicates: Option<bool>,
    /// Requests each of the account's keys may make per minute; beyond it 429 with Retry-After.
    /// 0 removes the limit (the default).
    #[arg(long)]
    pub requests_per_minute: Option<u32>,
}

impl SettingsChange {
    fn apply(&self, settings: &mut AccountSettings) {
        let set = |target: &mut u8, value: Option<u8>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        set(&mut settings.max_attempts, self.max_attempts);
        set(
            &mut settings.face_match_threshold,
            self.face_match_threshold,
        );
        set(
            &mut settings.duplicate_face_percent,
            self.duplicate_face_percent,
        );
        let v = &mut settings.validation;
        set(&mut v.face_validation_percent, self.face_validation_percent);
        set(
            &mut v.document_validation_percent,
            self.document_validation_percent,
        );
        set(&mut v.quality_score, self.quality_score);
        set(
            &mut v.liveness_reflection_score,
            self.liveness_reflection_score,
        );
        set(&mut v.anti_spoofing_percent, self.anti_spoofing_percent);
        if let Some(verify_face) = self.verify_face {
            v.verify_face = verify_face;
        }
        if let Some(ocr_enabled) = self.ocr_enabled {
            v.is_ocr_enabled = ocr_enabled;
        }
        if let Some(block) = self.block_duplicates {
            settings.block_duplicates = block;
        }
        if let Some(allowed) = self.image_review {
            settings.image_review.allowed = allowed;
        }
        if let Some(hours) = self.image_review_hours {
            settings.image_review.hours = hours;
        }
        if let Some(rate) = self.requests_per_minute {
            settings.requests_per_minute = (rate > 0).then_some(rate);
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedAccount {
    pub account_id: AccountId,
    pub secret_key: String,
    pub public_key: String,
}

pub async fn create(
    store: &Store,
    name: &str,
    max_attempts: Option<u8>,
) -> anyhow::Result<CreatedAccount> {
    let mut settings = AccountSettings::default();
    if let Some(max_attempts) = max_attempts {
        settings.max_attempts = max_attempts;
    }
    settings.validate()?;
    let id = AccountId::new_random();
    let mut tx = store.begin().await?;
    accounts::create(&mut tx, id, name, &settings).await?;
    let created = issue_keys(&mut tx, id).await?;
    tx.commit().await.context("saving the account")?;
    Ok(created)
}

/// A new secret/public key pair for an account; only their hashes are stored.
pub async fn issue_keys(
    conn: &mut baf_store::PgConnection,
    account: AccountId,
) -> anyhow::Result<CreatedAccount> {
    let secret_key = format!("sk_{}", Uuid::new_v4());
    let public_key = format!("pk_{}", Uuid::new_v4());
    accounts::add_key(conn, account, &hash_key(&secret_key), KeyKind::Secret).await?;
    accounts::add_key(conn, account, &hash_key(&public_key), KeyKind::Public).await?;
    Ok(CreatedAccount {
        account_id: account,
        secret_key,
        public_key,
    })
}

/// The account named `name`, created with default settings if there is none, with a fresh key
/// pair: what `serve --demo` prints so a first run can be tried at once.
pub async fn demo(store: &Store, name: &str) -> anyhow::Result<CreatedAccount> {
    let mut tx = store.begin().await?;
    let id = match accounts::find_by_name(&mut tx, name).await? {
        Some(id) => id,
        None => {
            let id = AccountId::new_random();
            accounts::create(&mut tx, id, name, &AccountSettings::default()).await?;
            id
        }
    };
    let created = issue_keys(&mut tx, id).await?;
    tx.commit().await.context("saving the demo keys")?;
    Ok(created)
}

pub async fn change_settings(
    store: &Store,
    change: &SettingsChange,
) -> anyhow::Result<AccountSettings> {
    let account = AccountId(change.account);
    let mut tx = store.begin().await?;
    let mut settings = accounts::lock_settings(&mut tx, account).await?;
    change.apply(&mut settings);
    settings.validate()?;
    accounts::save_settings(&mut tx, account, &settings).await?;
    tx.commit().await.context("saving the settings")?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_left_out_keep_their_values() {
        let mut settings = AccountSettings::default();
        let change = SettingsChange {
            max_attempts: Some(5),
            anti_spoofing_percent: Some(80),
            requests_per_minute: Some(600),
            ..Default::default()
        };
        change.apply(&mut settings);
        assert_eq!(settings.requests_per_minute, Some(600));
        assert_eq!(
            (
                settings.max_attempts,
                settings.validation.anti_spoofing_percent
            ),
            (5, 80)
        );
        assert_eq!(
            settings.face_match_threshold,
            AccountSettings::default().face_match_threshold
        );
        SettingsChange {
            requests_per_minute: Some(0),
            ..Default::default()
        }
        .apply(&mut settings);
        assert_eq!(settings.requests_per_minute, None);
    }
}

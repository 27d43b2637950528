//! Operator commands for accounts: create one with its keys, change its settings.

use anyhow::Context;
use baf_api::hash_key;
use baf_domain::{AccountId, AccountSettings};
use baf_store::Store;
use baf_store::accounts::{self, KeyKind};
use clap::Subcommand;

use crate::config::MediaArgs;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its id and keys as JSON (the keys are shown only once).
    Create {
        /// A name of your choosing; each account's must be its own.
        #[arg(long)]
        name: String,
        /// Registration attempts per applicant, 1..5.
        #[arg(long)]
        max_attempts: Option<u8>,
    },
    /// Change an account's settings and print the result as JSON.
    Settings(SettingsChange),
    /// Print every account as a JSON line: id, name, created, its working keys' prefixes and its
    /// number of applicants.
    List,
    /// Rotate or revoke an account's API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Delete an account and everything it holds: applicants, attempts, media files, face
    /// profiles (in every running server), blacklist, risks and keys.
    Delete {
        /// The account (`account list` shows the ids).
        #[arg(long)]
        account: Uuid,
        /// Confirms the deletion; nothing is deleted without it.
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        media: MediaArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Issue a new key pair and print it once; the pairs in use keep working for the grace period.
    Rotate {
        /// The account (`account list` shows the ids).
        #[arg(long)]
        account: Uuid,
        /// Minutes the old keys keep working, so clients can switch (0: they stop at once;
        /// running servers may accept them for up to a minute more, from their key cache).
        #[arg(long, default_value_t = 60)]
        grace_minutes: u32,
    },
    /// Revoke a key at once (within a minute in running servers): by the prefix `account list`
    /// shows (`sk_3938ab7b`), or by the whole key.
    Revoke {
        /// The account (`account list` shows the ids).
        #[arg(long)]
        account: Uuid,
        /// The key's prefix (`sk_3938ab7b`, from `account list`) or the whole key.
        #[arg(long)]
        key: String,
    },
}

/// Each flag left out keeps the current value.
#[derive(Debug, Default, clap::Args)]
pub struct SettingsChange {
    /// The account to change (`account list` shows the ids).
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
    /// Confidence (percent) a document's reading needs to pass (default 70).
    #[arg(long)]
    pub document_validation_percent: Option<u8>,
    /// Minimum face quality, percent.
    #[arg(long)]
    pub quality_score: Option<u8>,
    /// BAF's liveness-reflection threshold, percent; kept and reported (no reflection video is
    /// analysed).
    #[arg(long)]
    pub liveness_reflection_score: Option<u8>,
    /// Minimum passive liveness, percent.
    #[arg(long)]
    pub anti_spoofing_percent: Option<u8>,
    /// BAF's `verifyFace` switch, snapshotted into new applicants' settings and reported.
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
    /// Whether a MassAttack risk (too many requests from one address) fails the attempt
    /// (default false: recorded only).
    #[arg(long)]
    pub mass_attack_active: Option<bool>,
    /// Whether a PeriodicAttack risk (one browser behind several applicants) fails the attempt
    /// (default false: recorded only).
    #[arg(long)]
    pub periodic_attack_active: Option<bool>,
    /// Whether a BlackListed risk fails the attempt (default true).
    #[arg(long)]
    pub blacklisted_active: Option<bool>,
    /// Whether a DuplicateFace risk fails the registration (default true).
    #[arg(long)]
    pub duplicate_face_active: Option<bool>,
    /// Whether an InconsistentMetadata risk (the phone number is another applicant's) fails the
    /// attempt (default false: recorded only).
    #[arg(long)]
    pub inconsistent_metadata_active: Option<bool>,
    /// MassAttack: more than this many validation requests from one address within the risk
    /// period (default 3).
    #[arg(long)]
    pub mass_attack_count: Option<u32>,
    /// The window of MassAttack and PeriodicAttack, in minutes (default 60).
    #[arg(long)]
    pub risk_period_minutes: Option<u32>,
    /// Days after which authorization attempts' images and videos are deleted; 0 keeps them
    /// (the default).
    #[arg(long)]
    pub attempt_media_days: Option<u32>,
    /// Registration attempts' images and videos: `keep` until the applicant is deleted (BAF's
    /// rule, the default), or a number of days.
    #[arg(long, value_parser = parse_registration_media)]
    pub registration_media: Option<MediaKeeping>,
}

/// `--registration-media`: `keep`, or days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKeeping {
    Keep,
    Days(u32),
}

fn parse_registration_media(text: &str) -> Result<MediaKeeping, String> {
    match text.trim() {
        "keep" => Ok(MediaKeeping::Keep),
        days => match days.parse::<u32>() {
            Ok(days) if days > 0 => Ok(MediaKeeping::Days(days)),
            _ => Err(format!(
                "'{text}' is neither `keep` nor a number of days (1 or more)"
            )),
        },
    }
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
        let risks = &mut settings.risks;
        for (target, value) in [
            (&mut risks.mass_attack_active, self.mass_attack_active),
            (
                &mut risks.periodic_attack_active,
                self.periodic_attack_active,
            ),
            (&mut risks.black_listed_active, self.blacklisted_active),
            (&mut risks.duplicate_face_active, self.duplicate_face_active),
            (
                &mut risks.inconsistent_metadata_active,
                self.inconsistent_metadata_active,
            ),
        ] {
            if let Some(value) = value {
                *target = value;
            }
        }
        if let Some(count) = self.mass_attack_count {
            risks.mass_attack_count = count;
        }
        if let Some(minutes) = self.risk_period_minutes {
            risks.period_minutes = minutes;
        }
        if let Some(days) = self.attempt_media_days {
            settings.retention.attempt_media_days = (days > 0).then_some(days);
        }
        if let Some(keeping) = self.registration_media {
            settings.retention.registration_media_days = match keeping {
                MediaKeeping::Keep => None,
                MediaKeeping::Days(days) => Some(days),
            };
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
    accounts::lock_name(&mut tx, name).await?;
    if let Some(existing) = accounts::find_by_name(&mut tx, name).await? {
        anyhow::bail!("an account named '{name}' exists already ({existing}); choose another name");
    }
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
    for (key, kind) in [
        (&secret_key, KeyKind::Secret),
        (&public_key, KeyKind::Public),
    ] {
        accounts::add_key(conn, account, (&hash_key(key), key_prefix(key)), kind).await?;
    }
    Ok(CreatedAccount {
        account_id: account,
        secret_key,
        public_key,
    })
}

/// How an operator names a key: its kind and the first 8 characters of its uuid
/// (`sk_3938ab7b`); 32 bits, so an account's few keys do not collide, and useless to a guesser.
pub fn key_prefix(key: &str) -> &str {
    key.get(..11).unwrap_or(key)
}

/// The account named `name` for `serve --demo`: created with a key pair if there is none, which
/// is returned to be printed. An existing one keeps its keys (`None`) unless `rotate`, which
/// replaces them at once with a new pair.
pub async fn demo(
    store: &Store,
    name: &str,
    rotate: bool,
) -> anyhow::Result<Option<CreatedAccount>> {
    let mut tx = store.begin().await?;
    accounts::lock_name(&mut tx, name).await?;
    let id = match accounts::find_by_name(&mut tx, name).await? {
        Some(id) if rotate => {
            accounts::expire_keys(&mut tx, id, chrono::Utc::now()).await?;
            id
        }
        Some(_) => return Ok(None),
        None => {
            let id = AccountId::new_random();
            accounts::create(&mut tx, id, name, &AccountSettings::default()).await?;
            id
        }
    };
    let created = issue_keys(&mut tx, id).await?;
    tx.commit().await.context("saving the demo keys")?;
    Ok(Some(created))
}

pub async fn list(store: &Store) -> anyhow::Result<Vec<accounts::AccountSummary>> {
    let mut conn = store.connection().await?;
    Ok(accounts::list(&mut conn).await?)
}

/// A new pair for the account; its working keys stop after `grace_minutes`.
pub async fn rotate_keys(
    store: &Store,
    account: AccountId,
    grace_minutes: u32,
) -> anyhow::Result<CreatedAccount> {
    let mut tx = store.begin().await?;
    accounts::lock_settings(&mut tx, account).await?;
    let until = chrono::Utc::now() + chrono::Duration::minutes(i64::from(grace_minutes));
    accounts::expire_keys(&mut tx, account, until).await?;
    let created = issue_keys(&mut tx, account).await?;
    tx.commit().await.context("saving the new keys")?;
    Ok(created)
}

/// Revokes the key named by `key` (a prefix or the whole key); refuses one that names no key.
pub async fn revoke_key(store: &Store, account: AccountId, key: &str) -> anyhow::Result<u64> {
    let mut tx = store.begin().await?;
    let revoked =
        accounts::revoke_keys(&mut tx, account, key.trim(), &hash_key(key.trim())).await?;
    if revoked == 0 {
        anyhow::bail!("account {account} has no key '{key}' (see `baf-server account list`)");
    }
    tx.commit().await.context("revoking the key")?;
    Ok(revoked)
}

/// What deleting an account removed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedAccount {
    pub account_id: AccountId,
    pub applicants: usize,
    /// Applicants whose media files could not be deleted (the error is logged).
    pub media_left: usize,
}

/// Deletes the account in one transaction; running servers drop its face profiles when it
/// commits (the profile notifications), then its media files go.
pub async fn delete(
    store: &Store,
    blobs: &dyn baf_blobs::BlobStore,
    account: AccountId,
) -> anyhow::Result<DeletedAccount> {
    let mut tx = store.begin().await?;
    let applicants = accounts::lock_for_delete(&mut tx, account).await?;
    for applicant in &applicants {
        baf_store::profiles::notify_deleted(&mut tx, account, *applicant).await?;
    }
    accounts::delete(&mut tx, account).await?;
    tx.commit().await.context("deleting the account")?;
    let mut media_left = 0;
    for applicant in &applicants {
        if let Err(error) = blobs.delete_applicant(account.0, applicant.0).await {
            tracing::error!(%applicant, error = format!("{:#}", anyhow::Error::from(error)), "the deleted account's files were not deleted");
            media_left += 1;
        }
    }
    Ok(DeletedAccount {
        account_id: account,
        applicants: applicants.len(),
        media_left,
    })
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

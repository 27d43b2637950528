//! An applicant's lifecycle beyond plain reads and edits: creation with its link sent, deletion
//! with its files and profile, force-close, reopening and resending the link. Status changes are
//! written to the webhook outbox in the transaction that makes them.

use baf_domain::applicant::{self, Applicant, ApplicantUpdate, NewApplicant};
use baf_domain::{AccountId, AccountSettings, ApplicantId, validation};
use baf_store::{Store, accounts, applicants, profiles};

use crate::{App, Error, Links, media, webhooks};

impl App {
    /// Creates the applicant and, when it asks for SMS, sends its link before committing: an
    /// applicant whose SMS failed is refused and not kept.
    pub async fn create_applicant(
        &self,
        account: AccountId,
        new: &NewApplicant,
    ) -> Result<(Applicant, Links), Error> {
        let id = ApplicantId::new_random();
        let mut tx = self.store.begin().await?;
        let applicant =
            applicants::insert(&mut tx, account, id, &Links::new_short_code(), new).await?;
        let links = self.links(&applicant);
        if applicant.send_sms {
            self.config
                .notifier
                .send_link(&applicant, &links.short)
                .await?;
        }
        Store::commit(tx).await?;
        Ok((applicant, links))
    }

    /// Applies a partial update under the applicant's row lock.
    pub async fn update_applicant(
        &self,
        account: AccountId,
        id: ApplicantId,
        update: ApplicantUpdate,
    ) -> Result<(), Error> {
        let mut tx = self.store.begin().await?;
        let mut applicant = applicants::lock(&mut tx, account, id).await?;
        update.apply(&mut applicant)?;
        applicants::save_details(&mut tx, &applicant).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// The applicant behind an opened link. An opening counts in `openedLinkTimes` once per
    /// capability: `reopened_by` is the account of the capability the page already holds (a
    /// reload), which reads without counting. A closed link (no selfie could be validated) does
    /// not count either.
    pub async fn open_link(
        &self,
        id: ApplicantId,
        reopened_by: Option<AccountId>,
    ) -> Result<Option<OpenedLink>, Error> {
        let mut tx = self.store.begin().await?;
        let found = match reopened_by {
            Some(account) => applicants::get(&mut tx, account, id).await,
            None => applicants::open_link(&mut tx, id).await,
        };
        let applicant = match found {
            Ok(applicant) => applicant,
            Err(baf_store::Error::ApplicantNotFound(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        let (settings, registered) =
            accounts::settings_and_profile(&mut tx, applicant.account_id, id).await?;
        let accepts_selfie = validation::page_accepts_selfie(&applicant, registered, &settings);
        if accepts_selfie {
            Store::commit(tx).await?;
        }
        Ok(Some(OpenedLink {
            applicant,
            settings,
            registered,
            accepts_selfie,
        }))
    }

    /// Deletes the applicant with its attempts, files and face profile, here and in every other
    /// process's gallery.
    pub async fn delete_applicant(&self, account: AccountId, id: ApplicantId) -> Result<(), Error> {
        let mut tx = self.store.begin().await?;
        // attempts, their media rows and the profile go with the row (on delete cascade)
        applicants::delete(&mut tx, account, id).await?;
        profiles::notify_deleted(&mut tx, account, id).await?;
        Store::commit(tx).await?;
        self.profiles.removed(account, id);
        media::delete_applicant(&self.blobs, account, id).await;
        Ok(())
    }

    /// Force-close: an open applicant becomes Canceled; a completed one keeps its final status.
    /// Answers the applicant as it was.
    pub async fn complete_applicant(
        &self,
        account: AccountId,
        id: ApplicantId,
    ) -> Result<Applicant, Error> {
        let mut tx = self.store.begin().await?;
        let applicant = applicants::lock(&mut tx, account, id).await?;
        let status = applicant::force_close(applicant.status);
        applicants::save_status(&mut tx, account, id, status, applicant.attempts_used).await?;
        webhooks::status_changed(&mut tx, self.status_webhook(), &applicant, status, None).await?;
        Store::commit(tx).await?;
        Ok(applicant)
    }

    /// Back to Pending; from Failed the used attempts are reset.
    pub async fn reopen_applicant(&self, account: AccountId, id: ApplicantId) -> Result<(), Error> {
        let mut tx = self.store.begin().await?;
        let applicant = applicants::lock(&mut tx, account, id).await?;
        let (status, attempts_used) = applicant::reopen(applicant.status, applicant.attempts_used)?;
        applicants::save_status(&mut tx, account, id, status, attempts_used).await?;
        webhooks::status_changed(&mut tx, self.status_webhook(), &applicant, status, None).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Sends the verification link to the applicant's phone again.
    pub async fn renotify_applicant(
        &self,
        account: AccountId,
        id: ApplicantId,
    ) -> Result<(), Error> {
        let applicant = {
            let mut conn = self.store.connection().await?;
            applicants::get(&mut conn, account, id).await?
        };
        applicant::check_renotify(applicant.send_sms, applicant.phone.as_deref())?;
        let links = self.links(&applicant);
        self.config
            .notifier
            .send_link(&applicant, &links.short)
            .await?;
        Ok(())
    }
}

/// What the hosted page shows of the applicant whose link was opened.
pub struct OpenedLink {
    pub applicant: Applicant,
    pub settings: AccountSettings,
    /// Whether the applicant has a face profile.
    pub registered: bool,
    /// Whether the page may take a selfie; a closed link gets no capability.
    pub accepts_selfie: bool,
}

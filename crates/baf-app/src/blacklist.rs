//! `Blacklist/FromApplicantId`: an applicant's names and, when it registered, its face become a
//! blacklist entry.

use baf_domain::blacklist::PersonData;
use baf_domain::{AccountId, ApplicantId, PersonId};
use baf_store::{Store, applicants, blacklist};

use crate::{App, Error};

impl App {
    pub async fn blacklist_applicant(
        &self,
        account: AccountId,
        applicant: ApplicantId,
    ) -> Result<PersonId, Error> {
        let mut tx = self.store.begin().await?;
        let found = applicants::get(&mut tx, account, applicant).await?;
        let face = blacklist::applicant_face(&mut tx, account, applicant).await?;
        let data = PersonData::from_applicant(&found, face.is_some())?;
        let id = PersonId::new_random();
        blacklist::insert(&mut tx, account, id, &data, Some(applicant), face.as_ref()).await?;
        Store::commit(tx).await?;
        Ok(id)
    }
}

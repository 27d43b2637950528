//! `UpdateMainPhoto`: the registered face is replaced after the same checks as a registration
//! (one face, quality, liveness, no other applicant's face).

use baf_domain::validation::{self, Evidence, Thresholds};
use baf_domain::{AccountId, ApplicantId};
use baf_store::attempts::MediaKind;
use baf_store::profiles::NewProfile;
use baf_store::{Store, applicants, profiles};
use bytes::Bytes;
use verification::MainFace;

use crate::validate::face_scores;
use crate::{App, Error, Image, media};

impl App {
    pub async fn update_main_photo(
        &self,
        account: AccountId,
        id: ApplicantId,
        image: Bytes,
    ) -> Result<(), Error> {
        {
            let mut conn = self.store.connection().await?;
            let context = applicants::for_validation(&mut conn, account, id).await?;
            validation::admit_profile_update(context.has_profile)?;
        }
        let face = self
            .engine
            .analyze(image.clone())
            .await
            .map_err(Error::image(Image::MainPhoto))?
            .into_single()?;
        // The photo is kept, so that a later change of embedding model can compute the profile again.
        let stored = media::store(&self.blobs, account, id, vec![(MediaKind::Face, image)]).await?;
        match self
            .replace_profile(account, id, &face, &stored.rows[0].blob_key)
            .await
        {
            Ok(()) => Ok(()),
            Err(error) => {
                media::discard(&self.blobs, stored).await;
                Err(error)
            }
        }
    }

    async fn replace_profile(
        &self,
        account: AccountId,
        id: ApplicantId,
        face: &MainFace,
        image_key: &str,
    ) -> Result<(), Error> {
        let mut tx = self.store.begin().await?;
        let applicants::ValidationContext {
            applicant,
            settings,
            has_profile,
            ..
        } = applicants::lock_for_validation(&mut tx, account, id).await?;
        let flow = validation::admit_profile_update(has_profile)?;
        let thresholds = Thresholds::for_flow(flow, &applicant, &settings);
        let duplicates = self
            .profiles
            .other_profiles_matching(
                &mut tx,
                account,
                id,
                &face.embedding,
                thresholds.duplicate_percent,
            )
            .await?;
        let evidence = Evidence {
            scores: face_scores(face, None),
            duplicates,
            found_own_profile: false,
            blacklisted: false,
            request_risks: Vec::new(),
            document: None,
        };
        let outcome =
            validation::decide(flow, &applicant, &settings, &evidence, chrono::Utc::now());
        if !outcome.save_profile || !evidence.duplicates.is_empty() {
            let mut reasons = outcome.record.face_fail_reasons.clone();
            if !evidence.duplicates.is_empty() {
                reasons.push("The face matches another applicant's profile".to_owned());
            }
            return Err(Error::PhotoRefused(reasons.join("; ")));
        }
        let profile = NewProfile {
            embedding: face.embedding.as_slice(),
            model: face.embedding.model().name(),
            image_key: Some(image_key),
        };
        let seq = profiles::upsert(&mut tx, account, id, profile).await?;
        Store::commit(tx).await?;
        self.profiles.saved(account, id, &face.embedding, seq);
        Ok(())
    }
}

//! The in-memory face index of this process, kept consistent with Postgres.
//!
//! Protocol: at start every profile is loaded and each account's highest `seq` remembered. After a
//! profile write commits here, the gallery is updated at once. Writes by other processes arrive on
//! the `face_profiles` channel: a written profile's account and `seq` mean "fetch the account's
//! profiles after my `seq`" (unless this process wrote it), an `account:applicant` pair means
//! "drop this profile". A registration additionally catches up
//! inside its account lock before it searches, so it never misses a profile committed elsewhere;
//! and every search hit is confirmed in the database, so a deleted profile never matches, even
//! before its notification arrives. Only profiles made by the engine's embedding model are indexed:
//! those of another model are not comparable and wait for `baf-server profiles reembed`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baf_domain::validation::MAX_SEARCH_RESULTS;
use baf_domain::{AccountId, ApplicantId};
use baf_store::profiles::{self, Heard, Listener, Notice, StoredProfile};
use baf_store::{PgConnection, Store};
use verification::{Embedding, EmbeddingModel, Gallery, Match, Similarity};

pub struct ProfileIndex {
    gallery: Gallery,
    /// Per account, the highest profile `seq` this process has applied.
    seen: Mutex<HashMap<AccountId, i64>>,
}

impl ProfileIndex {
    /// An empty index of `model` embeddings.
    pub fn new(model: EmbeddingModel) -> Self {
        Self {
            gallery: Gallery::new(model),
            seen: Mutex::default(),
        }
    }

    pub fn model(&self) -> EmbeddingModel {
        self.gallery.model()
    }

    /// Profiles held, every account together.
    pub fn total(&self) -> usize {
        self.gallery.total()
    }

    /// Every stored profile of `model`; called once at start. Profiles of other models are counted
    /// and logged: until they are re-embedded, their applicants cannot authorize.
    pub async fn load(store: &Store, model: EmbeddingModel) -> Result<Self, baf_store::Error> {
        let index = Self::new(model);
        let mut conn = store.connection().await?;
        let all = profiles::all(&mut conn).await?;
        let stale = all.iter().filter(|p| p.model != model.name()).count();
        if stale > 0 {
            tracing::warn!(
                stale,
                model = model.name(),
                "face profiles made by another embedding model are not searched; run `baf-server profiles reembed`"
            );
        }
        let mut by_account: HashMap<AccountId, Vec<StoredProfile>> = HashMap::new();
        for profile in all {
            by_account.entry(profile.account).or_default().push(profile);
        }
        for (account, stored) in by_account {
            let count = stored.len();
            index.apply(account, stored);
            tracing::info!(%account, profiles = count, "face profiles loaded");
        }
        Ok(index)
    }

    fn apply(&self, account: AccountId, stored: Vec<StoredProfile>) {
        for profile in stored {
            let current = EmbeddingModel::parse(&profile.model)
                .filter(|&m| m == self.model())
                .and_then(|m| Embedding::from_raw(m, &profile.embedding));
            match current {
                Some(embedding) => {
                    self.gallery
                        .upsert(account.0, profile.applicant.0, &embedding);
                }
                // A profile rewritten by another model's server must not keep matching as before.
                None => {
                    self.gallery.remove(account.0, profile.applicant.0);
                }
            }
            self.advance(account, profile.seq);
        }
    }

    fn advance(&self, account: AccountId, seq: i64) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let watermark = seen.entry(account).or_insert(0);
        *watermark = (*watermark).max(seq);
    }

    fn watermark(&self, account: AccountId) -> i64 {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&account)
            .copied()
            .unwrap_or(0)
    }

    /// Applies the account's profiles written since this process last looked.
    pub async fn catch_up(
        &self,
        conn: &mut PgConnection,
        account: AccountId,
    ) -> Result<(), baf_store::Error> {
        let newer = profiles::since(conn, account, self.watermark(account)).await?;
        self.apply(account, newer);
        Ok(())
    }

    /// After a profile write committed in this process.
    pub fn saved(
        &self,
        account: AccountId,
        applicant: ApplicantId,
        embedding: &Embedding,
        seq: i64,
    ) {
        self.gallery.upsert(account.0, applicant.0, embedding);
        self.advance(account, seq);
    }

    pub fn removed(&self, account: AccountId, applicant: ApplicantId) {
        self.gallery.remove(account.0, applicant.0);
    }

    /// Profiles at or above `min_confidence` percent, most similar first, each confirmed in the
    /// database.
    pub async fn search(
        &self,
        conn: &mut PgConnection,
        account: AccountId,
        probe: &Embedding,
        min_confidence: u8,
        limit: usize,
    ) -> Result<Vec<(ApplicantId, f64)>, baf_store::Error> {
        let min = Similarity::from_confidence(self.model(), f64::from(min_confidence));
        let hits: Vec<Match> = verification::timed("search", || {
            self.gallery.search(account.0, probe, min, limit)
        });
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<ApplicantId> = hits.iter().map(|m| ApplicantId(m.profile)).collect();
        let present = profiles::still_present(conn, account, &ids).await?;
        let stale: Vec<_> = ids.iter().filter(|id| !present.contains(id)).collect();
        for id in stale {
            self.removed(account, *id);
        }
        Ok(hits
            .into_iter()
            .filter(|m| present.contains(&ApplicantId(m.profile)))
            .map(|m| (ApplicantId(m.profile), m.similarity.confidence()))
            .collect())
    }

    /// Other applicants' profiles matching `face`, for a registration or a profile update: takes
    /// the account's profile lock (held until the transaction ends), catches up with every profile
    /// committed before it, then searches. This is what closes the duplicate window.
    pub async fn other_profiles_matching(
        &self,
        tx: &mut PgConnection,
        account: AccountId,
        applicant: ApplicantId,
        face: &Embedding,
        min_confidence: u8,
    ) -> Result<Vec<(ApplicantId, f64)>, baf_store::Error> {
        profiles::lock_account(tx, account).await?;
        self.catch_up(tx, account).await?;
        let hits = self
            .search(tx, account, face, min_confidence, MAX_SEARCH_RESULTS)
            .await?;
        Ok(hits
            .into_iter()
            .filter(|(id, _)| *id != applicant)
            .collect())
    }

    /// Follows the other processes' profile writes until the process ends. After a lost
    /// connection every known account is caught up, since notifications may have been missed.
    pub fn follow(self: Arc<Self>, store: Store) {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.listen(&store).await {
                    tracing::warn!(%error, "profile notifications interrupted; reconnecting");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    async fn listen(&self, store: &Store) -> Result<(), baf_store::Error> {
        let mut listener = Listener::connect(store).await?;
        self.catch_up_all(store).await?;
        loop {
            match listener.next().await? {
                // Profile writes of one account commit in `seq` order (they hold the account's lock),
                // so a `seq` at or below the watermark is in the gallery already: this process's own.
                Heard::Notice(Notice::Written { account, seq }) => {
                    if seq.is_none_or(|seq| seq > self.watermark(account)) {
                        let mut conn = store.connection().await?;
                        self.catch_up(&mut conn, account).await?;
                    }
                }
                Heard::Notice(Notice::Deleted { account, applicant }) => {
                    self.removed(account, applicant);
                }
                Heard::Malformed(payload) => {
                    tracing::warn!(payload, "ignoring a malformed profile notification");
                }
                Heard::Reconnected => self.catch_up_all(store).await?,
            }
        }
    }

    async fn catch_up_all(&self, store: &Store) -> Result<(), baf_store::Error> {
        let accounts: Vec<AccountId> = self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect();
        let mut conn = store.connection().await?;
        for account in accounts {
            self.catch_up(&mut conn, account).await?;
        }
        Ok(())
    }
}

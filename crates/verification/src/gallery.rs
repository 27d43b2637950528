//! Per-account 1:N search: exact inner product over unit embeddings stored contiguously.
//!
//! Exact, not approximate, because duplicate detection is a fraud control and must not miss. Each
//! account has its own index behind its own `RwLock`, so searches of one account run in parallel and a
//! write blocks only that account. Postgres stays the source of truth; `load` fills an account at start.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, RwLock};

use uuid::Uuid;

use crate::similarity::{EMBEDDING_DIM, dot};
use crate::{Embedding, Similarity};

/// BAF's default number of candidates for a duplicate search.
pub const DEFAULT_TOP_K: usize = 50;

/// One search hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub profile: Uuid,
    pub similarity: Similarity,
}

/// Every account's index. Cheap to share behind an `Arc`.
#[derive(Default)]
pub struct Gallery {
    accounts: RwLock<HashMap<Uuid, Arc<RwLock<Index>>>>,
}

impl Gallery {
    pub fn new() -> Self {
        Self::default()
    }

    fn index(&self, account: Uuid) -> Option<Arc<RwLock<Index>>> {
        self.accounts.read().unwrap_or_else(|e| e.into_inner()).get(&account).cloned()
    }

    fn index_or_create(&self, account: Uuid) -> Arc<RwLock<Index>> {
        if let Some(index) = self.index(account) {
            return index;
        }
        self.accounts.write().unwrap_or_else(|e| e.into_inner()).entry(account).or_default().clone()
    }

    /// Adds a profile, or replaces its embedding when the profile is already there.
    pub fn upsert(&self, account: Uuid, profile: Uuid, embedding: &Embedding) {
        self.index_or_create(account).write().unwrap_or_else(|e| e.into_inner()).upsert(profile, embedding);
    }

    /// Removes a profile; false when it was not there.
    pub fn remove(&self, account: Uuid, profile: Uuid) -> bool {
        self.index(account).is_some_and(|index| index.write().unwrap_or_else(|e| e.into_inner()).remove(profile))
    }

    /// Replaces an account's whole index with `profiles` (a later duplicate key wins), as read from the
    /// database at start. Built aside and swapped in, so searches never see a half-loaded account.
    pub fn load(&self, account: Uuid, profiles: impl IntoIterator<Item = (Uuid, Embedding)>) {
        let profiles = profiles.into_iter();
        let mut index = Index::with_capacity(profiles.size_hint().0);
        for (profile, embedding) in profiles {
            index.upsert(profile, &embedding);
        }
        index.shrink();
        self.accounts.write().unwrap_or_else(|e| e.into_inner()).insert(account, Arc::new(RwLock::new(index)));
    }

    /// Up to `k` profiles of `account` with similarity ≥ `min`, most similar first (ties by profile id).
    pub fn search(&self, account: Uuid, probe: &Embedding, min: Similarity, k: usize) -> Vec<Match> {
        match self.index(account) {
            Some(index) => index.read().unwrap_or_else(|e| e.into_inner()).search(probe, min, k),
            None => Vec::new(),
        }
    }

    /// Number of profiles of an account.
    pub fn len(&self, account: Uuid) -> usize {
        self.index(account).map_or(0, |index| index.read().unwrap_or_else(|e| e.into_inner()).keys.len())
    }

    /// Heap bytes held for an account: vectors, ids and the id → slot map.
    pub fn memory_bytes(&self, account: Uuid) -> usize {
        self.index(account).map_or(0, |index| index.read().unwrap_or_else(|e| e.into_inner()).memory_bytes())
    }
}

/// One account: row i of `vectors` is the embedding of `keys[i]`.
#[derive(Default)]
struct Index {
    keys: Vec<Uuid>,
    vectors: Vec<f32>,
    slots: HashMap<Uuid, u32>,
}

impl Index {
    fn with_capacity(n: usize) -> Self {
        Self { keys: Vec::with_capacity(n), vectors: Vec::with_capacity(n * EMBEDDING_DIM), slots: HashMap::with_capacity(n) }
    }

    fn upsert(&mut self, key: Uuid, embedding: &Embedding) {
        if let Some(&slot) = self.slots.get(&key) {
            let row = slot as usize * EMBEDDING_DIM;
            self.vectors[row..row + EMBEDDING_DIM].copy_from_slice(embedding.as_slice());
            return;
        }
        if self.vectors.len() == self.vectors.capacity() {
            // Grow by an eighth rather than doubling: the vectors are nearly all of the memory.
            let rows = (self.keys.len() / 8).max(64);
            self.vectors.reserve_exact(rows * EMBEDDING_DIM);
        }
        self.slots.insert(key, self.keys.len() as u32);
        self.keys.push(key);
        self.vectors.extend_from_slice(embedding.as_slice());
    }

    fn remove(&mut self, key: Uuid) -> bool {
        let Some(slot) = self.slots.remove(&key) else { return false };
        let (slot, last) = (slot as usize, self.keys.len() - 1);
        // Move the last row into the hole so the rows stay contiguous.
        if slot != last {
            self.vectors.copy_within(last * EMBEDDING_DIM..(last + 1) * EMBEDDING_DIM, slot * EMBEDDING_DIM);
            self.keys[slot] = self.keys[last];
            self.slots.insert(self.keys[slot], slot as u32);
        }
        self.keys.pop();
        self.vectors.truncate(last * EMBEDDING_DIM);
        true
    }

    fn shrink(&mut self) {
        self.keys.shrink_to_fit();
        self.vectors.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    fn memory_bytes(&self) -> usize {
        // hashbrown: one control byte per bucket plus the entry; capacity() is ~7/8 of the buckets.
        let buckets = (self.slots.capacity() * 8).div_ceil(7);
        self.vectors.capacity() * 4 + self.keys.capacity() * 16 + buckets * (1 + size_of::<(Uuid, u32)>())
    }

    fn search(&self, probe: &Embedding, min: Similarity, k: usize) -> Vec<Match> {
        if k == 0 {
            return Vec::new();
        }
        let hits = scan(&self.vectors, probe.as_slice(), min.0, k);
        hits.into_iter().map(|(score, row)| Match { profile: self.keys[row], similarity: Similarity(score) }).collect()
    }
}

/// Rows with dot ≥ `min`, best `k`, descending (ties by row). Dispatches to an AVX2+FMA build of the same
/// loop where the CPU has it, since the default x86-64 target stops at SSE2.
fn scan(vectors: &[f32], probe: &[f32], min: f32, k: usize) -> Vec<(f32, usize)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function was compiled for.
        return unsafe { scan_avx2(vectors, probe, min, k) };
    }
    scan_generic(vectors, probe, min, k)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn scan_avx2(vectors: &[f32], probe: &[f32], min: f32, k: usize) -> Vec<(f32, usize)> {
    scan_generic(vectors, probe, min, k)
}

#[inline(always)]
fn scan_generic(vectors: &[f32], probe: &[f32], min: f32, k: usize) -> Vec<(f32, usize)> {
    // Min-heap of the best k so far; its top is the bar a new row must clear.
    let mut best: BinaryHeap<Reverse<(Score, Reverse<usize>)>> = BinaryHeap::with_capacity(k + 1);
    let mut bar = min;
    for (row, v) in vectors.chunks_exact(EMBEDDING_DIM).enumerate() {
        let s = dot(v, probe);
        if s < bar {
            continue;
        }
        best.push(Reverse((Score(s), Reverse(row))));
        if best.len() > k {
            best.pop();
        }
        if best.len() == k {
            bar = bar.max(best.peek().map_or(min, |Reverse((Score(s), _))| *s));
        }
    }
    let mut hits: Vec<(f32, usize)> = best.into_iter().map(|Reverse((Score(s), Reverse(row)))| (s, row)).collect();
    hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    hits
}

/// f32 with a total order, for the heap.
#[derive(Clone, Copy, PartialEq)]
struct Score(f32);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn embedding(seed: &[f32]) -> Embedding {
        let raw: Vec<f32> = (0..EMBEDDING_DIM).map(|i| seed[i % seed.len()] + (i as f32 * 0.37).sin()).collect();
        Embedding::from_raw(&raw).unwrap()
    }

    fn brute_force(entries: &[(Uuid, Embedding)], probe: &Embedding, min: f32, k: usize) -> Vec<(Uuid, f32)> {
        let mut all: Vec<(usize, f32)> =
            entries.iter().enumerate().map(|(i, (_, e))| (i, e.similarity(probe).0)).filter(|&(_, s)| s >= min).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter().take(k).map(|(i, s)| (entries[i].0, s)).collect()
    }

    proptest! {
        #[test]
        fn search_equals_brute_force(
            seeds in prop::collection::vec(prop::collection::vec(-1.0f32..1.0, 1..6), 0..120),
            probe in prop::collection::vec(-1.0f32..1.0, 1..6),
            min in -1.0f32..1.0,
            k in 0usize..20,
            removals in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
        ) {
            let account = Uuid::from_u128(7);
            let gallery = Gallery::new();
            let mut entries: Vec<(Uuid, Embedding)> =
                seeds.iter().enumerate().map(|(i, s)| (Uuid::from_u128(i as u128 + 1), embedding(s))).collect();
            for (key, e) in &entries {
                gallery.upsert(account, *key, e);
            }
            for r in removals {
                if entries.is_empty() { break; }
                let (key, _) = entries.swap_remove(r.index(entries.len()));
                prop_assert!(gallery.remove(account, key));
            }
            // Search returns rows in storage order on ties; brute force over the gallery's own order would
            // need its internals, so compare scores and the set of ids above the k-th score instead.
            let probe = embedding(&probe);
            let got = gallery.search(account, &probe, Similarity(min), k);
            let want = brute_force(&entries, &probe, min, k);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((g.similarity.0 - w.1).abs() < 1e-5);
            }
            prop_assert_eq!(gallery.len(account), entries.len());
        }
    }

    #[test]
    fn upsert_replaces_and_remove_keeps_the_rest_findable() {
        let (account, gallery) = (Uuid::from_u128(1), Gallery::new());
        let (a, b, c) = (Uuid::from_u128(10), Uuid::from_u128(11), Uuid::from_u128(12));
        let (ea, eb, ec) = (embedding(&[1.0]), embedding(&[-1.0, 0.5]), embedding(&[0.2, -0.9, 0.4]));
        gallery.upsert(account, a, &ea);
        gallery.upsert(account, b, &eb);
        gallery.upsert(account, c, &ec);
        gallery.upsert(account, a, &eb);
        assert_eq!(gallery.len(account), 3);
        let top = gallery.search(account, &eb, Similarity(0.999), 10);
        assert_eq!(top.iter().map(|m| m.profile).collect::<Vec<_>>(), vec![a, b]);
        assert!(gallery.remove(account, a));
        assert!(!gallery.remove(account, a));
        assert_eq!(gallery.search(account, &ec, Similarity(0.999), 10)[0].profile, c);
        assert!(gallery.search(Uuid::from_u128(2), &ec, Similarity(-1.0), 10).is_empty());
    }

    #[test]
    fn accounts_do_not_see_each_other() {
        let gallery = Gallery::new();
        let e = embedding(&[0.3]);
        gallery.load(Uuid::from_u128(1), [(Uuid::from_u128(5), e.clone())]);
        assert_eq!(gallery.search(Uuid::from_u128(1), &e, Similarity(0.9), 5).len(), 1);
        assert!(gallery.search(Uuid::from_u128(2), &e, Similarity(0.9), 5).is_empty());
    }
}

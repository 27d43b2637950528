//! Per-account 1:N search: exhaustive inner product over unit embeddings stored contiguously.
//!
//! Exhaustive, not approximate, because duplicate detection is a fraud control and must not miss. Each
//! account has its own index behind its own `RwLock`, so searches of one account run in parallel and a
//! write blocks only that account. Postgres stays the source of truth; `load` fills an account at start.
//!
//! A scan of a million f32 vectors reads 512 MB, which took 55 ms at this machine's memory bandwidth.
//! So each embedding is held twice, compactly: as half floats (the scored copy, within 4.9e-4 of the
//! f32 cosine) and as int8 codes with a per-row scale. The scan reads only the codes, in an integer dot
//! product with the probe in i16; its error against the half-float score has a proven bound per row, so
//! a row is skipped only when it cannot reach the bar, and every candidate is scored on its half floats.
//! Results equal a brute-force scan over the half floats; memory is 0.875× the f32 embeddings.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, RwLock};

use half::f16;
use uuid::Uuid;

use crate::similarity::{Embedding, EmbeddingModel, Similarity};

/// BAF's default number of candidates for a duplicate search.
pub const DEFAULT_TOP_K: usize = 50;

/// One search hit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Match {
    pub profile: Uuid,
    pub similarity: Similarity,
}

/// Every account's index of one embedding model. Cheap to share behind an `Arc`.
pub struct Gallery {
    model: EmbeddingModel,
    accounts: RwLock<HashMap<Uuid, Arc<RwLock<Index>>>>,
}

impl Gallery {
    /// A gallery of `model` embeddings: embeddings of any other model are never indexed, and a probe
    /// of another model finds nothing.
    pub fn new(model: EmbeddingModel) -> Self {
        Self {
            model,
            accounts: RwLock::default(),
        }
    }

    pub fn model(&self) -> EmbeddingModel {
        self.model
    }

    fn index(&self, account: Uuid) -> Option<Arc<RwLock<Index>>> {
        self.accounts
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&account)
            .cloned()
    }

    fn index_or_create(&self, account: Uuid) -> Arc<RwLock<Index>> {
        if let Some(index) = self.index(account) {
            return index;
        }
        self.accounts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(account)
            .or_insert_with(|| Arc::new(RwLock::new(Index::with_capacity(self.model.dim(), 0))))
            .clone()
    }

    /// Adds a profile, or replaces its embedding when the profile is already there; false (and
    /// nothing changes) for an embedding of another model.
    pub fn upsert(&self, account: Uuid, profile: Uuid, embedding: &Embedding) -> bool {
        if embedding.model() != self.model {
            return false;
        }
        self.index_or_create(account)
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .upsert(profile, embedding);
        true
    }

    /// Removes a profile; false when it was not there.
    pub fn remove(&self, account: Uuid, profile: Uuid) -> bool {
        self.index(account).is_some_and(|index| {
            index
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(profile)
        })
    }

    /// Replaces an account's whole index with `profiles` (a later duplicate key wins; other models'
    /// embeddings are skipped), as read from the database at start. Built aside and swapped in, so
    /// searches never see a half-loaded account.
    pub fn load(&self, account: Uuid, profiles: impl IntoIterator<Item = (Uuid, Embedding)>) {
        let profiles = profiles.into_iter();
        let mut index = Index::with_capacity(self.model.dim(), profiles.size_hint().0);
        for (profile, embedding) in profiles {
            if embedding.model() == self.model {
                index.upsert(profile, &embedding);
            }
        }
        index.shrink();
        self.accounts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account, Arc::new(RwLock::new(index)));
    }

    /// Up to `k` profiles of `account` with similarity ≥ `min`, most similar first (ties by profile id).
    pub fn search(
        &self,
        account: Uuid,
        probe: &Embedding,
        min: Similarity,
        k: usize,
    ) -> Vec<Match> {
        if probe.model() != self.model || min.model() != self.model {
            return Vec::new();
        }
        match self.index(account) {
            Some(index) => index
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .search(probe, min, k),
            None => Vec::new(),
        }
    }

    /// Number of profiles of every account.
    pub fn total(&self) -> usize {
        let accounts = self.accounts.read().unwrap_or_else(|e| e.into_inner());
        accounts
            .values()
            .map(|index| index.read().unwrap_or_else(|e| e.into_inner()).keys.len())
            .sum()
    }

    /// Number of profiles of an account.
    pub fn len(&self, account: Uuid) -> usize {
        self.index(account).map_or(0, |index| {
            index.read().unwrap_or_else(|e| e.into_inner()).keys.len()
        })
    }

    /// Heap bytes held for an account: vectors, ids and the id → slot map.
    pub fn memory_bytes(&self, account: Uuid) -> usize {
        self.index(account).map_or(0, |index| {
            index
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .memory_bytes()
        })
    }
}

/// One account: row i of `codes`, `scales` and `halves` encodes the embedding of `keys[i]`.
struct Index {
    dim: usize,
    keys: Vec<Uuid>,
    codes: Vec<i8>,
    scales: Vec<f32>,
    halves: Vec<f16>,
    slots: HashMap<Uuid, u32>,
}

/// Half floats of an embedding, and int8 codes of those half floats with their scale (max |v| / 127).
fn encode(embedding: &Embedding) -> (Vec<f16>, Vec<i8>, f32) {
    let halves: Vec<f16> = embedding
        .as_slice()
        .iter()
        .map(|&v| f16::from_f32(v))
        .collect();
    let max = halves.iter().fold(0.0f32, |m, h| m.max(h.to_f32().abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let codes = halves
        .iter()
        .map(|h| (h.to_f32() / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (halves, codes, scale)
}

impl Index {
    fn with_capacity(dim: usize, n: usize) -> Self {
        Self {
            dim,
            keys: Vec::with_capacity(n),
            codes: Vec::with_capacity(n * dim),
            scales: Vec::with_capacity(n),
            halves: Vec::with_capacity(n * dim),
            slots: HashMap::with_capacity(n),
        }
    }

    fn upsert(&mut self, key: Uuid, embedding: &Embedding) {
        let dim = self.dim;
        let (halves, codes, scale) = encode(embedding);
        if let Some(&slot) = self.slots.get(&key) {
            let (slot, row) = (slot as usize, slot as usize * dim);
            self.halves[row..row + dim].copy_from_slice(&halves);
            self.codes[row..row + dim].copy_from_slice(&codes);
            self.scales[slot] = scale;
            return;
        }
        if self.keys.len() == self.keys.capacity() {
            // Grow by an eighth rather than doubling: these rows are nearly all of the memory.
            let rows = (self.keys.len() / 8).max(64);
            self.keys.reserve_exact(rows);
            self.scales.reserve_exact(rows);
            self.codes.reserve_exact(rows * dim);
            self.halves.reserve_exact(rows * dim);
        }
        self.slots.insert(key, self.keys.len() as u32);
        self.keys.push(key);
        self.halves.extend_from_slice(&halves);
        self.codes.extend_from_slice(&codes);
        self.scales.push(scale);
    }

    fn remove(&mut self, key: Uuid) -> bool {
        let dim = self.dim;
        let Some(slot) = self.slots.remove(&key) else {
            return false;
        };
        let (slot, last) = (slot as usize, self.keys.len() - 1);
        // Move the last row into the hole so the rows stay contiguous.
        if slot != last {
            let (from, to) = (last * dim..(last + 1) * dim, slot * dim);
            self.halves.copy_within(from.clone(), to);
            self.codes.copy_within(from, to);
            self.scales[slot] = self.scales[last];
            self.keys[slot] = self.keys[last];
            self.slots.insert(self.keys[slot], slot as u32);
        }
        self.keys.pop();
        self.scales.pop();
        self.halves.truncate(last * dim);
        self.codes.truncate(last * dim);
        true
    }

    fn shrink(&mut self) {
        self.keys.shrink_to_fit();
        self.scales.shrink_to_fit();
        self.codes.shrink_to_fit();
        self.halves.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    fn memory_bytes(&self) -> usize {
        // hashbrown: one control byte per bucket plus the entry; capacity() is ~7/8 of the buckets.
        let buckets = (self.slots.capacity() * 8).div_ceil(7);
        self.keys.capacity() * size_of::<Uuid>()
            + self.scales.capacity() * 4
            + self.codes.capacity()
            + self.halves.capacity() * 2
            + buckets * (1 + size_of::<(Uuid, u32)>())
    }

    fn search(&self, probe: &Embedding, min: Similarity, k: usize) -> Vec<Match> {
        if k == 0 {
            return Vec::new();
        }
        let rows = Rows {
            dim: self.dim,
            codes: &self.codes,
            scales: &self.scales,
            halves: &self.halves,
        };
        let hits = scan(&rows, probe.as_slice(), min.score(), k);
        hits.into_iter()
            .map(|(score, row)| Match {
                profile: self.keys[row],
                similarity: Similarity::new(probe.model(), score),
            })
            .collect()
    }
}

struct Rows<'a> {
    dim: usize,
    codes: &'a [i8],
    scales: &'a [f32],
    halves: &'a [f16],
}

/// Rows scoring ≥ `min`, best `k`, descending (ties by row). The code scan uses AVX2 where the CPU has
/// it: the default x86-64 target stops at SSE2, and the scan is the whole cost of a search.
fn scan(rows: &Rows, probe: &[f32], min: f32, k: usize) -> Vec<(f32, usize)> {
    assert_eq!(probe.len(), rows.dim, "the probe has the gallery's model");
    let q = QuantisedProbe::new(probe);
    let mut top = TopK::new(min, k);
    #[cfg(target_arch = "x86_64")]
    if rows.dim.is_multiple_of(16) && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, the only feature the function is compiled for.
        #[allow(unsafe_code)]
        unsafe {
            avx2::scan(rows, &q, probe, &mut top)
        };
        return top.into_sorted();
    }
    scan_scalar(rows, &q, probe, &mut top);
    top.into_sorted()
}

fn scan_scalar(rows: &Rows, q: &QuantisedProbe, probe: &[f32], top: &mut TopK) {
    for (row, codes) in rows.codes.chunks_exact(rows.dim).enumerate() {
        let dot: i32 = codes
            .iter()
            .zip(&q.values)
            .map(|(&c, &p)| i32::from(c) * i32::from(p))
            .sum();
        consider(rows, row, dot, q, probe, top);
    }
}

/// The probe in i16, so the scan is an integer dot product, with the terms of the error bound.
struct QuantisedProbe {
    values: Vec<i16>,
    scale: f32,
    per_row_scale: f32,
    fixed: f32,
}

impl QuantisedProbe {
    fn new(probe: &[f32]) -> Self {
        let max = probe.iter().fold(0.0f32, |m, p| m.max(p.abs()));
        let scale = if max > 0.0 { max / 32767.0 } else { 1.0 };
        // With p = sp·q + e (|e| ≤ sp/2) and v = sr·c + d (|d| ≤ sr/2), |Σpv − sp·sr·Σqc| is at most
        // sr·(Σ|p|/2 + 32·sp) + sp·Σ|v|/2, and Σ|v| ≤ √dim for a unit vector. The slack covers f32
        // rounding.
        Self {
            values: probe.iter().map(|p| (p / scale).round() as i16).collect(),
            scale,
            per_row_scale: probe.iter().map(|p| p.abs()).sum::<f32>() / 2.0 + 32.0 * scale,
            fixed: scale * (probe.len() as f32).sqrt() / 2.0 * 1.0001 + 1e-5,
        }
    }
}

/// Scores row `row` on its half floats when its code dot product says it might reach the bar.
#[inline(always)]
fn consider(
    rows: &Rows,
    row: usize,
    code_dot: i32,
    q: &QuantisedProbe,
    probe: &[f32],
    top: &mut TopK,
) {
    let scale = rows.scales[row];
    if code_dot as f32 * q.scale * scale + scale * q.per_row_scale + q.fixed < top.bar {
        return;
    }
    let halves = &rows.halves[row * rows.dim..(row + 1) * rows.dim];
    let s = halves
        .iter()
        .zip(probe)
        .map(|(h, p)| h.to_f32() * p)
        .sum::<f32>();
    top.offer(s, row);
}

/// The best k rows so far, in a min-heap whose top is the bar a new row must clear.
struct TopK {
    heap: BinaryHeap<Reverse<(Score, Reverse<usize>)>>,
    k: usize,
    bar: f32,
}

impl TopK {
    fn new(min: f32, k: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(k + 1),
            k,
            bar: min,
        }
    }

    fn offer(&mut self, s: f32, row: usize) {
        if s < self.bar {
            return;
        }
        self.heap.push(Reverse((Score(s), Reverse(row))));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
        if self.heap.len() == self.k
            && let Some(Reverse((Score(kth), _))) = self.heap.peek()
        {
            self.bar = self.bar.max(*kth);
        }
    }

    fn into_sorted(self) -> Vec<(f32, usize)> {
        let mut hits: Vec<(f32, usize)> = self
            .heap
            .into_iter()
            .map(|Reverse((Score(s), Reverse(row)))| (s, row))
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits
    }
}

/// The one place the workspace allows `unsafe`: AVX2 intrinsics for the gallery scan, which the
/// default x86-64 target cannot emit.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{QuantisedProbe, Rows, TopK, consider};

    /// Sign-extends 16 codes at a time to i16 and multiplies-adds them against the probe held in
    /// dim/16 registers. Four rows go together so their horizontal sums share shuffles and the loads of
    /// independent rows overlap. Needs `rows.dim` to be a multiple of 16.
    #[target_feature(enable = "avx2")]
    pub(super) fn scan(rows: &Rows, q: &QuantisedProbe, probe: &[f32], top: &mut TopK) {
        let dim = rows.dim;
        assert!(dim.is_multiple_of(16) && q.values.len() == dim);
        // SAFETY: `values` holds dim i16 = dim/16 × 32 bytes; unaligned loads.
        let p: Vec<__m256i> = (0..dim / 16)
            .map(|j| unsafe { _mm256_loadu_si256(q.values.as_ptr().add(16 * j).cast()) })
            .collect();
        let quads = rows.codes.chunks_exact(4 * dim);
        let tail = quads.remainder();
        for (n, quad) in quads.enumerate() {
            let acc: [__m256i; 4] = std::array::from_fn(|r| row_dot(&p, &quad[r * dim..]));
            // Pairwise adds fold the 4×8 lanes into one register holding 4 row sums per 128-bit half.
            let s = _mm256_hadd_epi32(
                _mm256_hadd_epi32(acc[0], acc[1]),
                _mm256_hadd_epi32(acc[2], acc[3]),
            );
            let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
            let mut sums = [0i32; 4];
            // SAFETY: 4 i32 fit in `sums`.
            unsafe { _mm_storeu_si128(sums.as_mut_ptr().cast(), s) };
            for (r, &sum) in sums.iter().enumerate() {
                consider(rows, 4 * n + r, sum, q, probe, top);
            }
        }
        let first = rows.codes.len() / dim - tail.len() / dim;
        for (r, codes) in tail.chunks_exact(dim).enumerate() {
            let acc = row_dot(&p, codes);
            let s = _mm_add_epi32(
                _mm256_castsi256_si128(acc),
                _mm256_extracti128_si256::<1>(acc),
            );
            let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
            let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
            consider(rows, first + r, _mm_cvtsi128_si32(s), q, probe, top);
        }
    }

    /// 8 partial sums of one row's code · probe products.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn row_dot(p: &[__m256i], codes: &[i8]) -> __m256i {
        assert!(codes.len() >= 16 * p.len());
        let mut acc = _mm256_setzero_si256();
        for (j, pj) in p.iter().enumerate() {
            // SAFETY: checked above that bytes 16j..16j+16 are inside the row.
            let c = unsafe { _mm_loadu_si128(codes.as_ptr().add(16 * j).cast()) };
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(c), *pj));
        }
        acc
    }
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

    const MODEL: EmbeddingModel = EmbeddingModel::DlibResnetV1;

    fn embedding_of(model: EmbeddingModel, seed: &[f32]) -> Embedding {
        let raw: Vec<f32> = (0..model.dim())
            .map(|i| seed[i % seed.len()] + (i as f32 * 0.37).sin())
            .collect();
        Embedding::from_raw(model, &raw).unwrap()
    }

    fn embedding(seed: &[f32]) -> Embedding {
        embedding_of(MODEL, seed)
    }

    fn at(score: f32) -> Similarity {
        Similarity::new(MODEL, score)
    }

    /// The specification: every stored (half-float) vector scored against the probe.
    fn brute_force(
        entries: &[(Uuid, Embedding)],
        probe: &Embedding,
        min: f32,
        k: usize,
    ) -> Vec<(Uuid, f32)> {
        let score = |e: &Embedding| {
            e.as_slice()
                .iter()
                .zip(probe.as_slice())
                .map(|(v, p)| f16::from_f32(*v).to_f32() * p)
                .sum::<f32>()
        };
        let mut all: Vec<(usize, f32)> = entries
            .iter()
            .enumerate()
            .map(|(i, (_, e))| (i, score(e)))
            .filter(|&(_, s)| s >= min)
            .collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter()
            .take(k)
            .map(|(i, s)| (entries[i].0, s))
            .collect()
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
            let gallery = Gallery::new(MODEL);
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
            // Ties may list different ids in either order, so compare the scores.
            let probe = embedding(&probe);
            let got = gallery.search(account, &probe, at(min), k);
            let want = brute_force(&entries, &probe, min, k);
            prop_assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                prop_assert!((g.similarity.score() - w.1).abs() < 1e-6);
            }
            prop_assert_eq!(gallery.len(account), entries.len());
        }
    }

    #[test]
    fn upsert_replaces_and_remove_keeps_the_rest_findable() {
        let (account, gallery) = (Uuid::from_u128(1), Gallery::new(MODEL));
        let (a, b, c) = (
            Uuid::from_u128(10),
            Uuid::from_u128(11),
            Uuid::from_u128(12),
        );
        let (ea, eb, ec) = (
            embedding(&[1.0]),
            embedding(&[-1.0, 0.5]),
            embedding(&[0.2, -0.9, 0.4]),
        );
        gallery.upsert(account, a, &ea);
        gallery.upsert(account, b, &eb);
        gallery.upsert(account, c, &ec);
        gallery.upsert(account, a, &eb);
        assert_eq!(gallery.len(account), 3);
        let top = gallery.search(account, &eb, at(0.999), 10);
        assert_eq!(
            top.iter().map(|m| m.profile).collect::<Vec<_>>(),
            vec![a, b]
        );
        assert!(gallery.remove(account, a));
        assert!(!gallery.remove(account, a));
        assert_eq!(gallery.search(account, &ec, at(0.999), 10)[0].profile, c);
        assert!(
            gallery
                .search(Uuid::from_u128(2), &ec, at(-1.0), 10)
                .is_empty()
        );
    }

    #[test]
    fn half_float_scores_stay_within_their_rounding_bound_of_the_f32_cosine() {
        let (account, gallery) = (Uuid::from_u128(1), Gallery::new(MODEL));
        let entries: Vec<Embedding> = (0..200)
            .map(|i| embedding(&[i as f32 * 0.01, -0.3, 0.7 - i as f32 * 0.02]))
            .collect();
        gallery.load(
            account,
            entries
                .iter()
                .enumerate()
                .map(|(i, e)| (Uuid::from_u128(i as u128), e.clone())),
        );
        let probe = embedding(&[0.5, -0.2]);
        for m in gallery.search(account, &probe, at(-1.0), 200) {
            let exact = entries[m.profile.as_u128() as usize]
                .similarity(&probe)
                .unwrap()
                .score();
            assert!(
                (m.similarity.score() - exact).abs() <= 4.9e-4,
                "{} vs {exact}",
                m.similarity.score()
            );
        }
    }

    #[test]
    fn the_portable_scan_finds_what_the_simd_scan_finds_for_every_model() {
        for model in EmbeddingModel::ALL {
            let mut index = Index::with_capacity(model.dim(), 0);
            // 301 rows: 75 groups of four and a tail of one.
            for i in 0..301 {
                index.upsert(
                    Uuid::from_u128(i),
                    &embedding_of(model, &[i as f32 * 0.013, 0.4, -0.2 + i as f32 * 0.001]),
                );
            }
            let probe = embedding_of(model, &[0.9, 0.1]);
            let rows = Rows {
                dim: model.dim(),
                codes: &index.codes,
                scales: &index.scales,
                halves: &index.halves,
            };
            let probe = probe.as_slice();
            let mut portable = TopK::new(0.5, 40);
            scan_scalar(&rows, &QuantisedProbe::new(probe), probe, &mut portable);
            let simd = scan(&rows, probe, 0.5, 40);
            assert!(!simd.is_empty(), "{model}");
            assert_eq!(portable.into_sorted(), simd, "{model}");
        }
    }

    #[test]
    fn embeddings_of_another_model_are_neither_indexed_nor_searched() {
        let gallery = Gallery::new(EmbeddingModel::Fusion);
        let account = Uuid::from_u128(1);
        let dlib = embedding(&[0.3]);
        assert!(!gallery.upsert(account, Uuid::from_u128(5), &dlib));
        let fused = embedding_of(EmbeddingModel::Fusion, &[0.3]);
        assert!(gallery.upsert(account, Uuid::from_u128(6), &fused));
        let min = Similarity::new(EmbeddingModel::Fusion, 0.0);
        assert_eq!(gallery.search(account, &fused, min, 5).len(), 1);
        assert!(gallery.search(account, &dlib, min, 5).is_empty());
    }

    #[test]
    fn concurrent_writers_and_readers_leave_a_consistent_index() {
        let (account, gallery) = (Uuid::from_u128(1), Arc::new(Gallery::new(MODEL)));
        let probe = embedding(&[0.25]);
        std::thread::scope(|s| {
            for w in 0..2u128 {
                let gallery = gallery.clone();
                s.spawn(move || {
                    for i in 0..500u128 {
                        let key = Uuid::from_u128(w * 1000 + i);
                        gallery.upsert(account, key, &embedding(&[i as f32 * 0.01, w as f32]));
                        if i % 3 == 0 {
                            assert!(gallery.remove(account, key));
                        }
                    }
                });
            }
            for _ in 0..2 {
                let (gallery, probe) = (gallery.clone(), probe.clone());
                s.spawn(move || {
                    for _ in 0..200 {
                        let hits = gallery.search(account, &probe, at(-1.0), 10);
                        assert!(
                            hits.windows(2)
                                .all(|w| w[0].similarity.score() >= w[1].similarity.score())
                        );
                    }
                });
            }
        });
        // 2 writers × (500 added − 167 removed).
        assert_eq!(gallery.len(account), 2 * 333);
        assert_eq!(gallery.search(account, &probe, at(-1.0), 1000).len(), 666);
    }

    #[test]
    fn accounts_do_not_see_each_other() {
        let gallery = Gallery::new(MODEL);
        let e = embedding(&[0.3]);
        gallery.load(Uuid::from_u128(1), [(Uuid::from_u128(5), e.clone())]);
        assert_eq!(gallery.search(Uuid::from_u128(1), &e, at(0.9), 5).len(), 1);
        assert!(
            gallery
                .search(Uuid::from_u128(2), &e, at(0.9), 5)
                .is_empty()
        );
    }
}

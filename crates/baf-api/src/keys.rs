//! What the server remembers of API keys, so that authentication costs no query in the common
//! case and guessing costs the guesser, not the database: known keys (a minute), unknown ones
//! (ten seconds), each client address's failed lookups (a one-minute window, after which further
//! lookups from it are refused with 429 until the window ends), and the request rate of the keys
//! whose account sets a limit (governor's GCRA, per server process).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota};
use moka::sync::Cache;

use crate::extract::Account;

/// A removed key stops working within this.
const KNOWN_TTL: Duration = Duration::from_secs(60);
/// A key created by the operator works within this, even if someone tried it just before.
const UNKNOWN_TTL: Duration = Duration::from_secs(10);
/// Failed lookups an address may make per window; a client with a wrong key fails a few times,
/// a guesser thousands.
const FAILURES_PER_WINDOW: u32 = 30;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// A key's limiter outlives the key's cache entry while the key is in use, so its budget does not
/// refill each time the entry is refreshed.
const LIMITER_IDLE: Duration = Duration::from_secs(600);
/// Far more keys (or addresses) than any deployment sees at once; bounds the memory if it does.
const CAPACITY: u64 = 100_000;

#[derive(Clone)]
pub struct KeyCache {
    known: Cache<[u8; 32], Account>,
    unknown: Cache<[u8; 32], ()>,
    failures: Cache<IpAddr, Arc<AtomicU32>>,
    /// The per-minute rate each limited key was given, and its limiter.
    limits: Cache<[u8; 32], (u32, Arc<DefaultDirectRateLimiter>)>,
}

/// What the cache says of a key, before the database is asked.
pub enum Lookup {
    Known(Account),
    /// Looked up moments ago and not found.
    Unknown,
    /// The client's address failed too often; ask nothing until the window ends.
    Throttled {
        retry_after: Duration,
    },
    /// Only the database knows.
    Ask,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self {
            known: bounded(KNOWN_TTL),
            unknown: bounded(UNKNOWN_TTL),
            failures: bounded(FAILURE_WINDOW),
            limits: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(LIMITER_IDLE)
                .build(),
        }
    }
}

fn bounded<K, V>(ttl: Duration) -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(CAPACITY)
        .time_to_live(ttl)
        .build()
}

impl KeyCache {
    pub fn lookup(&self, hash: &[u8; 32], client: Option<IpAddr>) -> Lookup {
        if let Some(account) = self.known.get(hash) {
            return Lookup::Known(account);
        }
        let failed = client
            .and_then(|client| self.failures.get(&client))
            .map_or(0, |count| count.load(Ordering::Relaxed));
        if failed >= FAILURES_PER_WINDOW {
            return Lookup::Throttled {
                retry_after: FAILURE_WINDOW,
            };
        }
        if self.unknown.contains_key(hash) {
            self.count_failure(client);
            return Lookup::Unknown;
        }
        Lookup::Ask
    }

    /// A key found in the database, with its account's rate limit (per minute) if it has one.
    pub fn known(&self, hash: [u8; 32], account: Account, requests_per_minute: Option<u32>) {
        self.known.insert(hash, account);
        match requests_per_minute.and_then(std::num::NonZeroU32::new) {
            None => self.limits.invalidate(&hash),
            Some(rate) => {
                let current = self.limits.get(&hash).is_some_and(|(r, _)| r == rate.get());
                if !current {
                    let limiter = DefaultDirectRateLimiter::direct(Quota::per_minute(rate));
                    self.limits.insert(hash, (rate.get(), Arc::new(limiter)));
                }
            }
        }
    }

    /// Counts one request of the key against its account's limit: `Err` is how long to wait.
    pub fn admit(&self, hash: &[u8; 32]) -> Result<(), Duration> {
        let Some((_, limiter)) = self.limits.get(hash) else {
            return Ok(());
        };
        limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    pub fn unknown(&self, hash: [u8; 32], client: Option<IpAddr>) {
        self.unknown.insert(hash, ());
        self.count_failure(client);
    }

    fn count_failure(&self, client: Option<IpAddr>) {
        if let Some(client) = client {
            self.failures
                .get_with(client, Default::default)
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use baf_domain::AccountId;
    use baf_store::accounts::KeyKind;

    use super::*;

    #[test]
    fn an_address_that_fails_too_often_is_throttled_but_known_keys_still_work() {
        let keys = KeyCache::default();
        let guesser = Some(IpAddr::from([203, 0, 113, 7]));
        let known = [1; 32];
        keys.known(
            known,
            Account {
                id: AccountId::new_random(),
                kind: KeyKind::Secret,
            },
            None,
        );
        for guess in 0..FAILURES_PER_WINDOW {
            let hash = [guess as u8 + 2; 32];
            assert!(matches!(keys.lookup(&hash, guesser), Lookup::Ask));
            keys.unknown(hash, guesser);
        }
        assert!(matches!(
            keys.lookup(&[0; 32], guesser),
            Lookup::Throttled { .. }
        ));
        assert!(matches!(keys.lookup(&known, guesser), Lookup::Known(_)));
        let neighbour = Some(IpAddr::from([203, 0, 113, 8]));
        assert!(matches!(keys.lookup(&[0; 32], neighbour), Lookup::Ask));
        assert!(matches!(keys.lookup(&[2; 32], neighbour), Lookup::Unknown));
    }

    #[test]
    fn a_limited_key_may_make_its_rate_and_no_more() {
        let keys = KeyCache::default();
        let account = Account {
            id: AccountId::new_random(),
            kind: KeyKind::Secret,
        };
        keys.known([1; 32], account, Some(3));
        keys.known([2; 32], account, None);
        for _ in 0..3 {
            assert_eq!(keys.admit(&[1; 32]), Ok(()));
        }
        let wait = keys.admit(&[1; 32]).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!((0..100).all(|_| keys.admit(&[2; 32]).is_ok()));
        // the limit lifted: the key is free at once
        keys.known([1; 32], account, None);
        assert_eq!(keys.admit(&[1; 32]), Ok(()));
    }
}

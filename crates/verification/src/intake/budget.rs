//! The memory that decoding may hold across all of an engine's workers at once.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// A pool of bytes shared by the workers: a decode reserves what its header says it will cost
/// and waits while others hold too much, so N workers never hold N times the largest image.
#[derive(Clone, Debug)]
pub struct DecodeBudget {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    total: u64,
    available: Mutex<u64>,
    freed: Condvar,
}

/// Bytes held until dropped.
#[must_use = "the bytes are given back when this is dropped"]
#[derive(Debug)]
pub struct Reservation {
    shared: Arc<Shared>,
    bytes: u64,
}

impl DecodeBudget {
    pub fn new(total: u64) -> Self {
        Self {
            shared: Arc::new(Shared {
                total,
                available: Mutex::new(total),
                freed: Condvar::new(),
            }),
        }
    }

    /// Waits until `bytes` are free and takes them. More than the whole budget takes the whole
    /// budget, so a request can never wait forever.
    pub fn reserve(&self, bytes: u64) -> Reservation {
        let bytes = bytes.min(self.shared.total);
        let mut available = self.shared.lock();
        while *available < bytes {
            available = self
                .shared
                .freed
                .wait(available)
                .unwrap_or_else(|e| e.into_inner());
        }
        *available -= bytes;
        Reservation {
            shared: Arc::clone(&self.shared),
            bytes,
        }
    }

    /// Bytes not reserved now.
    pub fn available(&self) -> u64 {
        *self.shared.lock()
    }
}

impl Shared {
    // A worker that panicked while holding the lock left the count consistent: it is only ever
    // changed by one subtraction or one addition.
    fn lock(&self) -> MutexGuard<'_, u64> {
        self.available.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        *self.shared.lock() += self.bytes;
        self.shared.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_reservation_waits_until_enough_is_given_back() {
        let budget = DecodeBudget::new(100);
        let first = budget.reserve(70);
        assert_eq!(budget.available(), 30);
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || {
                let second = budget.reserve(50);
                budget.available() + second.bytes
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !waiting.is_finished(),
            "50 bytes were reserved with 30 free"
        );
        drop(first);
        assert_eq!(waiting.join().unwrap(), 100);
        assert_eq!(budget.available(), 100);
    }

    #[test]
    fn more_than_the_budget_takes_all_of_it() {
        let budget = DecodeBudget::new(100);
        let all = budget.reserve(1_000);
        assert_eq!(budget.available(), 0);
        drop(all);
        assert_eq!(budget.available(), 100);
    }
}

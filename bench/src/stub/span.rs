//! A span of time the stub watches: from the first arrival of a kind of request to the last answer of that kind,
//! read and started again by `/__stats` (the destination checks of init, which run at once).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// When the destination checks since the span was last read began and ended, in microseconds after `since`.
pub struct Span {
    since: Instant,
    pub first: AtomicU64,
    pub last: AtomicU64,
}

impl Default for Span {
    fn default() -> Self {
        Self { since: Instant::now(), first: AtomicU64::new(u64::MAX), last: AtomicU64::new(0) }
    }
}

impl Span {
    pub fn now(&self) -> u64 {
        self.since.elapsed().as_micros() as u64
    }

    /// From the first arrival to the last answer since the last call, in microseconds (0 if none); starts again.
    pub fn take(&self) -> u64 {
        let (first, last) = (self.first.swap(u64::MAX, Relaxed), self.last.swap(0, Relaxed));
        last.saturating_sub(first)
    }
}

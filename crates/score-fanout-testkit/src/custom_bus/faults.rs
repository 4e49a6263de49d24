//! Faults on demand, through a handle shared with the running stand-in: the next calls throttled (429
//! `ThrottlingException`) or failed (500 `InternalException`), calls throttled at random, and entries failed one by
//! one, at random or the next N, with an error code of the test's choosing.

use std::sync::{Arc, Mutex, PoisonError};

/// The handle; clones share the same faults.
#[derive(Clone, Debug)]
pub struct Faults(Arc<Mutex<State>>);

#[derive(Debug)]
struct State {
    throttle_next: usize,
    fail_next: usize,
    throttle_probability: f64,
    fail_entries_next: usize,
    fail_entry_probability: f64,
    entry_code: String,
    rng: fastrand::Rng,
}

impl Faults {
    /// No faults; random ones drawn from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Arc::new(Mutex::new(State {
            throttle_next: 0,
            fail_next: 0,
            throttle_probability: 0.0,
            fail_entries_next: 0,
            fail_entry_probability: 0.0,
            entry_code: String::new(),
            rng: fastrand::Rng::with_seed(seed),
        })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A test that panicked while holding the handle leaves plain numbers behind: still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `calls` PutEvents calls answer 429 `ThrottlingException` ("Rate exceeded.") and change nothing.
    pub fn throttle_next_calls(&self, calls: usize) {
        self.state().throttle_next = calls;
    }

    /// Each PutEvents call answers 429 with `probability` (0 stops it).
    pub fn throttle_randomly(&self, probability: f64) {
        self.state().throttle_probability = probability;
    }

    /// The next `calls` PutEvents calls answer 500 `InternalException` and change nothing.
    pub fn fail_next_calls(&self, calls: usize) {
        self.state().fail_next = calls;
    }

    /// The next `entries` valid entries fail alone with `ErrorCode` `code` (say `ThrottlingException`, how an event
    /// group's throttle is said to reach a publisher): not stored, not deduplicated, counted in FailedEntryCount.
    pub fn fail_next_entries(&self, entries: usize, code: &str) {
        let mut state = self.state();
        state.fail_entries_next = entries;
        code.clone_into(&mut state.entry_code);
    }

    /// Each valid entry fails alone with `code` with `probability` (0 stops it).
    pub fn fail_entries_randomly(&self, probability: f64, code: &str) {
        let mut state = self.state();
        state.fail_entry_probability = probability;
        code.clone_into(&mut state.entry_code);
    }

    /// The fault for this PutEvents call, if any.
    pub(super) fn call(&self) -> Option<super::error::ServiceError> {
        let mut state = self.state();
        if state.throttle_next > 0 {
            state.throttle_next -= 1;
            return Some(super::error::ServiceError::Throttling);
        }
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return Some(super::error::ServiceError::Internal("injected by the stand-in".into()));
        }
        let probability = state.throttle_probability;
        (probability > 0.0 && state.rng.f64() < probability).then_some(super::error::ServiceError::Throttling)
    }

    /// The error code this entry fails with, if it is to fail.
    pub(super) fn entry(&self) -> Option<String> {
        let mut state = self.state();
        if state.fail_entries_next > 0 {
            state.fail_entries_next -= 1;
            return Some(state.entry_code.clone());
        }
        let probability = state.fail_entry_probability;
        (probability > 0.0 && state.rng.f64() < probability).then(|| state.entry_code.clone())
    }
}

//! How many requests one sink has in flight: more while it answers quickly and without throttling, fewer when it
//! throttles or slows down (additive increase, multiplicative decrease, as TCP does), never more than the maximum
//! the user set (`MAX_REQUESTS_IN_FLIGHT`), so that one shard cannot press the account's `PutEvents` and
//! `PublishBatch` quotas past what was chosen. The window lives with the sink, so it carries over between the warm
//! invocations of one function instance: a sink that throttled in the last invocation starts the next one low. So
//! does what the next invocation's call timeouts start from ([`WarmStart`]): the slowest answers of the sink's last
//! invocations that got answers, and the hangs since.

use super::timeout::{Calls, WarmStart};
use std::sync::Mutex;
use std::time::Duration;

/// The window a new function instance starts with: below most maxima, so that a cold start cannot burst.
const INITIAL: f64 = 2.0;
/// An answer slower than this many times the fastest one seen counts as the sink slowing down.
const SLOW_FACTOR: u32 = 4;
/// Answers faster than this always count as quick (loopback and same-Region calls).
const QUICK: Duration = Duration::from_millis(250);

/// One sink's window of requests in flight.
#[derive(Debug)]
pub struct Window {
    max: usize,
    state: Mutex<State>,
}

#[derive(Clone, Copy, Debug)]
struct State {
    size: f64,
    fastest: Option<Duration>,
    warm_start: WarmStart,
}

/// What one answered request says about the sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Answered (each entry's own result aside) within `took`.
    Answered { took: Duration },
    /// Throttled, timed out or failed whole: back off.
    Congested,
}

impl Window {
    /// A window of at most `max` requests (at least one).
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        let state = State { size: INITIAL.min(max as f64), fastest: None, warm_start: WarmStart::default() };
        Self { max, state: Mutex::new(state) }
    }

    /// The requests that may be in flight now.
    pub fn size(&self) -> usize {
        (self.state().size.floor() as usize).clamp(1, self.max)
    }

    fn state(&self) -> State {
        *self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the next invocation's call timeouts start from.
    pub(super) fn warm_start(&self) -> WarmStart {
        self.state().warm_start
    }

    /// Takes in what an invocation's calls came to, for the invocations after it.
    pub(super) fn remember(&self, calls: Calls) {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).warm_start.record(calls);
    }

    /// Takes in one request's signal: one more request per window's worth of quick answers; half on congestion.
    pub fn observe(&self, signal: Signal) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match signal {
            Signal::Answered { took } => {
                let fastest = state.fastest.map_or(took, |fastest| fastest.min(took));
                state.fastest = Some(fastest);
                if took <= QUICK.max(fastest * SLOW_FACTOR) {
                    state.size = (state.size + 1.0 / state.size).min(self.max as f64);
                } else {
                    state.size = (state.size / 2.0).max(1.0);
                }
            }
            Signal::Congested => state.size = (state.size / 2.0).max(1.0),
        }
    }
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;

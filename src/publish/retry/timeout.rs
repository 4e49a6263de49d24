//! How long one call may take. A fixed timeout abandons a slow sink's every call while the sink is still working
//! on it, and the entries sent again reach it twice: a degraded Region answering in 2.5 s against a 2 s timeout
//! livelocks. So the timeout adapts to the latency observed: it starts at [`BASE`], doubles after a call that ran
//! out of it, grows to a few times the slowest answer seen, and never reaches past the invocation's cut-off. A warm
//! invocation starts from the slowest answer of the last invocation that had one (kept with the sink's
//! [`Window`](super::Window)), so that a sink that stays slow does not cost every invocation a timed-out first round;
//! a hang leaves no answer to remember, so it never stretches the next invocation's timeouts.

use super::budget::RetryBudget;
use std::time::Duration;
use tokio::time::Instant;

/// The first calls' timeout: far above a healthy sink's tens of milliseconds.
pub const BASE: Duration = Duration::from_secs(2);
/// A call may take this many times the slowest answer seen so far.
const LATENCY_FACTOR: u32 = 3;

/// One sink's call timeout within one invocation.
#[derive(Clone, Copy, Debug)]
pub(super) struct CallTimeout {
    current: Duration,
    slowest_answer: Option<Duration>,
}

impl CallTimeout {
    /// Starting from the slowest answer of the sink's last invocation, if it had one.
    pub(super) fn new(last_slowest_answer: Option<Duration>) -> Self {
        let current = last_slowest_answer.map_or(BASE, |took| BASE.max(took * LATENCY_FACTOR));
        Self { current, slowest_answer: None }
    }

    /// The slowest answer of this invocation, if any call was answered.
    pub(super) fn slowest_answer(&self) -> Option<Duration> {
        self.slowest_answer
    }

    /// The timeout of a call starting now: never past the budget's cut-off.
    pub(super) fn for_call(&self, budget: &RetryBudget) -> Duration {
        self.current.min(budget.cut_off().saturating_duration_since(Instant::now()))
    }

    /// A call answered after `took`.
    pub(super) fn answered(&mut self, took: Duration) {
        self.current = self.current.max(took * LATENCY_FACTOR);
        self.slowest_answer = Some(self.slowest_answer.map_or(took, |slowest| slowest.max(took)));
    }

    /// A call that ran out of its `timeout` without an answer: the sink may be slow rather than gone.
    pub(super) fn ran_out(&mut self, timeout: Duration) {
        self.current = self.current.max(timeout * 2);
    }
}

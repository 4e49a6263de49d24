//! How long one call may take. A fixed timeout abandons a slow sink's every call while the sink is still working
//! on it, and the entries sent again reach it twice: a degraded Region answering in 2.5 s against a 2 s timeout
//! livelocks. So the timeout adapts to the latency observed: it starts at [`BASE`], doubles after a call that ran
//! out of it, grows to a few times the slowest answer seen, and never reaches past the invocation's cut-off.
//!
//! A warm invocation starts from what the sink's last invocations saw ([`WarmStart`], kept with the sink's
//! [`Window`](super::Window)): three times the median of the slowest answers of the last three invocations that got
//! answers, so that a sink that stays slow does not cost every invocation a timed-out first round, while one slow
//! invocation among fast ones does not stretch the next. An invocation in which every call ran out (a hang) leaves
//! no answer to learn from and halves that start for the next one, down to [`BASE`], so that a sink gone silent
//! costs each invocation less time before it answers with its checkpoint; the next answer ends the halving.

use super::budget::RetryBudget;
use std::time::Duration;
use tokio::time::Instant;

/// The first calls' timeout: far above a healthy sink's tens of milliseconds.
pub const BASE: Duration = Duration::from_secs(2);
/// A call may take this many times the slowest answer seen so far.
const LATENCY_FACTOR: u32 = 3;
/// The invocations with answers whose slowest answers the next invocation starts from.
const REMEMBERED: usize = 3;

/// One sink's call timeout within one invocation.
#[derive(Clone, Copy, Debug)]
pub(super) struct CallTimeout {
    current: Duration,
    slowest_answer: Option<Duration>,
    ran_out: bool,
}

/// What one invocation's calls to a sink came to, for the next invocation's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Calls {
    /// No call was made.
    None,
    /// Some call was answered; the slowest answer took this long.
    Answered { slowest: Duration },
    /// Every call ran out of its timeout: the sink hung.
    Hung,
}

impl CallTimeout {
    /// Starting from what the sink's last invocations saw.
    pub(super) fn new(warm: &WarmStart) -> Self {
        Self { current: warm.first_timeout(), slowest_answer: None, ran_out: false }
    }

    /// What this invocation's calls came to so far.
    pub(super) fn calls(&self) -> Calls {
        match (self.slowest_answer, self.ran_out) {
            (Some(slowest), _) => Calls::Answered { slowest },
            (None, true) => Calls::Hung,
            (None, false) => Calls::None,
        }
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
        self.ran_out = true;
    }
}

/// What a sink's next invocation starts its call timeout from: the slowest answers of its last invocations that
/// got answers, and how many invocations hung since.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct WarmStart {
    /// Oldest first; `None` until that many invocations got answers.
    slowest_answers: [Option<Duration>; REMEMBERED],
    hangs: u32,
}

impl WarmStart {
    /// The first call timeout of the next invocation: max([`BASE`], 3 x the median of the slowest answers
    /// remembered), halved for each hang since, never below [`BASE`].
    pub(super) fn first_timeout(&self) -> Duration {
        let mut answers: Vec<Duration> = self.slowest_answers.iter().flatten().copied().collect();
        answers.sort_unstable();
        let middle = answers.len() / 2;
        let median = match answers.len() {
            0 => return BASE,
            n if n % 2 == 1 => answers[middle],
            _ => (answers[middle - 1] + answers[middle]) / 2,
        };
        let learned = BASE.max(median * LATENCY_FACTOR);
        (learned / 2u32.saturating_pow(self.hangs)).max(BASE)
    }

    /// Takes in what one invocation's calls came to.
    pub(super) fn record(&mut self, calls: Calls) {
        match calls {
            Calls::Answered { slowest } => {
                self.slowest_answers.rotate_left(1);
                self.slowest_answers[REMEMBERED - 1] = Some(slowest);
                self.hangs = 0;
            }
            Calls::Hung => self.hangs = self.hangs.saturating_add(1),
            Calls::None => {}
        }
    }
}

#[cfg(test)]
#[path = "timeout_tests.rs"]
mod tests;

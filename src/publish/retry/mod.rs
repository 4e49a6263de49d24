//! Delivering one invocation's entries to one sink: only failed entries are retried, with exponential
//! backoff and full jitter, within a time budget that keeps the invocation clear of its deadline.
//!
//! Each round sends the entries that are due ([`Progress::due`]) in requests within the sink's limits, several at
//! once ([`send_round`]), settles every answer as it arrives ([`Progress::settle`]), then sleeps until the next
//! entry is due ([`Progress::next_due`]) or stops when the budget is spent.

mod budget;
mod lanes;

pub use budget::{backoff, RetryBudget, MAX_RETRYING, MIN_RESERVE};

use super::chunk::{chunks, MAX_ENTRIES, MAX_REQUEST_BYTES};
use super::sink::{EntryError, Prepared, Sink};
use crate::domain::DomainEvent;
use futures_util::StreamExt;
use lanes::Lanes;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Requests in flight at once per sink: enough to hide latency, few enough for a 128 MB function.
pub const MAX_IN_FLIGHT: usize = 4;

/// What became of each entry of one sink, and how many entries had to be sent again.
#[derive(Debug)]
pub struct SinkOutcome {
    /// One outcome per event, in order.
    pub outcomes: Vec<Result<(), EntryError>>,
    /// Entries sent more than once (each extra send counted).
    pub resent: u64,
}

/// Delivers `events` to `sink`; one outcome per event, in order. `json_lengths[i]` is the length of event `i`'s
/// JSON document, which the sink sizes its requests by. On a FIFO sink each message group is a lane
/// ([`lanes::Lanes`]): one entry of a group per request, the next only after the previous was delivered.
pub async fn deliver<S: Sink>(
    sink: &S,
    events: &[DomainEvent],
    json_lengths: &[usize],
    budget: &RetryBudget,
) -> SinkOutcome {
    // Only each entry's size and group are kept for the whole batch; the entry itself is built again when its
    // request goes out, instead of being kept or cloned for every retry.
    let prepared: Vec<Prepared<()>> =
        events.iter().enumerate().map(|(i, e)| sink.measure(e, json_lengths[i], i)).collect();
    let mut progress = Progress::new(&prepared);
    let mut first_round = true;
    loop {
        let now = Instant::now();
        if !first_round && now >= budget.stop_at() {
            break;
        }
        first_round = false;
        let due = progress.due(now);
        send_round(sink, events, &prepared, due, budget, &mut progress).await;
        match progress.next_due(now) {
            Some(next) if next <= budget.stop_at() => tokio::time::sleep_until(next).await,
            _ => break,
        }
    }
    progress.finish(sink.name(), &prepared)
}

/// Sends the `due` entries in requests within the sink's limits, [`MAX_IN_FLIGHT`] at a time, and settles each
/// answer as it arrives. A request still unanswered at the budget's cut-off counts as failed.
async fn send_round<S: Sink>(
    sink: &S,
    events: &[DomainEvent],
    prepared: &[Prepared<()>],
    due: Vec<usize>,
    budget: &RetryBudget,
    progress: &mut Progress,
) {
    let requests = chunks(due.into_iter().map(|i| (i, prepared[i].size)), MAX_ENTRIES, MAX_REQUEST_BYTES);
    let mut answers = futures_util::stream::iter(requests)
        .map(|request| async {
            let entries = request.iter().map(|&i| sink.prepare(&events[i], i).entry).collect();
            let results = match tokio::time::timeout_at(budget.cut_off(), sink.send(entries)).await {
                Ok(results) => results,
                Err(_) => vec![Err(EntryError::OutOfTime { sink: sink.name() }); request.len()],
            };
            (request, results)
        })
        .buffer_unordered(MAX_IN_FLIGHT);
    // Entries failing together wait together, so that their retry goes out as one request.
    let mut pauses = Pauses::default();
    while let Some((request, results)) = answers.next().await {
        progress.settle(sink.name(), request, results, &mut pauses);
    }
}

/// One round's pause per number of tries so far.
#[derive(Default)]
struct Pauses(HashMap<u32, Duration>);

impl Pauses {
    fn after(&mut self, tries: u32) -> Duration {
        *self.0.entry(tries).or_insert_with(|| backoff(tries))
    }
}

/// Per entry, what the retry loop needs: small, because a 10,000-record batch has up to 10,000 of them per sink.
#[derive(Clone, Copy, Default)]
struct Attempts {
    sends: u32,
    tries: u32,
    not_before: Option<Instant>,
}

/// Where delivery stands: the lanes still waiting, each entry's attempts, and the errors of the entries that have
/// one (the last error of an entry still retried, the final one of an entry given up on). Everything neither
/// here nor in a lane was delivered.
struct Progress {
    lanes: Lanes,
    attempts: Vec<Attempts>,
    errors: HashMap<usize, EntryError>,
}

impl Progress {
    fn new(prepared: &[Prepared<()>]) -> Self {
        Self {
            lanes: Lanes::new(prepared),
            attempts: vec![Attempts::default(); prepared.len()],
            errors: HashMap::new(),
        }
    }

    /// The entries to send now: lane heads whose backoff has passed, each counted as sent.
    fn due(&mut self, now: Instant) -> Vec<usize> {
        let attempts = &self.attempts;
        let due: Vec<usize> = self.lanes.heads().filter(|&i| attempts[i].not_before.is_none_or(|t| t <= now)).collect();
        for &index in &due {
            self.attempts[index].sends += 1;
        }
        due
    }

    /// Settles one request's answers: a delivered or rejected entry leaves its lane, a failed one waits its backoff.
    fn settle(
        &mut self,
        sink: &'static str,
        request: Vec<usize>,
        results: Vec<Result<(), EntryError>>,
        pauses: &mut Pauses,
    ) {
        let mut results = results.into_iter();
        for index in request {
            let result = results.next().unwrap_or_else(|| {
                let message = "the response did not mention the entry".into();
                Err(EntryError::Failed { sink, code: "NoResult".into(), message })
            });
            match result {
                Err(error) if !error.is_permanent() => {
                    let entry = &mut self.attempts[index];
                    entry.tries += 1;
                    entry.not_before = Some(Instant::now() + pauses.after(entry.tries));
                    self.errors.insert(index, error);
                }
                Err(rejected) => {
                    self.errors.insert(index, rejected);
                    self.lanes.pop(index);
                }
                Ok(()) => {
                    self.errors.remove(&index);
                    self.lanes.pop(index);
                }
            }
        }
    }

    /// When the next entry is due, if any entry is still waiting.
    fn next_due(&self, now: Instant) -> Option<Instant> {
        self.lanes.heads().map(|i| self.attempts[i].not_before.unwrap_or(now)).min()
    }

    /// The outcome once retrying stops: a lane's head keeps its last error, the entries behind it were held back.
    fn finish<E>(mut self, sink: &'static str, prepared: &[Prepared<E>]) -> SinkOutcome {
        for head in self.lanes.heads() {
            let head_error = self.errors.remove(&head).unwrap_or(EntryError::OutOfTime { sink });
            let held_back = matches!(head_error, EntryError::OutOfTime { .. }).then_some(head_error.clone());
            self.errors.insert(head, head_error);
            for index in self.lanes.waiting_behind(head) {
                let group = prepared[index].group.clone().unwrap_or_default();
                self.errors.insert(index, held_back.clone().unwrap_or(EntryError::HeldBack { sink, group }));
            }
        }
        let resent = self.attempts.iter().map(|a| u64::from(a.sends.saturating_sub(1))).sum();
        let outcomes = (0..prepared.len()).map(|index| self.errors.remove(&index).map_or(Ok(()), Err)).collect();
        SinkOutcome { outcomes, resent }
    }
}

#[cfg(test)]
mod tests;

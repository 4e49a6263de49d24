//! Delivering one invocation's entries to one sink: only failed entries are retried, with exponential backoff and
//! full jitter, within a time budget that keeps the invocation clear of its deadline.
//!
//! Each round sends the entries that are due ([`Progress::due`]) in requests within the sink's limits (one entry
//! alone where its request was refused as a whole), as many at once as the sink's [`Window`] allows, each within a
//! timeout that adapts to the sink's latency ([`timeout`]); it settles every answer as it arrives
//! ([`Progress::settle`]), then sleeps until the next entry is due ([`Progress::next_due`]) or stops when the budget
//! is spent. An entry is sent again only after its previous attempt failed or was given up, and an entry the sink
//! accepted in an earlier invocation of this environment ([`Accepted`]) is not sent at all.

mod budget;
mod lanes;
mod progress;
mod timeout;
mod window;

pub use budget::{Invocation, RetryBudget};
pub use progress::SinkOutcome;
pub use timeout::BASE as FIRST_CALL_TIMEOUT;
pub use window::{Signal, Window};

use super::accepted::Accepted;
use super::chunk::{chunks, MAX_REQUEST_BYTES};
use super::sink::{Call, EntryError, Prepared, Sink};
use futures_util::stream::{FuturesUnordered, StreamExt};
use progress::{Pauses, Progress};
use score_fanout_events::DomainEvent;
use std::time::Duration;
use timeout::CallTimeout;
use tokio::time::Instant;

/// Delivers `events` to `sink` within `invocation`, up to `window` requests at once; one outcome per event, in
/// order. `json_lengths[i]` is the length of event `i`'s JSON document, which the sink sizes its requests by. On a
/// FIFO sink each message group is a lane ([`lanes::Lanes`]): one entry of a group per request, the next only
/// after the previous was delivered. What the sink accepts goes into `accepted`, and what it had accepted before
/// counts as delivered without being sent.
pub async fn deliver<S: Sink>(
    sink: &S,
    events: &[DomainEvent],
    json_lengths: &[usize],
    invocation: &Invocation,
    (window, accepted): (&Window, &Accepted),
) -> SinkOutcome {
    // Only each entry's size and group are kept for the whole batch; the entry itself is built again when its
    // request goes out, instead of being kept or cloned for every retry.
    let prepared: Vec<Prepared<()>> =
        events.iter().enumerate().map(|(i, e)| sink.measure(e, json_lengths[i], i)).collect();
    let already: Vec<bool> = events.iter().map(|event| accepted.contains(&event.meta().event_id)).collect();
    let mut progress = Progress::new(&prepared, &already);
    let mut timeout = CallTimeout::new(&window.warm_start());
    let budget = &invocation.budget;
    let mut first_round = true;
    loop {
        let now = Instant::now();
        if !first_round && now >= budget.stop_at() {
            break;
        }
        first_round = false;
        let requests = requests(&prepared, progress.due(now), sink.max_entries());
        let round = Round { sink, events, invocation, window, accepted };
        round.send(requests, &mut timeout, &mut progress).await;
        match progress.next_due(now) {
            Some(next) if next <= budget.stop_at() => tokio::time::sleep_until(next).await,
            _ => break,
        }
    }
    window.remember(timeout.calls());
    progress.finish(sink.name(), &prepared)
}

/// The due entries as requests within the sink's limits, in order; an entry whose request was refused as a whole
/// goes alone.
fn requests(prepared: &[Prepared<()>], due: Vec<(usize, bool)>, max_entries: usize) -> Vec<Vec<usize>> {
    let (alone, together): (Vec<_>, Vec<_>) = due.into_iter().partition(|&(_, alone)| alone);
    let together = together.into_iter().map(|(i, _)| (i, prepared[i].size));
    let mut requests = chunks(together, max_entries, MAX_REQUEST_BYTES);
    requests.extend(alone.into_iter().map(|(i, _)| vec![i]));
    requests
}

/// One round's sending.
struct Round<'a, S> {
    sink: &'a S,
    events: &'a [DomainEvent],
    invocation: &'a Invocation,
    window: &'a Window,
    accepted: &'a Accepted,
}

impl<S: Sink> Round<'_, S> {
    /// Sends `requests`, keeping as many in flight as the window allows, and settles each answer as it arrives. A
    /// request still unanswered at the budget's cut-off counts as failed. Once the sink throttles or fails whole, the
    /// round's requests not yet sent wait for the next round with the failed ones, instead of being sent into the
    /// same congestion one after the other.
    async fn send(&self, requests: Vec<Vec<usize>>, timeout: &mut CallTimeout, progress: &mut Progress) {
        let mut waiting = requests.into_iter();
        let mut in_flight = FuturesUnordered::new();
        // Entries failing together wait together, so that their retry goes out as one request.
        let mut pauses = Pauses::default();
        let mut congested_round = false;
        loop {
            while in_flight.len() < self.window.size() && !congested_round {
                let Some(request) = waiting.next() else { break };
                in_flight.push(self.call(request, timeout.for_call(&self.invocation.budget)));
            }
            let Some((request, results, took, limit)) = in_flight.next().await else { break };
            let congested = took >= limit || results.iter().any(|r| r.as_ref().is_err_and(is_congestion));
            if took >= limit {
                timeout.ran_out(limit);
            } else {
                timeout.answered(took);
            }
            self.window.observe(if congested { Signal::Congested } else { Signal::Answered { took } });
            for (&index, result) in request.iter().zip(&results) {
                if result.is_ok() {
                    self.accepted.insert(&self.events[index].meta().event_id);
                }
            }
            progress.settle(self.sink.name(), request, results, &mut pauses);
            congested_round |= congested;
        }
        progress.defer(waiting.flatten(), &mut pauses);
    }

    /// One request within `limit`; its results, how long it took, and the limit.
    async fn call(
        &self,
        request: Vec<usize>,
        limit: Duration,
    ) -> (Vec<usize>, Vec<Result<(), EntryError>>, Duration, Duration) {
        let entries = request.iter().map(|&i| self.sink.prepare(&self.events[i], i).entry).collect();
        let call = Call { timeout: limit, trace_header: self.invocation.trace_header.as_deref() };
        let started = Instant::now();
        let sent = tokio::time::timeout_at(self.invocation.budget.cut_off(), self.sink.send(entries, &call)).await;
        let results =
            sent.unwrap_or_else(|_| vec![Err(EntryError::OutOfTime { sink: self.sink.name() }); request.len()]);
        (request, results, started.elapsed(), limit)
    }
}

/// Whether an error says the sink is congested: throttled, or failed whole (5xx, transport).
fn is_congestion(error: &EntryError) -> bool {
    match error {
        EntryError::Failed { code, .. } => code.contains("Throttl"),
        EntryError::Request { .. } | EntryError::OutOfTime { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests;

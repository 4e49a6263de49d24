//! Delivering one invocation's entries to one sink: only failed entries are retried, with exponential
//! backoff and full jitter, within a time budget that keeps the invocation clear of its deadline.

use super::chunk::{chunks, MAX_ENTRIES, MAX_REQUEST_BYTES};
use super::{EntryError, Prepared, Sink};
use crate::domain::DomainEvent;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Requests in flight at once per sink: enough to hide latency, few enough for a 128 MB function.
pub const MAX_IN_FLIGHT: usize = 4;
/// Retrying stops after this long, so that an outage costs bounded time per invocation.
pub const MAX_RETRYING: Duration = Duration::from_secs(10);
/// Time always kept before the deadline, at least: enough to answer and dead-letter poison.
pub const MIN_RESERVE: Duration = Duration::from_secs(1);
const BACKOFF_BASE: Duration = Duration::from_millis(50);
const BACKOFF_CAP: Duration = Duration::from_secs(1);

/// When an invocation stops retrying, and when it abandons requests still in flight.
#[derive(Clone, Copy, Debug)]
pub struct RetryBudget {
    stop_at: Instant,
    cut_off: Instant,
    park_by: Instant,
}

impl RetryBudget {
    /// For an invocation starting now with `time_left` before its deadline: stop when less than
    /// max(1 s, 10% of `time_left`) remains, or after [`MAX_RETRYING`], whichever comes first.
    pub fn new(time_left: Duration) -> Self {
        let reserve = MIN_RESERVE.max(time_left / 10);
        let now = Instant::now();
        Self {
            stop_at: now + time_left.saturating_sub(reserve).min(MAX_RETRYING),
            // Half the reserve stays for dead-lettering and answering, whatever a request in flight does,
            // and a quarter for answering, whatever the dead-letter queue does.
            cut_off: now + time_left.saturating_sub(reserve / 2),
            park_by: now + time_left.saturating_sub(reserve / 4),
        }
    }

    /// For a Lambda deadline given in milliseconds since the Unix epoch (`Lambda-Runtime-Deadline-Ms`).
    pub fn from_deadline_ms(deadline_ms: u64) -> Self {
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_millis());
        let left_ms = u128::from(deadline_ms).saturating_sub(now_ms);
        Self::new(Duration::from_millis(u64::try_from(left_ms).unwrap_or(u64::MAX)))
    }

    /// The instant retrying stops.
    pub fn stop_at(&self) -> Instant {
        self.stop_at
    }

    /// The instant a request still in flight is abandoned (and counts as failed).
    pub fn cut_off(&self) -> Instant {
        self.cut_off
    }

    /// The instant a dead-letter send still in flight is abandoned (its record becomes the checkpoint).
    pub fn park_by(&self) -> Instant {
        self.park_by
    }
}

/// The pause before retry number `tries`: uniformly random up to min(cap, base * 2^(tries - 1)).
pub fn backoff(tries: u32) -> Duration {
    let ceiling = BACKOFF_BASE.saturating_mul(1 << tries.saturating_sub(1).min(16)).min(BACKOFF_CAP);
    ceiling.mul_f64(fastrand::f64())
}

/// What became of each entry of one sink, and how many entries had to be sent again.
#[derive(Debug)]
pub struct Delivered {
    /// One outcome per event, in order.
    pub outcomes: Vec<Result<(), EntryError>>,
    /// Entries sent more than once (each extra send counted).
    pub resent: u64,
}

/// Per entry, what the retry loop needs: small, because a 10,000-record batch has up to 10,000 of them per sink.
#[derive(Clone, Copy, Default)]
struct Attempts {
    sends: u32,
    tries: u32,
    not_before: Option<Instant>,
}

/// Delivers `events` to `sink`; one outcome per event, in order. Entries go out in requests within the sink's
/// limits, several requests at once. On a FIFO sink each message group is a lane: one entry of a group per
/// request, the next only after the previous was delivered, so a group's order is never inverted.
pub async fn deliver<S: Sink>(sink: &S, events: &[DomainEvent], budget: &RetryBudget) -> Delivered {
    let json_lengths: Vec<usize> = events.iter().map(super::json_len).collect();
    deliver_measured(sink, events, &json_lengths, budget).await
}

/// As [`deliver`], with the length of each event's JSON document already known (`json_lengths[i]`).
pub async fn deliver_measured<S: Sink>(
    sink: &S,
    events: &[DomainEvent],
    json_lengths: &[usize],
    budget: &RetryBudget,
) -> Delivered {
    // Only each entry's size and group are kept for the whole batch; the entry itself is built again when its
    // request goes out (instead of cloned). At 10,000 records the SDK's entries took more memory than the records.
    let prepared: Vec<Prepared<()>> =
        events.iter().enumerate().map(|(i, e)| sink.measure(e, json_lengths[i], i)).collect();
    let mut lanes = Lanes::new(&prepared);
    let mut attempts = vec![Attempts::default(); prepared.len()];
    // Errors only for the entries that have one: the last error of an entry still retried, the final one of an
    // entry given up on. Everything not here and not in a lane was delivered.
    let mut errors: HashMap<usize, EntryError> = HashMap::new();
    let mut first_round = true;
    loop {
        let now = Instant::now();
        if !first_round && now >= budget.stop_at {
            break;
        }
        first_round = false;
        let ready: Vec<usize> = lanes.heads().filter(|&i| attempts[i].not_before.is_none_or(|t| t <= now)).collect();
        for &index in &ready {
            attempts[index].sends += 1;
        }
        let requests = chunks(ready.into_iter().map(|i| (i, prepared[i].size)), MAX_ENTRIES, MAX_REQUEST_BYTES);
        let mut responses = futures_util::stream::iter(requests)
            .map(|request| async {
                let entries = request.iter().map(|&i| sink.prepare(&events[i], i).entry).collect();
                let results = match tokio::time::timeout_at(budget.cut_off, sink.send(entries)).await {
                    Ok(results) => results,
                    Err(_) => vec![Err(EntryError::OutOfTime { sink: sink.name() }); request.len()],
                };
                (request, results)
            })
            .buffer_unordered(MAX_IN_FLIGHT);
        // Entries failing together wait together, so that their retry goes out as one request.
        let mut pause_after_tries: HashMap<u32, Duration> = HashMap::new();
        while let Some((request, results)) = responses.next().await {
            let mut results = results.into_iter();
            for index in request {
                let result = results.next().unwrap_or_else(|| {
                    Err(EntryError::Failed {
                        sink: sink.name(),
                        code: "NoResult".into(),
                        message: "the response did not mention the entry".into(),
                    })
                });
                match result {
                    Err(error) if !error.is_permanent() => {
                        let entry = &mut attempts[index];
                        entry.tries += 1;
                        let pause = *pause_after_tries.entry(entry.tries).or_insert_with(|| backoff(entry.tries));
                        entry.not_before = Some(Instant::now() + pause);
                        errors.insert(index, error);
                    }
                    Err(rejected) => {
                        errors.insert(index, rejected);
                        lanes.pop(index);
                    }
                    Ok(()) => {
                        errors.remove(&index);
                        lanes.pop(index);
                    }
                }
            }
        }
        let Some(next) = lanes.heads().map(|i| attempts[i].not_before.unwrap_or(now)).min() else { break };
        if next > budget.stop_at {
            break;
        }
        tokio::time::sleep_until(next).await;
    }
    settle_leftovers(sink.name(), &prepared, &lanes, &mut errors);
    let resent = attempts.iter().map(|a| u64::from(a.sends.saturating_sub(1))).sum();
    let outcomes = (0..prepared.len()).map(|index| errors.remove(&index).map_or(Ok(()), Err)).collect();
    Delivered { outcomes, resent }
}

/// Entries waiting to be delivered, in event order: one lane per message group (FIFO) or per entry (no ordering).
/// Only each lane's head may be sent; the entry behind it goes once the head is delivered or rejected.
struct Lanes {
    /// Whether each entry heads its lane now.
    head: Vec<bool>,
    /// The entry next in line behind each entry of a FIFO lane.
    behind: Vec<Option<u32>>,
}

impl Lanes {
    fn new<E>(prepared: &[Prepared<E>]) -> Self {
        let mut head = vec![true; prepared.len()];
        let mut behind = vec![None; prepared.len()];
        let mut last_of_group: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in prepared.iter().enumerate() {
            if let Some(group) = &entry.group {
                if let Some(last) = last_of_group.insert(group, index) {
                    // Lambda hands over at most 10,000 records: an index always fits.
                    behind[last] = u32::try_from(index).ok();
                    head[index] = false;
                }
            }
        }
        Self { head, behind }
    }

    /// The entry at the front of each lane, in event order: the only ones that may be sent now.
    fn heads(&self) -> impl Iterator<Item = usize> + '_ {
        self.head.iter().enumerate().filter_map(|(index, &head)| head.then_some(index))
    }

    /// Removes a delivered (or rejected) head, letting the next entry of its lane go.
    fn pop(&mut self, index: usize) {
        if std::mem::take(&mut self.head[index]) {
            if let Some(next) = self.behind[index] {
                self.head[next as usize] = true;
            }
        }
    }

    /// The entries waiting behind `index`, in order.
    fn waiting_behind(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        std::iter::successors(self.behind[index].map(|next| next as usize), |&i| self.behind[i].map(|n| n as usize))
    }
}

/// Entries still in a lane when retrying stops: the head keeps its last error; the entries behind it were held back.
fn settle_leftovers<E>(
    sink: &'static str,
    prepared: &[Prepared<E>],
    lanes: &Lanes,
    errors: &mut HashMap<usize, EntryError>,
) {
    for head in lanes.heads() {
        let head_error = errors.remove(&head).unwrap_or(EntryError::OutOfTime { sink });
        let held_back = matches!(head_error, EntryError::OutOfTime { .. }).then_some(head_error.clone());
        errors.insert(head, head_error);
        for index in lanes.waiting_behind(head) {
            let group = prepared[index].group.clone().unwrap_or_default();
            errors.insert(index, held_back.clone().unwrap_or(EntryError::HeldBack { sink, group }));
        }
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;

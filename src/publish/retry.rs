//! Delivering one invocation's entries to one sink: only failed entries are retried, with exponential
//! backoff and full jitter, within a time budget that keeps the invocation clear of its deadline.

use super::chunk::{chunks, MAX_ENTRIES, MAX_REQUEST_BYTES};
use super::{EntryError, Prepared, Sink};
use crate::domain::DomainEvent;
use futures_util::StreamExt;
use std::collections::{HashMap, VecDeque};
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

#[derive(Default)]
struct Attempts {
    sends: u32,
    tries: u32,
    not_before: Option<Instant>,
    last_error: Option<EntryError>,
}

/// Delivers `events` to `sink`; one outcome per event, in order. Entries go out in requests within the sink's
/// limits, several requests at once. On a FIFO sink each message group is a lane: one entry of a group per
/// request, the next only after the previous was delivered, so a group's order is never inverted.
pub async fn deliver<S: Sink>(sink: &S, events: &[DomainEvent], budget: &RetryBudget) -> Delivered {
    let prepared: Vec<Prepared<S::Entry>> = events.iter().enumerate().map(|(i, e)| sink.prepare(e, i)).collect();
    let mut lanes = Lanes::new(&prepared);
    let mut attempts: Vec<Attempts> = prepared.iter().map(|_| Attempts::default()).collect();
    let mut outcomes: Vec<Option<Result<(), EntryError>>> = vec![None; prepared.len()];
    let mut first_round = true;
    loop {
        let now = Instant::now();
        if !first_round && now >= budget.stop_at {
            break;
        }
        first_round = false;
        let mut ready: Vec<usize> =
            lanes.heads().filter(|&i| attempts[i].not_before.is_none_or(|t| t <= now)).collect();
        ready.sort_unstable();
        for &index in &ready {
            attempts[index].sends += 1;
        }
        let requests = chunks(ready.into_iter().map(|i| (i, prepared[i].size)), MAX_ENTRIES, MAX_REQUEST_BYTES);
        let mut responses = futures_util::stream::iter(requests)
            .map(|request| async {
                let entries = request.iter().map(|&i| prepared[i].entry.clone()).collect();
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
                        entry.last_error = Some(error);
                    }
                    done => {
                        outcomes[index] = Some(done);
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
    settle_leftovers(sink.name(), &prepared, lanes, &mut attempts, &mut outcomes);
    let resent = attempts.iter().map(|a| u64::from(a.sends.saturating_sub(1))).sum();
    let outcomes =
        outcomes.into_iter().map(|o| o.unwrap_or(Err(EntryError::OutOfTime { sink: sink.name() }))).collect();
    Delivered { outcomes, resent }
}

/// Entries waiting to be delivered: one lane per message group (FIFO) or per entry (no ordering), in event order.
struct Lanes {
    queues: Vec<VecDeque<usize>>,
    lane_of: Vec<usize>,
}

impl Lanes {
    fn new<E>(prepared: &[Prepared<E>]) -> Self {
        let mut queues: Vec<VecDeque<usize>> = Vec::new();
        let mut lane_of = Vec::with_capacity(prepared.len());
        let mut lane_of_group: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in prepared.iter().enumerate() {
            let lane = match &entry.group {
                Some(group) => *lane_of_group.entry(group).or_insert_with(|| {
                    queues.push(VecDeque::new());
                    queues.len() - 1
                }),
                None => {
                    queues.push(VecDeque::new());
                    queues.len() - 1
                }
            };
            queues[lane].push_back(index);
            lane_of.push(lane);
        }
        Self { queues, lane_of }
    }

    /// The entry at the front of each lane: the only ones that may be sent now.
    fn heads(&self) -> impl Iterator<Item = usize> + '_ {
        self.queues.iter().filter_map(|lane| lane.front().copied())
    }

    /// Removes a delivered (or rejected) head, letting the next entry of its lane go.
    fn pop(&mut self, index: usize) {
        let lane = &mut self.queues[self.lane_of[index]];
        if lane.front() == Some(&index) {
            lane.pop_front();
        }
    }
}

/// Entries still in a lane when retrying stops: the head keeps its last error; the entries behind it were held back.
fn settle_leftovers<E>(
    sink: &'static str,
    prepared: &[Prepared<E>],
    lanes: Lanes,
    attempts: &mut [Attempts],
    outcomes: &mut [Option<Result<(), EntryError>>],
) {
    for lane in lanes.queues {
        let mut lane = lane.into_iter();
        let Some(head) = lane.next() else { continue };
        let head_error = attempts[head].last_error.take().unwrap_or(EntryError::OutOfTime { sink });
        let held_back = matches!(head_error, EntryError::OutOfTime { .. }).then_some(head_error.clone());
        outcomes[head] = Some(Err(head_error));
        for index in lane {
            let group = prepared[index].group.clone().unwrap_or_default();
            outcomes[index] = Some(Err(held_back.clone().unwrap_or(EntryError::HeldBack { sink, group })));
        }
    }
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;

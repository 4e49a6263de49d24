//! Where delivery to one sink stands: the lanes still waiting, each entry's attempts, and the errors of the entries
//! that have one (the last error of an entry still retried, the final one of an entry given up on). Everything
//! neither in the errors nor in a lane was delivered.

use super::budget::backoff;
use super::lanes::Lanes;
use crate::publish::sink::{EntryError, Prepared};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// What became of each entry of one sink, how many entries had to be sent again, and how many were not sent because
/// the sink had accepted them before.
#[derive(Debug)]
pub struct SinkOutcome {
    /// One outcome per event, in order.
    pub outcomes: Vec<Result<(), EntryError>>,
    /// Entries sent more than once (each extra send counted).
    pub resent: u64,
    /// Entries the sink accepted in an earlier invocation of this environment: delivered, not sent again.
    pub already_accepted: u64,
}

/// One round's pause per number of tries so far.
#[derive(Default)]
pub(super) struct Pauses(HashMap<u32, Duration>);

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
    /// Its request was refused as a whole: it goes alone from now on.
    alone: bool,
}

pub(super) struct Progress {
    lanes: Lanes,
    already_accepted: u64,
    attempts: Vec<Attempts>,
    errors: HashMap<usize, EntryError>,
}

impl Progress {
    /// Every entry waiting, but those `already` accepted by the sink.
    pub(super) fn new(prepared: &[Prepared<()>], already: &[bool]) -> Self {
        Self {
            lanes: Lanes::new(prepared, already),
            already_accepted: already.iter().filter(|&&accepted| accepted).count() as u64,
            attempts: vec![Attempts::default(); prepared.len()],
            errors: HashMap::new(),
        }
    }

    /// The entries to send now, each with whether it goes alone: lane heads whose backoff has passed, each counted
    /// as sent.
    pub(super) fn due(&mut self, now: Instant) -> Vec<(usize, bool)> {
        let attempts = &self.attempts;
        let due: Vec<usize> = self.lanes.heads().filter(|&i| attempts[i].not_before.is_none_or(|t| t <= now)).collect();
        due.into_iter()
            .map(|index| {
                self.attempts[index].sends += 1;
                (index, self.attempts[index].alone)
            })
            .collect()
    }

    /// Settles one request's answers: a delivered or rejected entry leaves its lane, a failed one waits its backoff,
    /// one whose request was refused as a whole goes alone in the next round.
    pub(super) fn settle(
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
                Err(EntryError::Failed { sink, code: "NoResult".into(), message, request_id: None })
            });
            match result {
                Err(error @ EntryError::Isolate { .. }) => {
                    let entry = &mut self.attempts[index];
                    (entry.alone, entry.not_before) = (true, None);
                    self.errors.insert(index, error);
                }
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

    /// Entries of a round that were due but not sent (the sink was congested): not counted as sent, they wait the
    /// round's first pause.
    pub(super) fn defer(&mut self, unsent: impl Iterator<Item = usize>, pauses: &mut Pauses) {
        let not_before = Instant::now() + pauses.after(1);
        for index in unsent {
            let entry = &mut self.attempts[index];
            entry.sends = entry.sends.saturating_sub(1);
            entry.not_before = Some(entry.not_before.map_or(not_before, |t| t.max(not_before)));
        }
    }

    /// When the next entry is due, if any entry is still waiting.
    pub(super) fn next_due(&self, now: Instant) -> Option<Instant> {
        self.lanes.heads().map(|i| self.attempts[i].not_before.unwrap_or(now)).min()
    }

    /// The outcome once retrying stops: a lane's head keeps its last error, the entries behind it were held back.
    pub(super) fn finish<E>(mut self, sink: &'static str, prepared: &[Prepared<E>]) -> SinkOutcome {
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
        SinkOutcome { outcomes, resent, already_accepted: self.already_accepted }
    }
}

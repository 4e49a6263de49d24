//! One invocation's records as decoded and as delivered: what to publish, what is poison, the earliest record not
//! delivered, and the tally its metrics are counted from.

use crate::decode::{decode, sequence_number_of};
use crate::domain::DomainEvent;
use crate::logging::log_change;
use crate::metrics::Tally;
use crate::publish::{describe, BatchOutcome, Delivery};
use serde_json::value::RawValue;
use tracing::{debug, error, warn};

/// A record that can never be delivered, and why.
pub(super) struct Poison {
    pub(super) index: usize,
    pub(super) sequence_number: Option<String>,
    pub(super) event: Option<DomainEvent>,
    pub(super) error: String,
}

/// One invocation's records as decoded, and the earliest one not yet delivered.
///
/// A record's sequence number is read again from the record when one is needed (a checkpoint, a poison record, a
/// debug line) rather than kept for every record.
pub(super) struct Batch {
    /// Events to publish ...
    pub(super) events: Vec<DomainEvent>,
    /// ... and the index of each one's record.
    pub(super) event_records: Vec<usize>,
    pub(super) poison: Vec<Poison>,
    pub(super) earliest_failed: Option<usize>,
    /// Records not delivered to every sink (Lambda retries from the first of them).
    pub(super) failed: u64,
    pub(super) dead_lettered: u64,
    records: usize,
    oldest_record_age_ms: Option<u64>,
}

impl Batch {
    /// Decodes every record on its own, logging each the demo's way.
    pub(super) fn decode(records: &[Box<RawValue>]) -> Self {
        let mut batch = Self {
            events: Vec::with_capacity(records.len()),
            event_records: Vec::with_capacity(records.len()),
            poison: Vec::new(),
            earliest_failed: None,
            failed: 0,
            dead_lettered: 0,
            records: records.len(),
            oldest_record_age_ms: None,
        };
        let mut oldest: Option<chrono::DateTime<chrono::Utc>> = None;
        for (index, raw) in records.iter().enumerate() {
            match decode(raw) {
                Ok(decoded) => {
                    debug!(sequence_number = %decoded.sequence_number, record = raw.get(), "stream record");
                    log_change(&decoded);
                    oldest = Some(oldest.map_or(decoded.created, |o| o.min(decoded.created)));
                    if let Some(event) = decoded.event {
                        batch.events.push(event);
                        batch.event_records.push(index);
                    }
                }
                Err(error) => {
                    let sequence_number = error.record().0.clone();
                    error!(sequence_number, error = %error, "poison record: cannot decode");
                    batch.poison.push(Poison { index, sequence_number, event: None, error: error.to_string() });
                }
            }
        }
        let age = oldest.map(|created| chrono::Utc::now().signed_duration_since(created).num_milliseconds().max(0));
        batch.oldest_record_age_ms = age.map(|ms| ms as u64);
        batch
    }

    /// Takes in what publishing came to: undelivered events move the checkpoint, rejected ones become poison.
    /// Returns how many events were delivered to every sink.
    pub(super) fn settle(&mut self, outcome: &BatchOutcome, records: &[Box<RawValue>]) -> usize {
        let (mut published, mut first_error, mut outage) = (0, None::<String>, None::<String>);
        for (position, delivery) in outcome.deliveries.iter().enumerate() {
            let (index, event) = (self.event_records[position], &self.events[position]);
            let sequence_number = || sequence_number_of(&records[index]);
            match delivery {
                Delivery::Delivered => {
                    published += 1;
                    debug!(sequence_number = sequence_number(), event = event.name(), event_id = %event.meta().event_id, "published");
                }
                Delivery::Failed(errors) => {
                    debug!(sequence_number = sequence_number(), event = event.name(), error = %describe(errors), "not delivered");
                    first_error.get_or_insert_with(|| describe(errors));
                    if let Some(refusal) = errors.iter().find(|error| error.is_outage()) {
                        outage.get_or_insert_with(|| refusal.to_string());
                    }
                    self.fail(index);
                }
                Delivery::Rejected(errors) => {
                    let (error, sequence_number) = (describe(errors), sequence_number());
                    error!(sequence_number, event = event.name(), error = %error, "poison event: a sink rejected it for good");
                    self.poison.push(Poison { index, sequence_number, event: Some(event.clone()), error });
                }
            }
        }
        if let Some(error) = first_error {
            let (undelivered, checkpoint) = (self.failed, self.checkpoint(records));
            warn!(undelivered, checkpoint, error = %error, "events not delivered to every sink: Lambda retries from the checkpoint");
            if let Some(error) = outage {
                error!(checkpoint = self.checkpoint(records), error = %error,
                    "configuration outage: a sink refuses the function (permissions, KMS or credentials); nothing is parked, the shard holds until the stack is fixed");
            }
        }
        self.poison.sort_by_key(|poison| poison.index);
        published
    }

    /// Marks the record at `index` as not delivered.
    pub(super) fn fail(&mut self, index: usize) {
        self.failed += 1;
        self.earliest_failed = Some(self.earliest_failed.map_or(index, |earliest| earliest.min(index)));
    }

    /// The sequence number Lambda must retry from, if any.
    pub(super) fn checkpoint(&self, records: &[Box<RawValue>]) -> Option<String> {
        self.earliest_failed.and_then(|index| sequence_number_of(&records[index]))
    }

    /// What the invocation's metrics are counted from.
    pub(super) fn tally(&self) -> Tally<'_> {
        Tally {
            records: self.records as u64,
            events: &self.events,
            failed: self.failed,
            dead_lettered: self.dead_lettered,
            oldest_record_age_ms: self.oldest_record_age_ms,
        }
    }
}

//! One invocation's records as decoded and as delivered: the events to publish with each one's record, what is
//! poison, the earliest record not delivered, and the tally. Each record is parsed once, in [`Batch::decode`].

use super::demo_lines::log_change;
use crate::dead_letter::Poison;
use crate::decode::decode;
use crate::metrics::Tally;
use crate::publish::{describe, sink_variable, BatchOutcome, Delivery};
use score_fanout_events::DomainEvent;
use serde_json::value::RawValue;
use tracing::{debug, error, warn};

/// The record an event came from: its index in the batch and its sequence number.
struct Origin {
    index: usize,
    sequence_number: String,
}

/// One invocation's records as decoded, and what became of them.
pub(super) struct Batch {
    /// Events to publish, in record order ...
    pub(super) events: Vec<DomainEvent>,
    /// ... and each one's record.
    origins: Vec<Origin>,
    /// Records that can never be delivered, in record order.
    pub(super) poison: Vec<Poison>,
    /// The earliest record not delivered to every sink: its index and sequence number.
    earliest_held: Option<(usize, String)>,
    pub(super) tally: Tally,
}

impl Batch {
    /// Decodes every record on its own, logging each the demo's way.
    pub(super) fn decode(records: &[Box<RawValue>]) -> Self {
        let mut batch = Self {
            events: Vec::with_capacity(records.len()),
            origins: Vec::with_capacity(records.len()),
            poison: Vec::new(),
            earliest_held: None,
            tally: Tally { records: records.len() as u64, ..Tally::default() },
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
                        batch.origins.push(Origin { index, sequence_number: decoded.sequence_number });
                    }
                }
                Err(error) => {
                    let sequence_number = error.record().0.clone();
                    error!(sequence_number, error = %error, "poison record: cannot decode");
                    let error = error.to_string();
                    batch.poison.push(Poison { index, sequence_number, event: None, error, refused_by: Vec::new() });
                }
            }
        }
        batch.tally.events = batch.events.len() as u64;
        let age = oldest.map(|created| chrono::Utc::now().signed_duration_since(created).num_milliseconds().max(0));
        batch.tally.oldest_record_age_ms = age.map(|ms| ms as u64);
        batch
    }

    /// Takes in what publishing came to: undelivered events move the checkpoint, rejected ones become poison.
    /// Returns how many events were delivered to every sink.
    pub(super) fn settle(&mut self, outcome: &BatchOutcome) -> usize {
        let (mut published, mut first_error, mut outage) = (0, None::<String>, None::<String>);
        for (position, delivery) in outcome.deliveries.iter().enumerate() {
            let (origin, event) = (&self.origins[position], &self.events[position]);
            let sequence_number = origin.sequence_number.as_str();
            match delivery {
                Delivery::Delivered => {
                    published += 1;
                    debug!(sequence_number, event = event.name(), event_id = %event.meta().event_id, "published");
                }
                Delivery::Failed(errors) => {
                    debug!(sequence_number, event = event.name(), error = %describe(errors), "not delivered");
                    first_error.get_or_insert_with(|| describe(errors));
                    if let Some(refusal) = errors.iter().find(|error| error.is_outage()) {
                        outage.get_or_insert_with(|| refusal.to_string());
                    }
                    let (index, sequence_number) = (origin.index, origin.sequence_number.clone());
                    self.hold(index, sequence_number);
                }
                Delivery::Rejected(errors) => {
                    let error = describe(errors);
                    error!(sequence_number, event = event.name(), error = %error, "poison event: a sink rejected it for good");
                    let sequence_number = Some(origin.sequence_number.clone());
                    let mut refused_by: Vec<&'static str> =
                        errors.iter().filter_map(|e| sink_variable(e.sink())).collect();
                    refused_by.dedup();
                    let event = Some(event.clone());
                    self.poison.push(Poison { index: origin.index, sequence_number, event, error, refused_by });
                }
            }
        }
        self.tally.count_deliveries(&self.events, outcome);
        if let Some(error) = first_error {
            let (undelivered, checkpoint) = (self.tally.held, self.checkpoint());
            warn!(undelivered, checkpoint, error = %error, "events not delivered to every sink: Lambda retries from the checkpoint");
            if let Some(error) = outage {
                error!(checkpoint, error = %error,
                    "configuration outage: a sink refuses the function (permissions, KMS or credentials); nothing is parked, the shard holds until the stack is fixed");
            }
        }
        self.poison.sort_by_key(|poison| poison.index);
        published
    }

    /// Marks the record at `index` as not delivered: Lambda hands it back, from the earliest such record on.
    pub(super) fn hold(&mut self, index: usize, sequence_number: String) {
        self.tally.held += 1;
        if self.earliest_held.as_ref().is_none_or(|(earliest, _)| index < *earliest) {
            self.earliest_held = Some((index, sequence_number));
        }
    }

    /// Whether the record at `index` comes after the checkpoint, so that Lambda hands it back anyway.
    pub(super) fn after_checkpoint(&self, index: usize) -> bool {
        self.earliest_held.as_ref().is_some_and(|(earliest, _)| index > *earliest)
    }

    /// The sequence number Lambda must retry from, if any.
    pub(super) fn checkpoint(&self) -> Option<&str> {
        self.earliest_held.as_ref().map(|(_, sequence_number)| sequence_number.as_str())
    }

    /// The checkpoint's index in the batch, if any.
    pub(super) fn checkpoint_index(&self) -> Option<usize> {
        self.earliest_held.as_ref().map(|(index, _)| *index)
    }

    /// The tally, with the events Lambda will not hand back counted.
    pub(super) fn into_tally(self) -> Tally {
        let checkpoint = self.checkpoint_index().unwrap_or(usize::MAX);
        let settled = self.origins.iter().filter(|origin| origin.index < checkpoint).count();
        Tally { settled_events: settled as u64, ..self.tally }
    }
}

//! One invocation's records as decoded: what to publish, what is poison, and the earliest undelivered record.

use crate::decode::{decode, sequence_number_of};
use crate::domain::DomainEvent;
use crate::logging::log_change;
use crate::metrics::BatchMetrics;
use serde_json::value::RawValue;
use std::borrow::Borrow;
use tracing::{debug, error};

/// A record that can never be delivered, and why.
pub(super) struct Poison {
    pub(super) index: usize,
    pub(super) sequence_number: Option<String>,
    pub(super) event: Option<DomainEvent>,
    pub(super) error: String,
}

/// One invocation's records as decoded, and the earliest one not yet delivered.
///
/// Sized for events of 10,000 records: the events and the indexes of their records are kept apart from the start
/// at their final capacity (pairs unzipped for the publisher, grown by doubling, were a second copy of every event
/// at the peak), and a record's sequence number is read again from the record when one is needed (a checkpoint, a
/// poison record, a debug line) rather than kept for all of them.
pub(super) struct Batch {
    /// Events to publish ...
    pub(super) events: Vec<DomainEvent>,
    /// ... and the index of each one's record.
    pub(super) event_records: Vec<usize>,
    pub(super) poison: Vec<Poison>,
    pub(super) earliest_failed: Option<usize>,
    pub(super) metrics: BatchMetrics,
}

impl Batch {
    /// Decodes every record on its own, logging each the demo's way.
    pub(super) fn decode<R: Borrow<RawValue>>(records: &[R]) -> Self {
        let metrics = BatchMetrics { records_received: records.len() as u64, ..BatchMetrics::default() };
        let mut batch = Self {
            events: Vec::with_capacity(records.len()),
            event_records: Vec::with_capacity(records.len()),
            poison: Vec::new(),
            earliest_failed: None,
            metrics,
        };
        let mut oldest: Option<chrono::DateTime<chrono::Utc>> = None;
        for (index, raw) in records.iter().map(Borrow::borrow).enumerate() {
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
        batch.metrics.oldest_record_age_ms = age.map(|ms| ms as u64);
        batch
    }

    /// Marks the record at `index` as not delivered.
    pub(super) fn fail(&mut self, index: usize) {
        self.earliest_failed = Some(self.earliest_failed.map_or(index, |earliest| earliest.min(index)));
    }

    /// The sequence number Lambda must retry from, if any.
    pub(super) fn checkpoint<R: Borrow<RawValue>>(&self, records: &[R]) -> Option<String> {
        self.earliest_failed.and_then(|index| sequence_number_of(records[index].borrow()))
    }
}

//! DRY_RUN's stand-ins, chosen at the wiring in place of the sinks and the dead-letter queue: nothing is sent
//! anywhere; each event is logged instead of published, and poison, as the contract says, is logged and skipped.

use crate::dead_letter::{DeadLetter, DeadLetterError, Parked, Poison};
use crate::publish::{BatchOutcome, Delivery, Invocation, Publish};
use score_fanout_events::DomainEvent;
use serde_json::value::RawValue;
use std::future::{ready, Future};
use tracing::{info, warn};

/// Logs each event it would publish, with its JSON; every event counts as delivered to no sink.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogEachEvent;

impl Publish for LogEachEvent {
    fn publish(&self, events: &[DomainEvent], _invocation: &Invocation) -> impl Future<Output = BatchOutcome> + Send {
        for event in events {
            info!(event = event.name(), event_id = %event.meta().event_id, detail = %crate::sqs_text::to_json(event), "DRY_RUN: would publish {}", event.name());
        }
        ready(BatchOutcome { deliveries: vec![Delivery::Delivered; events.len()], ..BatchOutcome::default() })
    }
}

/// Logs each poison record and keeps it nowhere: the shard moves on.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogEachPoison;

impl DeadLetter for LogEachPoison {
    fn park(
        &self,
        poison: &Poison,
        _record: &RawValue,
    ) -> impl Future<Output = Result<Parked, DeadLetterError>> + Send {
        warn!(sequence_number = poison.sequence_number.as_deref(), error = %poison.error, "DRY_RUN: poison skipped, nothing dead-lettered");
        ready(Ok(Parked::Skipped))
    }
}

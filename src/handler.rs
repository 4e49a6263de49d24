//! One invocation: decode every record, publish the events, park poison, and name the checkpoint.

use crate::dead_letter::{self, DeadLetter};
use crate::decode::decode;
use crate::domain::DomainEvent;
use crate::logging::log_change;
use crate::publish::{describe, Delivery, Publish, RetryBudget};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::Deserialize;
use serde_json::value::RawValue;
use tracing::{debug, error, info, warn};

/// The Lambda event with its records kept raw: one malformed record fails alone, and poison reaches the
/// dead-letter queue byte for byte as received.
#[derive(Debug, Default, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<Box<RawValue>>,
}

/// A record that can never be delivered, and why.
struct Poison {
    index: usize,
    sequence_number: Option<String>,
    event: Option<DomainEvent>,
    error: String,
}

/// The batch logic, over any publisher and dead-letter queue.
pub struct Handler<P, D> {
    publisher: P,
    dead_letter: Option<D>,
    dry_run: bool,
}

impl<P: Publish, D: DeadLetter> Handler<P, D> {
    /// A handler publishing through `publisher`; `dry_run` sends nothing anywhere and logs each event instead.
    pub fn new(publisher: P, dead_letter: Option<D>, dry_run: bool) -> Self {
        Self { publisher, dead_letter, dry_run }
    }

    /// Handles one event. The response names the earliest record not delivered to every sink, if any.
    pub async fn handle(&self, event: &StreamEvent, budget: &RetryBudget) -> DynamoDbEventResponse {
        let mut sequence_numbers = Vec::with_capacity(event.records.len());
        let mut indexed_events = Vec::new();
        let mut poison = Vec::new();
        for (index, raw) in event.records.iter().enumerate() {
            match decode(raw) {
                Ok(decoded) => {
                    debug!(sequence_number = %decoded.sequence_number, record = raw.get(), "stream record");
                    log_change(&decoded);
                    sequence_numbers.push(Some(decoded.sequence_number));
                    indexed_events.extend(decoded.event.map(|event| (index, event)));
                }
                Err(error) => {
                    error!(sequence_number = error.record().0.as_deref(), error = %error, "poison record: cannot decode");
                    sequence_numbers.push(error.record().0.clone());
                    poison.push(Poison {
                        index,
                        sequence_number: error.record().0.clone(),
                        event: None,
                        error: error.to_string(),
                    });
                }
            }
        }
        if self.dry_run {
            log_dry_run(&indexed_events, &poison);
            return response(None);
        }
        let (indexes, events): (Vec<usize>, Vec<DomainEvent>) = indexed_events.into_iter().unzip();
        let deliveries = self.publisher.publish(&events, budget).await;
        let mut earliest_failed: Option<usize> = None;
        let mut published = 0;
        for ((index, event), delivery) in indexes.into_iter().zip(events).zip(deliveries) {
            let sequence_number = sequence_numbers[index].as_deref();
            match delivery {
                Delivery::Delivered => {
                    published += 1;
                    debug!(sequence_number, event = event.name(), event_id = %event.meta().event_id, "published");
                }
                Delivery::Failed(errors) => {
                    warn!(sequence_number, event = event.name(), error = %describe(&errors), "not delivered to every sink: will be retried");
                    earliest_failed = Some(earliest_failed.map_or(index, |earliest| earliest.min(index)));
                }
                Delivery::Rejected(errors) => {
                    let error = describe(&errors);
                    error!(sequence_number, event = event.name(), error = %error, "poison event: a sink rejected it for good");
                    poison.push(Poison {
                        index,
                        sequence_number: sequence_number.map(str::to_owned),
                        event: Some(event),
                        error,
                    });
                }
            }
        }
        poison.sort_by_key(|poison| poison.index);
        let poison_count = poison.len();
        for poison in poison {
            // Records after the checkpoint come back on the retry: park them then, not twice.
            if earliest_failed.is_some_and(|earliest| poison.index > earliest) {
                continue;
            }
            if !self.park(&poison, &event.records[poison.index]).await {
                earliest_failed = Some(earliest_failed.map_or(poison.index, |earliest| earliest.min(poison.index)));
            }
        }
        let checkpoint = earliest_failed.and_then(|index| sequence_numbers[index].clone());
        info!(
            records = event.records.len(),
            published,
            poison = poison_count,
            checkpoint = checkpoint.as_deref(),
            "batch done"
        );
        response(checkpoint)
    }

    /// Parks poison in the dead-letter queue. False when the record must hold its shard instead.
    async fn park(&self, poison: &Poison, raw: &RawValue) -> bool {
        let sequence_number = poison.sequence_number.as_deref();
        let Some(dead_letter) = &self.dead_letter else {
            if sequence_number.is_none() {
                error!(error = %poison.error, "skipped: a record without SequenceNumber cannot be checkpointed and no DEAD_LETTER_QUEUE_URL is set");
                return true;
            }
            error!(sequence_number, error = %poison.error, "poison holds its shard: no DEAD_LETTER_QUEUE_URL is set");
            return false;
        };
        let body = dead_letter::message(raw, poison.event.as_ref(), &poison.error);
        match dead_letter.send(body).await {
            Ok(()) => {
                warn!(sequence_number, error = %poison.error, "dead-lettered");
                true
            }
            Err(error) if sequence_number.is_none() => {
                error!(error = %error, poison = %poison.error, "lost: a record without SequenceNumber could not be dead-lettered");
                true
            }
            Err(error) => {
                warn!(sequence_number, error = %error, "dead-letter queue unavailable: will be retried");
                false
            }
        }
    }
}

fn log_dry_run(events: &[(usize, DomainEvent)], poison: &[Poison]) {
    for (_, event) in events {
        info!(event = event.name(), event_id = %event.meta().event_id, detail = %event.to_json(), "DRY_RUN: would publish {}", event.name());
    }
    for poison in poison {
        warn!(sequence_number = poison.sequence_number.as_deref(), error = %poison.error, "DRY_RUN: poison skipped, nothing dead-lettered");
    }
}

fn response(checkpoint: Option<String>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    if let Some(sequence_number) = checkpoint {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some(sequence_number);
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(test)]
#[path = "handler_tests.rs"]
mod tests;

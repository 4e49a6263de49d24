//! One invocation: decode every record, publish the events, park poison, and name the checkpoint.

use crate::dead_letter::{self, DeadLetter, DeadLetterError};
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

/// One invocation's records as decoded, and the earliest one not yet delivered.
struct Batch {
    sequence_numbers: Vec<Option<String>>,
    /// Events to publish, with the index of their record.
    events: Vec<(usize, DomainEvent)>,
    poison: Vec<Poison>,
    earliest_failed: Option<usize>,
}

impl Batch {
    /// Decodes every record on its own, logging each the demo's way.
    fn decode(records: &[Box<RawValue>]) -> Self {
        let mut batch = Self {
            sequence_numbers: Vec::with_capacity(records.len()),
            events: Vec::new(),
            poison: Vec::new(),
            earliest_failed: None,
        };
        for (index, raw) in records.iter().enumerate() {
            match decode(raw) {
                Ok(decoded) => {
                    debug!(sequence_number = %decoded.sequence_number, record = raw.get(), "stream record");
                    log_change(&decoded);
                    batch.sequence_numbers.push(Some(decoded.sequence_number));
                    batch.events.extend(decoded.event.map(|event| (index, event)));
                }
                Err(error) => {
                    let sequence_number = error.record().0.clone();
                    error!(sequence_number, error = %error, "poison record: cannot decode");
                    batch.sequence_numbers.push(sequence_number.clone());
                    batch.poison.push(Poison { index, sequence_number, event: None, error: error.to_string() });
                }
            }
        }
        batch
    }

    /// Marks the record at `index` as not delivered.
    fn fail(&mut self, index: usize) {
        self.earliest_failed = Some(self.earliest_failed.map_or(index, |earliest| earliest.min(index)));
    }

    /// The sequence number Lambda must retry from, if any.
    fn checkpoint(&self) -> Option<&str> {
        self.earliest_failed.and_then(|index| self.sequence_numbers[index].as_deref())
    }
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
        let mut batch = Batch::decode(&event.records);
        if self.dry_run {
            log_dry_run(&batch.events, &batch.poison);
            return response(None);
        }
        let published = self.publish(&mut batch, budget).await;
        let poison = std::mem::take(&mut batch.poison);
        let poison_count = poison.len();
        for poison in poison {
            // Records after the checkpoint come back on the retry: park them then, not twice.
            if batch.earliest_failed.is_some_and(|earliest| poison.index > earliest) {
                continue;
            }
            if !self.park(&poison, &event.records[poison.index], budget).await {
                batch.fail(poison.index);
            }
        }
        let checkpoint = batch.checkpoint();
        info!(records = event.records.len(), published, poison = poison_count, checkpoint, "batch done");
        response(checkpoint.map(str::to_owned))
    }

    /// Publishes the batch's events; undelivered ones move the checkpoint, rejected ones become poison.
    /// Returns how many were delivered to every sink.
    async fn publish(&self, batch: &mut Batch, budget: &RetryBudget) -> usize {
        let (indexes, events): (Vec<usize>, Vec<DomainEvent>) = std::mem::take(&mut batch.events).into_iter().unzip();
        let deliveries = self.publisher.publish(&events, budget).await;
        let (mut published, mut undelivered, mut first_error) = (0, 0, None::<String>);
        for ((index, event), delivery) in indexes.into_iter().zip(events).zip(deliveries) {
            let sequence_number = batch.sequence_numbers[index].clone();
            match delivery {
                Delivery::Delivered => {
                    published += 1;
                    debug!(sequence_number, event = event.name(), event_id = %event.meta().event_id, "published");
                }
                Delivery::Failed(errors) => {
                    debug!(sequence_number, event = event.name(), error = %describe(&errors), "not delivered");
                    undelivered += 1;
                    first_error.get_or_insert_with(|| describe(&errors));
                    batch.fail(index);
                }
                Delivery::Rejected(errors) => {
                    let error = describe(&errors);
                    error!(sequence_number, event = event.name(), error = %error, "poison event: a sink rejected it for good");
                    batch.poison.push(Poison { index, sequence_number, event: Some(event), error });
                }
            }
        }
        if let Some(error) = first_error {
            let checkpoint = batch.checkpoint();
            warn!(undelivered, checkpoint, error = %error, "events not delivered to every sink: Lambda retries from the checkpoint");
        }
        batch.poison.sort_by_key(|poison| poison.index);
        published
    }

    /// Parks poison in the dead-letter queue. False when the record must hold its shard instead.
    async fn park(&self, poison: &Poison, raw: &RawValue, budget: &RetryBudget) -> bool {
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
        let sent = tokio::time::timeout_at(budget.park_by(), dead_letter.send(body)).await;
        match sent.unwrap_or_else(|_| Err(DeadLetterError::out_of_time())) {
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

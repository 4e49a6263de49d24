//! One invocation: decode every record, publish the events, park poison, and name the checkpoint.

use crate::dead_letter::{self, DeadLetter, DeadLetterError};
use crate::decode::sequence_number_of;
use crate::domain::DomainEvent;
use crate::metrics::{BatchMetrics, MetricsOutput};
use crate::publish::{describe, Delivery, Publish, RetryBudget};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Borrow;
use tracing::{debug, error, info, warn};

mod batch;
use batch::{Batch, Poison};

/// The Lambda event with its records kept raw: one malformed record fails alone, and poison reaches the
/// dead-letter queue byte for byte as received.
#[derive(Debug, Default, Deserialize)]
pub struct StreamEvent {
    #[serde(rename = "Records", default)]
    pub records: Vec<Box<RawValue>>,
}

/// The same event's records borrowed from its text. The function receives the event as one block and reads the
/// records out of it in place: one large allocation, returned to the system when the invocation ends, instead of
/// ten thousand small ones that fragment the heap (docs/performance.md, memory).
#[derive(Debug, Default, Deserialize)]
pub struct StreamRecords<'a> {
    #[serde(rename = "Records", default, borrow)]
    pub records: Vec<&'a RawValue>,
}

/// The batch logic, over any publisher and dead-letter queue.
pub struct Handler<P, D> {
    publisher: P,
    dead_letter: Option<D>,
    dry_run: bool,
    metrics: Option<MetricsOutput>,
}

impl<P: Publish, D: DeadLetter> Handler<P, D> {
    /// A handler publishing through `publisher`; `dry_run` sends nothing anywhere and logs each event instead.
    pub fn new(publisher: P, dead_letter: Option<D>, dry_run: bool) -> Self {
        Self { publisher, dead_letter, dry_run, metrics: None }
    }

    /// Writes each invocation's CloudWatch Embedded Metric Format document to `output`.
    pub fn with_metrics(mut self, output: MetricsOutput) -> Self {
        self.metrics = Some(output);
        self
    }

    fn emit(&self, metrics: &BatchMetrics) {
        if let Some(output) = &self.metrics {
            let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
            output(&metrics.document(now_ms));
        }
    }

    /// Handles one event. The response names the earliest record not delivered to every sink, if any.
    pub async fn handle(&self, event: &StreamEvent, budget: &RetryBudget) -> DynamoDbEventResponse {
        self.handle_records(&event.records, budget).await
    }

    /// Handles one event's records, owned or borrowed ([`StreamRecords`]).
    pub async fn handle_records<R: Borrow<RawValue>>(
        &self,
        records: &[R],
        budget: &RetryBudget,
    ) -> DynamoDbEventResponse {
        let mut batch = Batch::decode(records);
        if self.dry_run {
            log_dry_run(&batch.events, &batch.poison);
            self.emit(&batch.metrics);
            return response(None);
        }
        let published = self.publish(&mut batch, records, budget).await;
        let poison = std::mem::take(&mut batch.poison);
        let poison_count = poison.len();
        for poison in poison {
            // Records after the checkpoint come back on the retry: park them then, not twice.
            if batch.earliest_failed.is_some_and(|earliest| poison.index > earliest) {
                continue;
            }
            match self.park(&poison, records[poison.index].borrow(), budget).await {
                Parked::Yes => batch.metrics.records_dead_lettered += 1,
                Parked::Skipped => {}
                Parked::No => {
                    batch.metrics.records_failed += 1;
                    batch.fail(poison.index);
                }
            }
        }
        let checkpoint = batch.checkpoint(records);
        info!(records = records.len(), published, poison = poison_count, checkpoint, "batch done");
        self.emit(&batch.metrics);
        response(checkpoint)
    }

    /// Publishes the batch's events; undelivered ones move the checkpoint, rejected ones become poison.
    /// Returns how many were delivered to every sink.
    async fn publish<R: Borrow<RawValue>>(&self, batch: &mut Batch, records: &[R], budget: &RetryBudget) -> usize {
        let (events, indexes) = (std::mem::take(&mut batch.events), std::mem::take(&mut batch.event_records));
        let outcome = self.publisher.publish(&events, budget).await;
        batch.metrics.entries_retried = outcome.resent;
        batch.metrics.count_sinks(&outcome.sinks);
        let (mut published, mut undelivered, mut first_error) = (0, 0, None::<String>);
        for ((index, event), delivery) in indexes.into_iter().zip(events).zip(outcome.deliveries) {
            let sequence_number = || sequence_number_of(records[index].borrow());
            for sink in outcome.sinks.iter().filter(|sink| !delivery.errors().iter().any(|e| e.sink() == **sink)) {
                batch.metrics.count_published(sink, event.name());
            }
            match delivery {
                Delivery::Delivered => {
                    published += 1;
                    debug!(sequence_number = sequence_number(), event = event.name(), event_id = %event.meta().event_id, "published");
                }
                Delivery::Failed(errors) => {
                    debug!(sequence_number = sequence_number(), event = event.name(), error = %describe(&errors), "not delivered");
                    undelivered += 1;
                    batch.metrics.records_failed += 1;
                    first_error.get_or_insert_with(|| describe(&errors));
                    batch.fail(index);
                }
                Delivery::Rejected(errors) => {
                    let error = describe(&errors);
                    let sequence_number = sequence_number();
                    error!(sequence_number, event = event.name(), error = %error, "poison event: a sink rejected it for good");
                    batch.poison.push(Poison { index, sequence_number, event: Some(event), error });
                }
            }
        }
        if let Some(error) = first_error {
            let checkpoint = batch.checkpoint(records);
            warn!(undelivered, checkpoint, error = %error, "events not delivered to every sink: Lambda retries from the checkpoint");
        }
        batch.poison.sort_by_key(|poison| poison.index);
        published
    }

    /// Parks poison in the dead-letter queue, or says why it could not.
    async fn park(&self, poison: &Poison, raw: &RawValue, budget: &RetryBudget) -> Parked {
        let sequence_number = poison.sequence_number.as_deref();
        let Some(dead_letter) = &self.dead_letter else {
            if sequence_number.is_none() {
                error!(error = %poison.error, "skipped: a record without SequenceNumber cannot be checkpointed and no DEAD_LETTER_QUEUE_URL is set");
                return Parked::Skipped;
            }
            error!(sequence_number, error = %poison.error, "poison holds its shard: no DEAD_LETTER_QUEUE_URL is set");
            return Parked::No;
        };
        let body = dead_letter::message(raw, poison.event.as_ref(), &poison.error);
        let sent = tokio::time::timeout_at(budget.park_by(), dead_letter.send(body)).await;
        match sent.unwrap_or_else(|_| Err(DeadLetterError::out_of_time())) {
            Ok(()) => {
                warn!(sequence_number, error = %poison.error, "dead-lettered");
                Parked::Yes
            }
            Err(error) if sequence_number.is_none() => {
                error!(error = %error, poison = %poison.error, "lost: a record without SequenceNumber could not be dead-lettered");
                Parked::Skipped
            }
            Err(error) => {
                warn!(sequence_number, error = %error, "dead-letter queue unavailable: will be retried");
                Parked::No
            }
        }
    }
}

/// What became of a poison record.
enum Parked {
    /// In the dead-letter queue.
    Yes,
    /// Holds its shard: it becomes the checkpoint.
    No,
    /// Neither parked nor checkpointable (no sequence number): logged as an error and skipped.
    Skipped,
}

fn log_dry_run(events: &[DomainEvent], poison: &[Poison]) {
    for event in events {
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
mod tests;

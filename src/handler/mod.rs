//! One invocation: decode every record, publish the events, park poison, name the checkpoint, count it all.

use crate::dead_letter::{self, DeadLetter, DeadLetterError};
use crate::event::StreamEvent;
use crate::metrics::{BatchMetrics, Metrics};
use crate::publish::{BatchOutcome, Invocation, Publish, RetryBudget};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::value::RawValue;
use tracing::{error, info, warn};

mod batch;
use batch::{Batch, Poison};

/// The batch logic, over any publisher and dead-letter queue.
pub struct Handler<P, D> {
    publisher: P,
    dead_letter: Option<D>,
    dry_run: bool,
    metrics: Option<Metrics>,
}

impl<P: Publish, D: DeadLetter> Handler<P, D> {
    /// A handler publishing through `publisher`; `dry_run` sends nothing anywhere and logs each event instead.
    pub fn new(publisher: P, dead_letter: Option<D>, dry_run: bool) -> Self {
        Self { publisher, dead_letter, dry_run, metrics: None }
    }

    /// Writes each invocation's CloudWatch Embedded Metric Format document to `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Handles one event within `invocation`. The response names the earliest record not delivered to every sink,
    /// if any.
    pub async fn handle(&self, event: &StreamEvent, invocation: &Invocation) -> DynamoDbEventResponse {
        let budget = &invocation.budget;
        let records = &event.records;
        let mut batch = Batch::decode(records);
        if self.dry_run {
            log_dry_run(&batch);
            self.emit(BatchMetrics::count(&batch.tally(), &BatchOutcome::default()));
            return response(None);
        }
        let outcome = self.publisher.publish(&batch.events, invocation).await;
        let published = batch.settle(&outcome, records);
        let poison = std::mem::take(&mut batch.poison);
        let poison_count = poison.len();
        for poison in poison {
            // Records after the checkpoint come back on the retry: park them then, not twice.
            if batch.earliest_failed.is_some_and(|earliest| poison.index > earliest) {
                continue;
            }
            match self.park(&poison, &records[poison.index], budget).await {
                Parked::Yes => batch.dead_lettered += 1,
                Parked::Skipped => {}
                Parked::No => batch.fail(poison.index),
            }
        }
        let checkpoint = batch.checkpoint(records);
        info!(records = records.len(), published, poison = poison_count, checkpoint, "batch done");
        self.emit(BatchMetrics::count(&batch.tally(), &outcome));
        response(checkpoint)
    }

    fn emit(&self, metrics: BatchMetrics) {
        if let Some(Metrics { output, function_name }) = &self.metrics {
            let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
            output(&metrics.document(now_ms, function_name.as_deref()));
        }
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

fn log_dry_run(batch: &Batch) {
    for event in &batch.events {
        info!(event = event.name(), event_id = %event.meta().event_id, detail = %event.to_json(), "DRY_RUN: would publish {}", event.name());
    }
    for poison in &batch.poison {
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

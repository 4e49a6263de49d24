//! One invocation: decode every record, publish the events, park poison, name the checkpoint, count it all, and
//! return what the batch learned ([`Handled`]).

use crate::dead_letter::{DeadLetter, DeadLetterError, Parked, Poison};
use crate::event::StreamEvent;
use crate::metrics::{Metrics, Tally};
use crate::publish::{Invocation, Publish, RetryBudget};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::value::RawValue;
use tracing::{error, info, warn};

mod batch;
mod demo_lines;
use batch::Batch;

/// The batch logic, over any publisher and dead-letter queue.
pub struct Handler<P, D> {
    publisher: P,
    dead_letter: Option<D>,
    metrics: Option<Metrics>,
}

/// What one invocation came to: Lambda's answer, and what the batch learned on the way, so that a caller never
/// parses the records again.
#[derive(Debug)]
pub struct Handled {
    /// `{"batchItemFailures": [...]}`: at most one item, the checkpoint's sequence number.
    pub response: DynamoDbEventResponse,
    /// The checkpoint's index in the batch: the earliest record not delivered to every sink, where Lambda retries.
    pub checkpoint: Option<usize>,
    /// What happened to the records: events published per sink, parked, held.
    pub tally: Tally,
    /// The records that can never be delivered, in record order, parked or not.
    pub poison: Vec<Poison>,
}

impl<P: Publish, D: DeadLetter> Handler<P, D> {
    /// A handler publishing through `publisher`, parking poison in `dead_letter` (without one, poison holds its
    /// shard).
    pub fn new(publisher: P, dead_letter: Option<D>) -> Self {
        Self { publisher, dead_letter, metrics: None }
    }

    /// Writes each invocation's CloudWatch Embedded Metric Format document to `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// The parts the handler was built from: its publisher, its dead-letter queue and its metrics.
    pub(crate) fn parts(&self) -> (&P, Option<&D>, Option<&Metrics>) {
        (&self.publisher, self.dead_letter.as_ref(), self.metrics.as_ref())
    }

    /// Handles one event within `invocation`.
    pub async fn handle(&self, event: &StreamEvent, invocation: &Invocation) -> Handled {
        let records = &event.records;
        let mut batch = Batch::decode(records);
        let outcome = self.publisher.publish(&batch.events, invocation).await;
        let published = batch.settle(&outcome);
        let poison = std::mem::take(&mut batch.poison);
        for item in &poison {
            // Records after the checkpoint come back on the retry: park them then, not twice.
            if batch.after_checkpoint(item.index) {
                continue;
            }
            match self.park(item, &records[item.index], &invocation.budget).await {
                Fate::Parked => batch.tally.parked += 1,
                Fate::Skipped => {}
                Fate::Held(sequence_number) => batch.hold(item.index, sequence_number),
            }
        }
        let checkpoint = batch.checkpoint_index();
        let response = response(batch.checkpoint());
        info!(records = records.len(), published, poison = poison.len(), checkpoint = batch.checkpoint(), "batch done");
        let tally = batch.into_tally();
        if let Some(metrics) = &self.metrics {
            metrics.write(&tally);
        }
        Handled { response, checkpoint, tally, poison }
    }

    /// Parks poison in the dead-letter queue, or says why it could not.
    async fn park(&self, poison: &Poison, raw: &RawValue, budget: &RetryBudget) -> Fate {
        let sequence_number = poison.sequence_number.as_deref();
        let Some(dead_letter) = &self.dead_letter else {
            let Some(sequence_number) = sequence_number else {
                error!(error = %poison.error, "skipped: a record without SequenceNumber cannot be checkpointed and no DEAD_LETTER_QUEUE_URL is set");
                return Fate::Skipped;
            };
            error!(sequence_number, error = %poison.error, "poison holds its shard: no DEAD_LETTER_QUEUE_URL is set");
            return Fate::Held(sequence_number.to_owned());
        };
        let parked = tokio::time::timeout_at(budget.park_by(), dead_letter.park(poison, raw)).await;
        match parked.unwrap_or_else(|_| Err(DeadLetterError::out_of_time())) {
            Ok(Parked::InQueue) => {
                warn!(sequence_number, error = %poison.error, "dead-lettered");
                Fate::Parked
            }
            Ok(Parked::Skipped) => Fate::Skipped,
            Err(error) => match sequence_number {
                None => {
                    error!(error = %error, poison = %poison.error, "lost: a record without SequenceNumber could not be dead-lettered");
                    Fate::Skipped
                }
                Some(sequence_number) => {
                    warn!(sequence_number, error = %error, "dead-letter queue unavailable: will be retried");
                    Fate::Held(sequence_number.to_owned())
                }
            },
        }
    }
}

/// What became of a poison record.
enum Fate {
    /// In the dead-letter queue.
    Parked,
    /// Holds its shard: it becomes the checkpoint (this is its sequence number).
    Held(String),
    /// Neither parked nor held: logged and skipped (DRY_RUN; or no sequence number, so no checkpoint can name it).
    Skipped,
}

fn response(checkpoint: Option<&str>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    if let Some(sequence_number) = checkpoint {
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some(sequence_number.to_owned());
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(test)]
mod tests;

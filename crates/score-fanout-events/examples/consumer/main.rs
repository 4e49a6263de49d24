//! An example consumer a downstream team can copy: an SQS-triggered Lambda on `AllScoreEventsQueue` (SNS with raw
//! delivery, so each message body is the event and the `eventType` attribute names it). It reads every message
//! with the `score-fanout-events` types and reports the messages it cannot read in `batchItemFailures`, so that SQS
//! retries them and finally moves them to the queue's dead-letter queue. A valid event of a newer type or
//! `schemaVersion` is acknowledged and skipped, as the compatibility policy in docs/events.md asks. Events are
//! deduplicated by `eventId` downstream (delivery is at least once); here each one is only logged.
//!
//! Build it for Lambda like the function (`cargo lambda build --release --arm64 --example consumer`) and subscribe
//! it to the queue with an SQS event source mapping with `FunctionResponseTypes: [ReportBatchItemFailures]`.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::{service_fn, tracing, Error, LambdaEvent};
use score_fanout_events::{DomainEvent, EventError};

/// What a message turned out to be.
enum Read {
    Event(DomainEvent),
    /// A valid event of a type or `schemaVersion` this consumer was not written for: acknowledged and skipped, as
    /// the compatibility policy (docs/events.md) asks.
    Skipped(EventError),
}

/// The score event a message carries; an error for a message that is no valid score event.
fn read(message: &SqsMessage) -> Result<Read, String> {
    let attribute = message.message_attributes.get("eventType").and_then(|value| value.string_value.as_deref());
    let event_type = attribute.ok_or("no eventType message attribute: is the subscription's raw delivery on?")?;
    let body = message.body.as_deref().ok_or("no body")?;
    match DomainEvent::from_json(event_type, body) {
        Ok(event) => Ok(Read::Event(event)),
        Err(error) if error.is_skippable() => Ok(Read::Skipped(error)),
        Err(error) => Err(error.to_string()),
    }
}

/// What this consumer does with an event: here, a log line per event.
fn on_event(event: &DomainEvent) {
    match event {
        DomainEvent::ScoreChanged(changed) if changed.delta > 0 => {
            tracing::info!(player_id = %changed.player_id, delta = changed.delta, event_id = %changed.meta.event_id, "score went up");
        }
        other => {
            tracing::info!(event = other.name(), player_id = %other.player_id(), event_id = %other.meta().event_id, "score event")
        }
    }
}

async fn handle(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for message in &event.payload.records {
        match read(message) {
            Ok(Read::Event(score_event)) => on_event(&score_event),
            Ok(Read::Skipped(reason)) => {
                tracing::info!(message_id = message.message_id.as_deref(), reason = %reason, "skipped")
            }
            Err(error) => {
                let message_id = message.message_id.clone().unwrap_or_default();
                tracing::error!(message_id = %message_id, error = %error, "unreadable score event");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(handle)).await
}

#[cfg(test)]
mod tests;

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
mod tests {
    use super::*;
    use serde_json::json;

    const CHANGED: &str = r#"{"eventId":"77012d598f424bcb81f82e8d437c745c","occurredAt":"2026-11-24T10:46:58Z","schemaVersion":"1","playerId":"1234","date":"Aug 23","oldScore":44,"newScore":50,"delta":6}"#;

    /// One SQS record as Lambda delivers it from `AllScoreEventsQueue` (raw delivery: the body is the event).
    fn record(id: &str, body: &str, event_type: Option<&str>) -> serde_json::Value {
        let attribute = |value: &str| json!({"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"});
        let mut attributes = json!({"playerId": attribute("1234")});
        if let Some(event_type) = event_type {
            attributes["eventType"] = attribute(event_type);
        }
        json!({"messageId": id, "receiptHandle": format!("r-{id}"), "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795517218000", "SenderId": "AIDAEXAMPLE",
                "ApproximateFirstReceiveTimestamp": "1795517218001"},
            "messageAttributes": attributes, "md5OfBody": "0", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:AllScoreEventsQueue", "awsRegion": "us-east-1"})
    }

    #[tokio::test]
    async fn events_are_read_newer_ones_skipped_and_unreadable_messages_reported_for_retry() {
        let version_2 = CHANGED.replace(r#""schemaVersion":"1""#, r#""schemaVersion":"2""#);
        let records = json!({"Records": [
            record("good", CHANGED, Some("ScoreChanged")),
            record("no-attribute", CHANGED, None),
            record("newer-type", CHANGED, Some("PlayerRenamed")),
            record("newer-version", &version_2, Some("ScoreChanged")),
            record("broken", r#"{"eventId":"x","schemaVersion":"1"}"#, Some("ScoreChanged")),
        ]});
        let event: SqsEvent = serde_json::from_value(records).expect("an SQS event");
        match read(&event.records[0]) {
            Ok(Read::Event(DomainEvent::ScoreChanged(changed))) => {
                assert_eq!((changed.old_score, changed.new_score, changed.delta), (44, 50, 6))
            }
            Ok(Read::Event(other)) => panic!("expected a ScoreChanged, got {other:?}"),
            Ok(Read::Skipped(reason)) => panic!("skipped: {reason}"),
            Err(error) => panic!("{error}"),
        }
        assert!(matches!(read(&event.records[2]), Ok(Read::Skipped(EventError::UnknownType(_)))));
        assert!(matches!(read(&event.records[3]), Ok(Read::Skipped(EventError::UnsupportedVersion(_)))));
        let response = handle(LambdaEvent::new(event, lambda_runtime::Context::default())).await.expect("a response");
        let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, vec!["no-attribute", "broken"]);
    }
}

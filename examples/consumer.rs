//! An example consumer a downstream team can copy: an SQS-triggered Lambda on `AllScoreEventsQueue` (SNS with raw
//! delivery, so each message body is the event and the `eventType` attribute names it). It reads every message
//! with the `score-fanout-events` types and reports the messages it cannot read in `batchItemFailures`, so that SQS
//! retries them and finally moves them to the queue's dead-letter queue. Events are deduplicated by `eventId`
//! downstream (delivery is at least once); here each one is only logged.
//!
//! Build it for Lambda like the function (`cargo lambda build --release --arm64 --example consumer`) and subscribe
//! it to the queue with an SQS event source mapping with `FunctionResponseTypes: [ReportBatchItemFailures]`.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::{service_fn, tracing, Error, LambdaEvent};
use score_fanout_events::DomainEvent;

/// The score event a message carries.
fn read(message: &SqsMessage) -> Result<DomainEvent, String> {
    let attribute = message.message_attributes.get("eventType").and_then(|value| value.string_value.as_deref());
    let event_type = attribute.ok_or("no eventType message attribute: is the subscription's raw delivery on?")?;
    let body = message.body.as_deref().ok_or("no body")?;
    DomainEvent::from_json(event_type, body).map_err(|error| error.to_string())
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
            Ok(score_event) => on_event(&score_event),
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

    /// An SQS event as Lambda delivers it from `AllScoreEventsQueue`: one good message, one without its attribute.
    const EVENT: &str = r#"{"Records": [
        {"messageId": "m-1", "receiptHandle": "r-1",
         "body": "{\"eventId\":\"7a2d\",\"occurredAt\":\"2026-11-24T09:01:00Z\",\"schemaVersion\":\"1\",\"playerId\":\"1234\",\"date\":\"Aug 23\",\"oldScore\":44,\"newScore\":50,\"delta\":6}",
         "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795510860000", "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1795510860001"},
         "messageAttributes": {"eventType": {"stringValue": "ScoreChanged", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                               "playerId": {"stringValue": "1234", "stringListValues": [], "binaryListValues": [], "dataType": "String"}},
         "md5OfBody": "x", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:AllScoreEventsQueue", "awsRegion": "us-east-1"},
        {"messageId": "m-2", "receiptHandle": "r-2", "body": "{}", "attributes": {}, "messageAttributes": {},
         "md5OfBody": "y", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:AllScoreEventsQueue", "awsRegion": "us-east-1"}
    ]}"#;

    #[tokio::test]
    async fn readable_events_are_consumed_and_unreadable_messages_are_reported_for_retry() {
        let event: SqsEvent = serde_json::from_str(EVENT).expect("an SQS event");
        match read(&event.records[0]) {
            Ok(DomainEvent::ScoreChanged(changed)) => {
                assert_eq!((changed.old_score, changed.new_score, changed.delta), (44, 50, 6))
            }
            other => panic!("expected a ScoreChanged, got {other:?}"),
        }
        let response = handle(LambdaEvent::new(event, lambda_runtime::Context::default())).await.expect("a response");
        let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, vec!["m-2"]);
    }
}

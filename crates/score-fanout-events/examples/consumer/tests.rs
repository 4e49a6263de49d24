//! The consumer on SQS records as Lambda delivers them: events read, newer ones skipped, unreadable ones retried.

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

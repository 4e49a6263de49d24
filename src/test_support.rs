//! Helpers shared by the unit tests: events, raw records and fixtures.

use score_fanout_events::{DomainEvent, EventMeta, PlayerAdded};
use serde_json::value::RawValue;

/// A `PlayerAdded` for player `p{index}` whose eventId is `ev{index}`.
pub fn event(index: usize) -> DomainEvent {
    event_for_player(index, &format!("p{index}"))
}

/// A `PlayerAdded` for `player_id` whose eventId is `ev{index}`.
pub fn event_for_player(index: usize, player_id: &str) -> DomainEvent {
    DomainEvent::PlayerAdded(PlayerAdded {
        meta: EventMeta {
            event_id: format!("ev{index}"),
            occurred_at: "2026-11-24T09:00:00Z".into(),
            schema_version: "1".into(),
        },
        player_id: player_id.into(),
        date: "Aug 23".into(),
        score: index as i64,
    })
}

/// `count` events for distinct players.
pub fn events(count: usize) -> Vec<DomainEvent> {
    (0..count).map(event).collect()
}

/// The eventId inside an event JSON document.
pub fn event_id_of(json: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(json).expect("event JSON");
    value["eventId"].as_str().expect("eventId").to_owned()
}

/// The records of `events/{name}`.
pub fn fixture_records(name: &str) -> Vec<Box<RawValue>> {
    let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"));
    serde_json::from_str::<crate::event::StreamEvent>(&text)
        .unwrap_or_else(|error| panic!("parsing {path}: {error}"))
        .records
}

/// An INSERT record for player `p{index}` with the given score attribute; eventID `ev{index}`, sequence number
/// `index + 1` in 21 digits.
pub fn insert_record(index: usize, score: serde_json::Value) -> Box<RawValue> {
    let record = serde_json::json!({
        "eventID": format!("ev{index}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1_795_510_800,
            "Keys": {"playerId": {"S": format!("p{index}")}, "date": {"S": "Aug 23"}},
            "NewImage": {"playerId": {"S": format!("p{index}")}, "date": {"S": "Aug 23"}, "score": score},
            "SequenceNumber": format!("{:021}", index + 1),
            "SizeBytes": 60,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    });
    RawValue::from_string(record.to_string()).expect("JSON")
}

/// Delivers `events` to `sink` as the fan-out does, with each event's JSON length counted here.
pub async fn deliver_all<S: crate::publish::Sink>(
    sink: &S,
    events: &[DomainEvent],
    budget: &crate::publish::RetryBudget,
) -> crate::publish::SinkOutcome {
    let json_lengths: Vec<usize> = events.iter().map(crate::publish::json_len).collect();
    let invocation = crate::publish::Invocation::new(*budget);
    let memory = (&crate::publish::Window::new(8), &crate::publish::Accepted::default());
    crate::publish::retry::deliver(sink, events, &json_lengths, &invocation, memory).await
}

/// Whether SQS accepts every character of `text` in a message body or attribute value: the set SQS documents,
/// written out here apart from the code under test.
pub fn sqs_accepts(text: &str) -> bool {
    text.chars().all(|c| {
        let c = u32::from(c);
        matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
    })
}

//! Stream records in the exact shape Lambda delivers, made up for tests, with the events they must produce.

use serde_json::value::RawValue;
use serde_json::{json, Value};

/// An event a record must give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub event_id: String,
    pub event_type: &'static str,
    pub player_id: String,
    pub sequence_number: String,
}

/// Makes records with increasing sequence numbers and remembers what each must publish.
pub struct RecordMaker {
    next: u64,
    pub records: Vec<Box<RawValue>>,
    pub expected: Vec<Expected>,
    /// Sequence numbers of the poison records.
    pub poison: Vec<String>,
}

fn image(player: &str, score: Value) -> Value {
    json!({"playerId": {"S": player}, "date": {"S": "Aug 23"}, "score": score})
}

impl Default for RecordMaker {
    fn default() -> Self {
        Self { next: 1, records: Vec::new(), expected: Vec::new(), poison: Vec::new() }
    }
}

impl RecordMaker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record; returns its sequence number.
    fn push(
        &mut self,
        name: &str,
        player: &str,
        old: Option<Value>,
        new: Option<Value>,
        ttl: bool,
        event: Option<&'static str>,
    ) -> String {
        let sequence_number = format!("{:021}", 300_000_000_000_000_000_000u128 + u128::from(self.next));
        let event_id = format!("{:032x}", 0xabc0_0000_0000_u128 + u128::from(self.next));
        self.next += 1;
        let mut stream = json!({
            "ApproximateCreationDateTime": 1_795_510_800 + self.next,
            "Keys": {"playerId": {"S": player}, "date": {"S": "Aug 23"}},
            "SequenceNumber": sequence_number,
            "SizeBytes": 100,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        });
        if let Some(new) = new {
            stream["NewImage"] = new;
        }
        if let Some(old) = old {
            stream["OldImage"] = old;
        }
        let mut record = json!({
            "eventID": event_id, "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1", "dynamodb": stream,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/GameEvents/stream/2026-11-24T08:00:00.000"
        });
        if ttl {
            record["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
        }
        self.records.push(RawValue::from_string(record.to_string()).expect("JSON"));
        if let Some(event_type) = event {
            let expected = Expected {
                event_id,
                event_type,
                player_id: player.to_owned(),
                sequence_number: sequence_number.clone(),
            };
            self.expected.push(expected);
        }
        sequence_number
    }

    pub fn insert(&mut self, player: &str, score: i64) {
        self.push(
            "INSERT",
            player,
            None,
            Some(image(player, json!({"N": score.to_string()}))),
            false,
            Some("PlayerAdded"),
        );
    }

    pub fn change(&mut self, player: &str, old: i64, new: i64) {
        let (o, n) = (image(player, json!({"N": old.to_string()})), image(player, json!({"N": new.to_string()})));
        let event = (old != new).then_some("ScoreChanged");
        self.push("MODIFY", player, Some(o), Some(n), false, event);
    }

    pub fn remove(&mut self, player: &str, score: i64, ttl: bool) {
        self.push(
            "REMOVE",
            player,
            Some(image(player, json!({"N": score.to_string()}))),
            None,
            ttl,
            Some("PlayerRemoved"),
        );
    }

    /// An INSERT whose score is not a number: it can never be decoded.
    pub fn poison(&mut self, player: &str) {
        let sequence_number =
            self.push("INSERT", player, None, Some(image(player, json!({"S": "forty-four"}))), false, None);
        self.poison.push(sequence_number);
    }
}

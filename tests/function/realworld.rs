//! Real DynamoDB Streams events from public projects and a real capture (`../shared/realworld-events/`, used from
//! there, never copied in): none is a GameEvents item, so every record must get a decode error that names its field,
//! never a panic or an invocation error. The same records turned into GameEvents items must give the right events.

use score_fanout::{
    decode, sequence_number_of, BatchOutcome, Change, Delivery, Handler, Invocation, Publish, RetryBudget,
    SqsDeadLetter, StreamEvent,
};
use score_fanout_events::{DomainEvent, RemovalReason};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::future::{ready, Future};
use std::path::PathBuf;
use std::time::Duration;

/// Takes every event: the records alone decide the answer.
struct Accepting;

impl Publish for Accepting {
    fn publish(&self, events: &[DomainEvent], _: &Invocation) -> impl Future<Output = BatchOutcome> + Send {
        ready(BatchOutcome { deliveries: vec![Delivery::Delivered; events.len()], ..BatchOutcome::default() })
    }
}

/// The corpus, from `SCORE_FANOUT_REALWORLD_EVENTS` (required to be there: CI sets it) or else from
/// `../shared/realworld-events` beside the clone; `None` (the tests skip, saying so) for a clone without it.
fn corpus() -> Option<Vec<(String, String)>> {
    let (dir, required) = match std::env::var("SCORE_FANOUT_REALWORLD_EVENTS") {
        Ok(dir) => (PathBuf::from(dir), true),
        Err(_) => (PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld-events"), false),
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if required => panic!("SCORE_FANOUT_REALWORLD_EVENTS={}: {e}", dir.display()),
        Err(e) => {
            eprintln!(
                "SKIPPED: {}: {e}: the real-world corpus is not beside this clone (set SCORE_FANOUT_REALWORLD_EVENTS)",
                dir.display()
            );
            return None;
        }
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            (
                path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                std::fs::read_to_string(&path).expect("readable"),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the corpus of real events in {}", dir.display());
    Some(files)
}

#[test]
fn every_real_record_of_another_table_gets_a_decode_error_naming_its_field() {
    let Some(corpus) = corpus() else { return };
    for (name, text) in corpus {
        let event: StreamEvent =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not a Lambda event: {e}"));
        assert!(!event.records.is_empty(), "{name}");
        for record in &event.records {
            let error = decode(record).expect_err(&format!("{name}: a record of another table decoded"));
            let message = error.to_string();
            assert!(message.contains("field "), "{name}: {message}");
            assert!(message.starts_with("record "), "{name}: {message}");
        }
    }
}

#[tokio::test]
async fn whole_real_events_are_answered_with_a_checkpoint_never_an_error() {
    let handler: Handler<Accepting, SqsDeadLetter> = Handler::new(Accepting, None);
    let Some(corpus) = corpus() else { return };
    for (name, text) in corpus {
        let event: StreamEvent = serde_json::from_str(&text).expect("Lambda event");
        let response =
            handler.handle(&event, &Invocation::new(RetryBudget::new(Duration::from_secs(5)))).await.response;
        // Without a dead-letter queue poison holds its shard: the first record with a sequence number is the checkpoint.
        let first = event.records.iter().find_map(|r| sequence_number_of(r));
        let checkpoint = response.batch_item_failures.first().and_then(|f| f.item_identifier.clone());
        assert_eq!(checkpoint, first, "{name}");
    }
}

/// The record with GameEvents attributes added to each image it has.
fn as_game_record(record: &RawValue, player: &str, old_score: i64, new_score: i64) -> Box<RawValue> {
    let mut value: Value = serde_json::from_str(record.get()).expect("JSON");
    for (image, score) in [("OldImage", old_score), ("NewImage", new_score)] {
        if let Some(item) = value["dynamodb"].get_mut(image).and_then(Value::as_object_mut) {
            item.insert("playerId".into(), json!({"S": player}));
            item.insert("date".into(), json!({"S": "Aug 23"}));
            item.insert("score".into(), json!({"N": score.to_string()}));
        }
    }
    RawValue::from_string(value.to_string()).expect("JSON")
}

#[test]
fn real_records_with_game_attributes_give_the_right_events_whatever_else_they_hold() {
    let mut seen = std::collections::BTreeSet::new();
    let Some(corpus) = corpus() else { return };
    for (name, text) in corpus {
        let event: StreamEvent = serde_json::from_str(&text).expect("Lambda event");
        for record in &event.records {
            let game = as_game_record(record, "1234", 44, 50);
            match decode(&game) {
                Ok(decoded) => {
                    seen.insert(match decoded.change {
                        Change::Added(row) => format!("added {}", row.score),
                        Change::ScoreChanged { old, new } => format!("changed {} -> {}", old.score, new.score),
                        Change::ScoreUnchanged(_) => "unchanged".into(),
                        Change::Removed { old, reason } => format!("removed {} {reason}", old.score),
                    });
                }
                // KEYS_ONLY / NEW_IMAGE / OLD_IMAGE streams lack an image some event needs, or the record lacks a
                // field Lambda always sends: named, never a panic.
                Err(error) => assert!(error.to_string().contains("field "), "{name}: {error}"),
            }
        }
    }
    for wanted in ["added 50", "changed 44 -> 50", "removed 44 deleted", "removed 44 expired"] {
        assert!(seen.contains(wanted), "no real record gave {wanted:?}: {seen:?}");
    }
    assert_eq!(RemovalReason::Expired.to_string(), "expired");
}

//! Text SQS accepts: the allowed set, escapes that keep each JSON value, and, over arbitrary strings in every field,
//! messages every sink and the dead-letter queue send that SQS accepts and that fit 256 KiB.

use super::*;
use crate::dead_letter::{Poison, MAX_DEAD_LETTER_BYTES};
use crate::publish::{json_len, EventBridgeSink, Service, Sink, SnsSink, Transport};
use crate::test_support::{event_for_player, sqs_accepts};
use score_fanout_events::DomainEvent;
use serde_json::Value;
use std::sync::Arc;

/// Sinks that only build entries here: their transport is never used.
fn sinks() -> (EventBridgeSink, SnsSink) {
    let transport = Arc::new(Transport::new("us-east-1", None));
    let service = |signing_name| Service { url: "https://127.0.0.1:9".into(), signing_name };
    let eventbridge = EventBridgeSink::new(transport.clone(), service("events"), "score-events", "game.scores");
    (eventbridge, SnsSink::new(transport, service("sns"), "arn:aws:sns:us-east-1:123456789012:s.fifo", true))
}

#[test]
fn the_accepted_characters_are_those_sqs_documents() {
    let all = (0..=0x10FFFF).filter_map(char::from_u32);
    assert!(all.clone().all(|c| is_accepted(c) == sqs_accepts(c.encode_utf8(&mut [0; 4]))));
    assert_eq!(all.filter(|&c| !is_accepted(c)).count(), 32 - 3 + 2, "controls but tab, LF and CR; U+FFFE, U+FFFF");
}

#[test]
fn an_attribute_gets_each_refused_character_as_six_characters_of_text() {
    assert_eq!(attribute_text("p\u{fffe}\\x\u{ffff}\u{1}\t\u{1F3AE}"), "p\\ufffe\\x\\uffff\\u0001\t\u{1F3AE}");
    assert!(matches!(attribute_text("1234"), Cow::Borrowed("1234")));
}

#[test]
fn an_event_whose_fields_hold_characters_sqs_refuses_is_sent_with_them_escaped_as_the_same_json_value() {
    let (eventbridge, sns) = sinks();
    let mut event = event_for_player(3, "p\u{fffe}\u{ffff}\u{1}");
    if let DomainEvent::PlayerAdded(added) = &mut event {
        added.date = "Aug \u{ffff}23".into();
        added.meta.event_id = "ev\u{fffe}3".into();
    }
    let detail = eventbridge.to_entry(&event).detail;
    let message = sns.to_entry(&event, 3).message;
    assert_eq!(detail, message, "both sinks send one document");
    assert!(sqs_accepts(&detail), "{detail:?}");
    assert!(detail.contains(r#""playerId":"p\ufffe\uffff\u0001","date":"Aug \uffff23""#), "{detail}");
    let value: Value = serde_json::from_str(&detail).expect("JSON");
    assert_eq!(value, serde_json::to_value(&event).expect("event"));
    assert_eq!(json_len(&event), detail.len());
}

#[test]
fn a_player_id_sqs_refuses_is_six_characters_of_text_in_its_attribute_and_stays_hashed_as_its_group() {
    let (_, sns) = sinks();
    let event = event_for_player(3, "p\u{fffe}1");
    let entry = sns.to_entry(&event, 3);
    assert_eq!(entry.player_id, r"p\ufffe1");
    let group = crate::publish::sns::message_group_id("p\u{fffe}1");
    assert_eq!((entry.group.as_deref(), group.len()), (Some(group.as_str()), 64), "the SHA-256 of the id as stored");
    let measured = sns.measure(&event, json_len(&event), 3);
    assert_eq!((measured.size, measured.group), (entry.size(), entry.group));
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use score_fanout_events::{EventMeta, PlayerAdded, PlayerRemoved, RemovalReason, ScoreChanged};
    use serde_json::json;

    /// Characters SQS refuses, often; JSON's own escapes; and anything else.
    fn character() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => any::<char>(),
            2 => prop_oneof![Just('\u{fffe}'), Just('\u{ffff}')],
            2 => (0u8..0x20).prop_map(char::from),
            1 => proptest::sample::select(vec!['"', '\\', '\u{7f}', '\u{d7ff}', '\u{e000}', '\u{fffd}', '\u{10000}']),
        ]
    }

    /// Text of at most `max_bytes` bytes.
    fn text(max_bytes: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(character(), 0..=max_bytes).prop_map(move |chars| {
            let mut text: String = chars.into_iter().collect();
            let mut end = max_bytes.min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text
        })
    }

    /// An event of any kind whose every string is arbitrary: playerId and date within DynamoDB's key limits.
    fn event() -> impl Strategy<Value = DomainEvent> {
        (0usize..3, text(128), text(64), text(16), text(2048), text(1024)).prop_map(
            |(kind, event_id, occurred_at, schema_version, player_id, date)| {
                let meta = EventMeta { event_id, occurred_at, schema_version };
                match kind {
                    0 => DomainEvent::PlayerAdded(PlayerAdded { meta, player_id, date, score: 1 }),
                    1 => DomainEvent::ScoreChanged(ScoreChanged {
                        meta,
                        player_id,
                        date,
                        old_score: 1,
                        new_score: 2,
                        delta: 1,
                    }),
                    _ => DomainEvent::PlayerRemoved(PlayerRemoved {
                        meta,
                        player_id,
                        date,
                        score: 1,
                        reason: RemovalReason::Expired,
                    }),
                }
            },
        )
    }

    /// A stream record holding the event's strings and `filler` (the truncation paths), or just `filler` as a
    /// JSON string (not a stream record at all).
    fn record(event: &DomainEvent, filler: String, as_stream_record: bool) -> Value {
        if !as_stream_record {
            return Value::String(filler);
        }
        let (player, date) = (event.player_id(), serde_json::to_value(event).expect("event")["date"].clone());
        json!({"eventID": event.meta().event_id, "eventName": "INSERT", "dynamodb": {
            "Keys": {"playerId": {"S": player}, "date": {"S": date}}, "SequenceNumber": "1",
            "NewImage": {"playerId": {"S": player}, "date": {"S": date}, "score": {"N": "1"}, "bio": {"S": filler}}}})
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn every_message_sqs_would_carry_is_accepted_and_fits_256_kib(
            event in event(),
            error_unit in text(64),
            error_repeats in 1usize..400,
            unit in text(16).prop_filter("not empty", |unit| !unit.is_empty()),
            filler_bytes in prop_oneof![0usize..2_000, 100_000usize..400_000],
            as_stream_record in any::<bool>(),
        ) {
            let (eventbridge, sns) = sinks();
            let as_value = serde_json::to_value(&event).expect("event");
            let detail = eventbridge.to_entry(&event).detail;
            prop_assert!(sqs_accepts(&detail));
            prop_assert_eq!(&serde_json::from_str::<Value>(&detail).expect("JSON"), &as_value);
            prop_assert!(eventbridge.entry_size(&eventbridge.to_entry(&event)) <= MAX_DEAD_LETTER_BYTES);

            let entry = sns.to_entry(&event, 0);
            for text in [&entry.message, &entry.player_id, &entry.schema_version, &entry.event_type.to_owned()] {
                prop_assert!(sqs_accepts(text), "{:?}", text);
            }
            prop_assert!(entry.size() <= MAX_DEAD_LETTER_BYTES);
            prop_assert_eq!(sns.measure(&event, json_len(&event), 0).size, entry.size());
            let group = entry.group.expect("a FIFO entry");
            let printable = event.player_id().chars().all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation());
            if !printable {
                let hex = group.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                prop_assert!(group.len() == 64 && hex, "the SHA-256 of the id: {}", group);
            }

            let filler = unit.repeat(filler_bytes / unit.len());
            let original = record(&event, filler, as_stream_record);
            let raw = serde_json::value::RawValue::from_string(original.to_string()).expect("JSON");
            let error = error_unit.repeat(error_repeats);
            let sequence_number = Some("1".into());
            let poison = Poison { index: 0, sequence_number, event: Some(event.clone()), error: error.clone(), refused_by: vec!["TOPIC_ARN"] };
            let body = poison.dead_letter_message(&raw);
            prop_assert!(sqs_accepts(&body));
            prop_assert!(body.len() <= MAX_DEAD_LETTER_BYTES, "{} bytes", body.len());
            let parked: Value = serde_json::from_str(&body).expect("the message is JSON");
            prop_assert_eq!(&parked["event"], &as_value);
            prop_assert!(error.starts_with(parked["error"].as_str().expect("error")));
            let mut without_images = original.clone();
            if let Some(stream) = without_images.get_mut("dynamodb").and_then(Value::as_object_mut) {
                stream.remove("NewImage");
            }
            match (&parked["truncated"], &parked["record"]) {
                (Value::Null, kept) => prop_assert_eq!(kept, &original, "exact as a JSON value"),
                // Cut to a prefix of its text (or, by a few bytes, kept whole as the string it is).
                (Value::Bool(true), Value::String(prefix)) => prop_assert!(
                    original.to_string().starts_with(prefix.as_str()) || original.as_str() == Some(prefix.as_str())
                ),
                (Value::Bool(true), kept) => prop_assert_eq!(kept, &without_images),
                (truncated, _) => return Err(TestCaseError::fail(format!("truncated: {truncated}"))),
            }
        }
    }
}

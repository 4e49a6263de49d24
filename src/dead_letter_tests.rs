//! Dead-letter message tests: the record byte for byte (what SQS refuses escaped), and truncation past 256 KiB.

use super::*;
use crate::test_support::{event, fixture_records};
use serde_json::Value;

/// The message for a record without refusals (undecodable, or as the tests need it).
fn message(record: &RawValue, event: Option<&DomainEvent>, error: &str) -> String {
    let poison =
        Poison { index: 0, sequence_number: None, event: event.cloned(), error: error.into(), refused_by: vec![] };
    poison.dead_letter_message(record)
}

#[test]
fn an_event_a_sink_refused_names_that_sink_and_an_undecodable_record_names_none() {
    let record = &fixture_records("modify.json")[0];
    let refused = Poison {
        index: 0,
        sequence_number: None,
        event: Some(event(4)),
        error: "SNS rejected".into(),
        refused_by: vec!["TOPIC_ARN"],
    };
    let value: Value = serde_json::from_str(&refused.dead_letter_message(record)).expect("JSON");
    assert_eq!(value["refusedBy"], serde_json::json!(["TOPIC_ARN"]));
    let undecodable: Value = serde_json::from_str(&message(record, None, "bad")).expect("JSON");
    assert!(undecodable.get("refusedBy").is_none(), "{undecodable}");
}

#[test]
fn the_record_is_kept_byte_for_byte_with_its_error() {
    let record = &fixture_records("poison.json")[0];
    let body = message(record, None, "record 1: field dynamodb.NewImage.score: bad");
    assert!(body.starts_with(&format!("{{\"record\":{},", record.get())), "{body}");
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(value["error"], "record 1: field dynamodb.NewImage.score: bad");
    assert!(value.get("event").is_none() && value.get("truncated").is_none());
}

#[test]
fn a_rejected_event_travels_with_its_record() {
    let record = &fixture_records("insert.json")[0];
    let value: Value = serde_json::from_str(&message(record, Some(&event(4)), "SNS rejected")).expect("JSON");
    assert_eq!(value["event"]["eventId"], "ev4");
    assert_eq!(value["record"]["eventID"], "3f1c0b6a2e4d4c8f9a7b1e2d3c4b5a69");
}

fn huge_record() -> Box<RawValue> {
    let mut record: Value = serde_json::from_str(fixture_records("modify.json")[0].get()).expect("fixture");
    let blob = "x".repeat(200 * 1024);
    record["dynamodb"]["NewImage"]["bio"] = serde_json::json!({ "S": blob });
    record["dynamodb"]["OldImage"]["bio"] = serde_json::json!({ "S": blob });
    RawValue::from_string(record.to_string()).expect("JSON")
}

#[test]
fn a_message_over_256_kib_leaves_the_images_out_and_says_so() {
    let body = message(&huge_record(), Some(&event(1)), "too big to publish");
    assert!(body.len() <= MAX_DEAD_LETTER_BYTES);
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(value["truncated"], true);
    assert!(value["record"]["dynamodb"].get("NewImage").is_none());
    assert!(value["record"]["dynamodb"].get("OldImage").is_none());
    assert_eq!(value["record"]["dynamodb"]["Keys"]["playerId"]["S"], "1234");
    assert_eq!(value["record"]["dynamodb"]["SequenceNumber"], "100000000000000000002");
    assert_eq!(value["event"]["eventId"], "ev1");
}

#[test]
fn a_huge_record_that_is_not_a_stream_record_keeps_a_prefix() {
    let raw = RawValue::from_string(serde_json::json!({ "blob": "y".repeat(400 * 1024) }).to_string()).expect("JSON");
    let body = message(&raw, None, &"e".repeat(20_000));
    assert!(body.len() <= MAX_DEAD_LETTER_BYTES);
    let value: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(value["truncated"], true);
    assert!(value["record"].as_str().expect("prefix").starts_with("{\"blob\":\"yyy"));
    assert_eq!(value["error"].as_str().expect("error").len(), 8 * 1024);
}

/// A stream record whose strings hold characters SQS refuses: U+FFFE and U+FFFF as they are, a control character
/// escaped (as any JSON writer writes it), beside a backslash that must stay one.
fn record_sqs_refuses(bio: &str) -> (Box<RawValue>, Value) {
    let mut record: Value = serde_json::from_str(fixture_records("insert.json")[0].get()).expect("fixture");
    record["dynamodb"]["NewImage"]["playerId"] = serde_json::json!({ "S": "p\u{fffe}\\\u{ffff}\u{1}" });
    record["dynamodb"]["NewImage"]["bio"] = serde_json::json!({ "S": bio });
    (RawValue::from_string(record.to_string()).expect("JSON"), record)
}

#[test]
fn a_record_holding_characters_sqs_refuses_is_parked_with_them_escaped_and_parses_to_the_same_value() {
    let (record, value) = record_sqs_refuses("\u{fffe}");
    assert!(record.get().contains('\u{fffe}'), "the record as received holds U+FFFE itself");
    let body = message(&record, None, "refused \u{ffff}");
    assert!(crate::test_support::sqs_accepts(&body), "{body:?}");
    assert!(body.contains(r"p\ufffe\\\uffff\u0001"), "{body}");
    let parked: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(parked["record"], value, "exact as a JSON value");
    assert_eq!(parked["error"], "refused \u{ffff}");
}

#[test]
fn a_record_that_fits_only_before_its_refused_characters_are_escaped_leaves_its_images_out() {
    // 3 bytes each as received, 6 once escaped: 210 KB received, 420 KB escaped.
    let (record, value) = record_sqs_refuses(&"\u{fffe}".repeat(70_000));
    assert!(record.get().len() < MAX_DEAD_LETTER_BYTES);
    let body = message(&record, Some(&event(1)), "too big once escaped");
    assert!(body.len() <= MAX_DEAD_LETTER_BYTES, "{} bytes", body.len());
    assert!(crate::test_support::sqs_accepts(&body));
    let parked: Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(parked["truncated"], true);
    assert_eq!(parked["record"]["dynamodb"]["Keys"], value["dynamodb"]["Keys"]);
}

#[test]
fn cutting_never_splits_a_character() {
    assert_eq!(cut("ééé", 3), "é");
    assert_eq!(cut("abc", 10), "abc");
}

#[test]
fn a_record_with_a_number_beyond_f64_is_kept_as_received_and_still_truncates_safely() {
    let raw = RawValue::from_string(format!(
        r#"{{"dynamodb":{{"SizeBytes":1e999,"NewImage":{{"bio":{{"S":"{}"}}}}}}}}"#,
        "z".repeat(300 * 1024)
    ))
    .expect("valid JSON syntax");
    let body = message(&raw, None, "bad record");
    assert!(body.len() <= MAX_DEAD_LETTER_BYTES);
    assert!(serde_json::from_str::<Box<RawValue>>(&body).is_ok(), "the message is JSON");
    let small = RawValue::from_string(r#"{"dynamodb":{"SizeBytes":1e999}}"#.into()).expect("JSON");
    assert!(message(&small, None, "bad").contains("1e999"), "byte for byte");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Text that JSON escaping grows the most: quotes, backslashes and control characters.
    fn escape_heavy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just('"'), Just('\\'), Just('\u{1}'), Just('a'), Just('\u{1F3AE}')],
            1..64,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10))]
        #[test]
        fn a_message_always_fits_the_queue_however_the_record_escapes(
            unit in escape_heavy(),
            bytes in 250_000usize..450_000,
            as_stream_record in any::<bool>(),
        ) {
            let filler = unit.repeat(bytes / unit.len() + 1);
            let text = if as_stream_record {
                serde_json::json!({"eventID": "e", "dynamodb": {"SequenceNumber": "1", "NewImage": {"bio": {"S": filler}}}, "note": filler}).to_string()
            } else {
                serde_json::to_string(&filler).expect("a JSON string")
            };
            let record = RawValue::from_string(text).expect("JSON");
            let body = message(&record, Some(&event(1)), &unit.repeat(20_000));
            prop_assert!(body.len() <= MAX_DEAD_LETTER_BYTES, "{} bytes", body.len());
            let value: Value = serde_json::from_str(&body).expect("JSON");
            prop_assert_eq!(&value["truncated"], &Value::Bool(true));
            prop_assert_eq!(&value["event"]["eventId"], "ev1");
        }
    }
}

//! Decoding tests on the `events/` fixtures and on hand-made malformed records.

use super::*;
use crate::test_support::fixture_records;
use score_fanout_events::Score;
use serde_json::json;

fn decode_fixture(name: &str) -> Result<Decoded, DecodeError> {
    decode(&fixture_records(name)[0])
}

fn decode_value(value: serde_json::Value) -> Result<Decoded, DecodeError> {
    decode(&RawValue::from_string(value.to_string()).expect("valid JSON"))
}

/// The modify fixture as a JSON value, to be broken in one place by a test.
fn modify_record() -> serde_json::Value {
    serde_json::from_str(fixture_records("modify.json")[0].get()).expect("fixture is JSON")
}

#[test]
fn insert_becomes_player_added_with_the_record_identity() {
    let decoded = decode_fixture("insert.json").expect("insert decodes");
    assert_eq!(decoded.sequence_number, "100000000000000000001");
    let event = decoded.event.expect("an event");
    assert_eq!(event.name(), "PlayerAdded");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&event.to_json()).expect("event JSON"),
        json!({
            "eventId": "3f1c0b6a2e4d4c8f9a7b1e2d3c4b5a69",
            "occurredAt": "2026-11-24T09:00:00Z",
            "schemaVersion": "1",
            "playerId": "1234",
            "date": "Aug 23",
            "score": 44
        })
    );
}

#[test]
fn modify_with_a_new_score_becomes_score_changed_with_its_delta() {
    let event = decode_fixture("modify.json").expect("modify decodes").event.expect("an event");
    let json: serde_json::Value = serde_json::from_str(&event.to_json()).expect("event JSON");
    assert_eq!(json["oldScore"], 44);
    assert_eq!(json["newScore"], 50);
    assert_eq!(json["delta"], 6);
    assert_eq!(json["eventId"], "7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5c");
    assert_eq!(event.name(), "ScoreChanged");
}

#[test]
fn modify_with_equal_score_publishes_nothing() {
    let decoded = decode_fixture("modify-unchanged.json").expect("modify decodes");
    assert_eq!(decoded.event, None);
    assert!(matches!(decoded.change, Change::ScoreUnchanged(ref row) if row.score.get() == 50));
}

#[test]
fn remove_by_a_user_is_deleted_and_by_ttl_is_expired() {
    let deleted = decode_fixture("remove.json").expect("decodes").event.expect("an event");
    let expired = decode_fixture("remove-ttl.json").expect("decodes").event.expect("an event");
    assert!(
        matches!(deleted, DomainEvent::PlayerRemoved(ref e) if e.reason == RemovalReason::Deleted && e.score == 50)
    );
    assert!(matches!(expired, DomainEvent::PlayerRemoved(ref e) if e.reason == RemovalReason::Expired));
    assert!(expired.to_json().contains(r#""reason":"expired""#));
}

#[test]
fn a_score_stored_as_a_string_holding_an_integer_decodes() {
    let records = fixture_records("batch.json");
    let decoded = decode(&records[1]).expect("string score decodes");
    assert!(matches!(decoded.change, Change::Added(ref row) if row.score == Score::new(12).unwrap()));
}

#[test]
fn poison_fixture_names_its_sequence_number_and_the_score_field() {
    let error = decode_fixture("poison.json").expect_err("poison does not decode");
    let message = error.to_string();
    assert!(message.starts_with("record 100000000000000000006: field dynamodb.NewImage.score:"), "{message}");
    assert!(message.contains("forty-four"), "{message}");
}

#[test]
fn scores_outside_the_exact_double_range_are_rejected() {
    for bad in ["4503599627370496", "-4503599627370496", "1e300", "44.5", "18446744073709551616"] {
        let mut record = modify_record();
        record["dynamodb"]["NewImage"]["score"] = json!({ "N": bad });
        let error = decode_value(record).expect_err(bad);
        assert!(error.to_string().contains("field dynamodb.NewImage.score"), "{bad}: {error}");
    }
    let mut record = modify_record();
    record["dynamodb"]["NewImage"]["score"] = json!({ "N": "4503599627370495" });
    let event = decode_value(record).expect("the largest score decodes").event.expect("an event");
    assert!(event.to_json().contains(r#""delta":4503599627370451"#));
}

#[test]
fn a_missing_key_attribute_is_named() {
    let mut record = modify_record();
    record["dynamodb"]["OldImage"].as_object_mut().expect("image").remove("playerId");
    let message = decode_value(record).expect_err("no playerId").to_string();
    assert_eq!(message, "record 100000000000000000002: field dynamodb.OldImage.playerId: missing field `playerId`");
}

#[test]
fn a_score_of_the_wrong_type_is_named() {
    let mut record = modify_record();
    record["dynamodb"]["NewImage"]["score"] = json!({ "BOOL": true });
    let message = decode_value(record).expect_err("bool score").to_string();
    assert!(message.contains("field dynamodb.NewImage.score"), "{message}");
}

#[test]
fn keys_only_streams_carry_no_image_to_decode() {
    let mut record = modify_record();
    let stream = record["dynamodb"].as_object_mut().expect("dynamodb");
    stream.remove("NewImage");
    stream.remove("OldImage");
    stream.insert("StreamViewType".into(), json!("KEYS_ONLY"));
    let message = decode_value(record).expect_err("keys only").to_string();
    assert_eq!(
        message,
        "record 100000000000000000002: field dynamodb.OldImage is missing for MODIFY (stream view type KEYS_ONLY)"
    );
}

#[test]
fn an_unknown_event_name_is_named() {
    let mut record = modify_record();
    record["eventName"] = json!("UPSERT");
    let message = decode_value(record).expect_err("unknown name").to_string();
    assert!(message.contains("field eventName: unknown value \"UPSERT\""), "{message}");
}

#[test]
fn a_record_without_sequence_number_is_poison() {
    let mut record = modify_record();
    record["dynamodb"].as_object_mut().expect("dynamodb").remove("SequenceNumber");
    let error = decode_value(record).expect_err("no sequence number");
    assert_eq!(error.record(), &RecordName(None));
    assert_eq!(error.to_string(), "record without SequenceNumber: field dynamodb.SequenceNumber is missing");
}

#[test]
fn a_record_without_creation_time_is_named() {
    let mut record = modify_record();
    record["dynamodb"].as_object_mut().expect("dynamodb").remove("ApproximateCreationDateTime");
    let message = decode_value(record).expect_err("no time").to_string();
    assert!(message.ends_with("field dynamodb.ApproximateCreationDateTime is missing"), "{message}");
}

#[test]
fn something_that_is_not_a_stream_record_still_names_its_sequence_number() {
    let mut record = modify_record();
    record["dynamodb"]["SizeBytes"] = json!("big");
    let message = decode_value(record).expect_err("bad SizeBytes").to_string();
    assert!(
        message.starts_with("record 100000000000000000002: not a DynamoDB stream record: field dynamodb.SizeBytes"),
        "{message}"
    );

    let message = decode_value(json!({"kinesis": {"data": "aGk="}})).expect_err("kinesis").to_string();
    assert!(message.starts_with("record without SequenceNumber: not a DynamoDB stream record"), "{message}");
    let message = decode_value(json!(42)).expect_err("a number").to_string();
    assert!(message.contains("not a DynamoDB stream record: field (the record itself): invalid type"), "{message}");
    let mut record = modify_record();
    record.as_object_mut().expect("record").remove("eventName");
    let message = decode_value(record).expect_err("no eventName").to_string();
    assert!(message.contains("not a DynamoDB stream record: field eventName: missing field `eventName`"), "{message}");
}

#[test]
fn fractional_creation_times_keep_their_precision() {
    let mut record = modify_record();
    record["dynamodb"]["ApproximateCreationDateTime"] = json!(1795510860.25);
    let event = decode_value(record).expect("decodes").event.expect("an event");
    assert_eq!(event.meta().occurred_at, "2026-11-24T09:01:00.250Z");
}

#[test]
fn attributes_of_every_other_type_beside_the_score_are_ignored() {
    let mut record = modify_record();
    for image in ["NewImage", "OldImage"] {
        let item = record["dynamodb"][image].as_object_mut().expect("image");
        item.insert("avatar".into(), json!({"B": "AAEqQQ=="}));
        item.insert("tags".into(), json!({"SS": ["a", "b"]}));
        item.insert("levels".into(), json!({"NS": ["1", "2.5"]}));
        item.insert("blobs".into(), json!({"BS": ["AAE="]}));
        item.insert("history".into(), json!({"L": [{"N": "1"}, {"S": "x"}, {"NULL": true}]}));
        item.insert("profile".into(), json!({"M": {"vip": {"BOOL": true}}}));
    }
    let event = decode_value(record).expect("decodes").event.expect("an event");
    assert_eq!(event.name(), "ScoreChanged");
}

#[test]
fn an_item_near_the_400_kb_limit_decodes_and_its_dead_letter_message_is_truncated() {
    let mut record = modify_record();
    let bio = "b".repeat(390 * 1024);
    record["dynamodb"]["NewImage"]["bio"] = json!({"S": bio});
    record["dynamodb"]["OldImage"]["bio"] = json!({"S": bio});
    let raw = RawValue::from_string(record.to_string()).expect("JSON");
    let event = decode(&raw).expect("decodes").event.expect("an event");
    let poison = crate::dead_letter::Poison {
        index: 0,
        sequence_number: None,
        event: Some(event),
        error: "rejected".into(),
        refused_by: vec![],
    };
    let message = poison.dead_letter_message(&raw);
    assert!(message.len() <= crate::dead_letter::MAX_DEAD_LETTER_BYTES);
    assert!(message.contains(r#""truncated":true"#) && message.contains(r#""delta":6"#));
}

//! The on-failure record and its key, in the shapes the Lambda developer guide shows.

use super::*;

fn batch() -> StreamBatchInfo {
    StreamBatchInfo {
        shard_id: "shardId-00000001573689847184-864758bb".into(),
        start_sequence_number: "800000000003126276362".into(),
        end_sequence_number: "800000000003126276362".into(),
        approximate_arrival_of_first_record: "2019-11-14T00:13:19Z".into(),
        approximate_arrival_of_last_record: "2019-11-14T00:13:19Z".into(),
        batch_size: 1,
        stream_arn: "arn:aws:dynamodb:us-east-2:123456789012:table/mytable/stream/2019-11-14T00:04:06.388".into(),
    }
}

#[test]
fn the_record_carries_the_documented_fields_and_the_payload_as_an_escaped_json_string() {
    let at = DateTime::parse_from_rfc3339("2019-11-14T00:13:49.717Z").expect("time").with_timezone(&Utc);
    let record = OnFailureRecord::retries_exhausted(batch(), 4, at, r#"{"Records":[{"eventID":"a"}]}"#.into());
    let value = serde_json::to_value(&record).expect("JSON");
    let keys: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
    let mut expected = ["requestContext", "responseContext", "version", "timestamp", "DDBStreamBatchInfo", "payload"];
    expected.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(value["payload"], r#"{"Records":[{"eventID":"a"}]}"#, "a string, not an object");
    assert_eq!(value["timestamp"], "2019-11-14T00:13:49.717Z");
    assert_eq!(value["requestContext"]["condition"], "RetryAttemptsExhausted");
    assert_eq!(value["DDBStreamBatchInfo"]["shardId"], "shardId-00000001573689847184-864758bb");
    let back: OnFailureRecord = serde_json::from_value(value).expect("read back");
    assert_eq!(back, record);
}

#[test]
fn the_key_follows_lambdas_layout() {
    let at = DateTime::parse_from_rfc3339("2026-12-03T09:05:07Z").expect("time").with_timezone(&Utc);
    let key = object_key("4f5e3a2b-0000-4000-8000-000000000001", "shardId-0001", at);
    let (fixed, uuid) = key.split_at(key.len() - 36);
    assert_eq!(fixed, "aws/lambda/4f5e3a2b-0000-4000-8000-000000000001/shardId-0001/2026/12/03/2026-12-03T09.05.07-");
    assert!(uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && uuid.as_bytes()[14] == b'4', "{uuid}");
}

//! The envelope a `RAW` FIFO subscriber delivers.

use super::*;

fn event(detail: &str) -> AcceptedEvent {
    AcceptedEvent {
        bus_arn: "arn:aws:events:us-east-1:123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m".into(),
        event_id: "e-1".into(),
        sequence_number: 7,
        account: "444455556666".into(),
        region: "us-east-1".into(),
        source: "score-fanout".into(),
        detail_type: "ScoreChanged".into(),
        detail: detail.into(),
        resources: vec!["r\"1".into()],
        time: envelope_time(1_767_323_045.75),
        event_group_id: Some("player-1".into()),
        deduplication_id: Some("evt-1".into()),
    }
}

#[test]
fn the_envelope_has_the_classic_fields_in_their_order_and_the_detail_as_an_object() {
    let expected = concat!(
        r#"{"version":"0","id":"e-1","detail-type":"ScoreChanged","source":"score-fanout","account":"444455556666","#,
        r#""time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":["r\"1"],"detail":{"n":1}}"#
    );
    assert_eq!(event(r#"{"n":1}"#).envelope(), expected);
}

#[test]
fn the_detail_loses_the_space_between_tokens_and_keeps_its_order_strings_and_numbers() {
    let detail = "{ \"z\" : 1.50,\n\t\"a\": \"x \\\" y \\\\\",  \"m\": [1, {\"k\": null}] }";
    let envelope = event(detail).envelope();
    assert!(envelope.ends_with(r#""detail":{"z":1.50,"a":"x \" y \\","m":[1,{"k":null}]}}"#), "{envelope}");
    let parsed: serde_json::Value = serde_json::from_str(&envelope).expect("JSON");
    assert_eq!(parsed["detail"]["a"], "x \" y \\");
}

//! Consumer-side reading: from SNS raw messages and EventBridge envelopes, unknown fields ignored.

use super::*;

const ADDED: &str = r#"{"eventId":"e1","occurredAt":"2026-11-24T09:00:00Z","schemaVersion":"1","playerId":"1234","date":"Aug 23","score":44}"#;

#[test]
fn an_sns_message_reads_by_its_event_type_attribute() {
    let event = DomainEvent::from_json("PlayerAdded", ADDED).expect("a PlayerAdded");
    assert_eq!(event.name(), "PlayerAdded");
    assert_eq!(event.player_id(), "1234");
    assert_eq!(event.meta().event_id, "e1");
    assert_eq!(event.to_json(), ADDED, "reading and writing round-trips byte for byte");
}

#[test]
fn unknown_fields_are_ignored_as_the_compatibility_policy_promises() {
    let newer = ADDED.replace(r#""score":44"#, r#""score":44,"league":"gold""#);
    assert!(DomainEvent::from_json("PlayerAdded", &newer).is_ok());
}

#[test]
fn a_wrong_or_unknown_type_is_a_named_error() {
    let error = DomainEvent::from_json("PlayerRemoved", ADDED).expect_err("no reason field");
    assert!(error.to_string().starts_with("not a valid PlayerRemoved: missing field `reason`"), "{error}");
    let error = DomainEvent::from_json("PlayerRenamed", ADDED).expect_err("unknown");
    assert!(error.to_string().contains("unknown event type \"PlayerRenamed\""), "{error}");
}

#[test]
fn an_eventbridge_envelope_reads_with_or_without_account() {
    let envelope = format!(
        r#"{{"version":"0","id":"x","detail-type":"PlayerAdded","source":"game.scores","time":"2026-11-24T09:00:00Z","region":"us-east-1","resources":[],"detail":{ADDED}}}"#
    );
    let parsed: EventBridgeEnvelope = serde_json::from_str(&envelope).expect("an envelope");
    assert_eq!(parsed.account, None);
    assert!(matches!(parsed.event().expect("the event"), DomainEvent::PlayerAdded(ref added) if added.score == 44));
}

#[test]
fn scores_within_the_exact_double_range_only() {
    assert_eq!(Score::new(MAX_SCORE).map(Score::get), Some(MAX_SCORE));
    assert_eq!(Score::new(-MAX_SCORE).map(Score::get), Some(-MAX_SCORE));
    assert_eq!(Score::new(MAX_SCORE + 1), None);
    assert_eq!(serde_json::from_str::<Score>("\"44\"").map(Score::get).ok(), Some(44));
    assert!(serde_json::from_str::<Score>("44.5").is_err());
}

#[test]
fn a_newer_version_or_event_type_is_skippable_and_a_broken_event_is_not() {
    let newer =
        ADDED.replace(r#""schemaVersion":"1""#, r#""schemaVersion":"2""#).replace(r#""score":44"#, r#""points":"44""#);
    let error = DomainEvent::from_json("PlayerAdded", &newer).expect_err("version 2");
    assert!(matches!(error, EventError::UnsupportedVersion(ref v) if v == "2"), "{error}");
    assert!(error.is_skippable());
    assert!(DomainEvent::from_json("PlayerRenamed", ADDED).expect_err("unknown").is_skippable());
    let unversioned = ADDED.replace(r#""schemaVersion":"1","#, "");
    let error = DomainEvent::from_json("PlayerAdded", &unversioned).expect_err("no version");
    assert!(error.to_string().contains("missing field `schemaVersion`"), "{error}");
    assert!(!error.is_skippable());
    assert!(!DomainEvent::from_json("PlayerAdded", "{").expect_err("not JSON").is_skippable());
}

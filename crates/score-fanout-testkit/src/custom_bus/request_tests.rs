//! The model's patterns: the bus ARN and the DeduplicationId, and the request-level deduplication setting.

use super::*;

const ARN: &str = "arn:aws:events:us-east-1:123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m";

#[test]
fn the_model_pattern_takes_bus_arns_of_every_partition_and_region_form() {
    let parsed = parse_bus_arn(ARN).expect("the CloudFormation example's id");
    assert_eq!((parsed.region.as_str(), parsed.account.as_str()), ("us-east-1", "123456789012"));
    assert_eq!((parsed.name.as_str(), parsed.id.as_str()), ("scores", "a1b2c3d4e5f6g7h8i9j0k1l2m"));
    for other in [
        ARN.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1"),
        ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1"),
        ARN.replace("/scores/", "/Score_Events.v2-x/"),
    ] {
        assert!(parse_bus_arn(&other).is_some(), "{other}");
    }
}

#[test]
fn the_model_pattern_refuses_near_misses() {
    let id = "a1b2c3d4e5f6g7h8i9j0k1l2m";
    for bad in [
        ARN.replace(id, "EXAMPLE1234567890abcdef"),
        ARN.replace(id, &id.to_uppercase()),
        format!("{ARN}x"),
        format!("{ARN}/x"),
        ARN.replace("event-busv2", "event-bus"),
        ARN.replace("us-east-1", "US-east-1"),
        ARN.replace("us-east-1", "1us-east"),
        ARN.replace("us-east-1", "us--east-1"),
        ARN.replace("arn:aws:", "arn:aws-:"),
        ARN.replace("/scores/", "/-scores/"),
        ARN.replace("/scores/", "/sc:ores/"),
        ARN.replace("/scores/", "//"),
        ARN.replace("123456789012", "12345678901a"),
    ] {
        assert!(parse_bus_arn(&bad).is_none(), "{bad}");
    }
}

fn one_entry(metadata: Value) -> Result<EntryInput, String> {
    let text = |s: &str| Value::Text(s.into());
    let entry = Value::Map(vec![
        (text("Source"), text("score-fanout")),
        (text("DetailType"), text("ScoreChanged")),
        (text("SystemMetadata"), metadata),
    ]);
    let input = Value::Map(vec![(text("EventBusArn"), text(ARN)), (text("Entries"), Value::Array(vec![entry]))]);
    let mut parsed = put_events_input(&input).expect("a well-formed request");
    parsed.entries.remove(0)
}

#[test]
fn a_deduplication_id_needs_one_character_outside_the_pattern_s_white_space() {
    let id = |s: &str| Value::Map(vec![(Value::Text("DeduplicationId".into()), Value::Text(s.into()))]);
    for blank in
        [" ", "\t\n\r\u{b}\u{c}", "\u{1c}\u{1f}", "\u{2000}\u{2006}\u{2008}\u{200a}", "\u{2028}\u{205f}\u{3000}"]
    {
        assert!(one_entry(id(blank)).is_err(), "{blank:?}");
    }
    // U+2007 (figure space) and U+00A0 are outside the pattern's class: they count.
    for kept in ["\u{2007}", "\u{a0}", " x ", "evt-1"] {
        assert_eq!(one_entry(id(kept)).expect(kept).deduplication_id.as_deref(), Some(kept));
    }
}

#[test]
fn a_deduplication_type_other_than_content_based_fails_the_request() {
    let text = |s: &str| Value::Text(s.into());
    let config = Value::Map(vec![(text("DeduplicationType"), text("EXACTLY_ONCE"))]);
    let input = Value::Map(vec![
        (text("EventBusArn"), text(ARN)),
        (text("Entries"), Value::Array(vec![Value::Map(vec![])])),
        (text("DeduplicationConfiguration"), config),
    ]);
    assert!(matches!(put_events_input(&input), Err(ServiceError::InvalidInput(_))));
}

//! An object's tag says which sinks got its records, by variable and a digest of the value they had.

use super::*;

fn config(bus: Option<&str>, topic: Option<&str>) -> Config {
    let lookup = |name: &str| match name {
        "EVENT_BUS_NAME" => bus.map(str::to_owned),
        "TOPIC_ARN" => topic.map(str::to_owned),
        _ => None,
    };
    Config::from_lookup(lookup).expect("a valid configuration")
}

const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:ScoreEventsTopic";

#[test]
fn a_tag_of_a_time_only_counts_as_delivered_to_every_sink() {
    let tag = Redriven::parse("2026-12-03T16:08:25Z");
    assert_eq!(tag, Redriven::Everywhere { at: "2026-12-03T16:08:25Z".into() });
    assert_eq!(tag.delivered(&config(Some("ScoreEventsBus"), Some(TOPIC))), Sinks::from_iter(Sink::ALL));
}

#[test]
fn a_tag_names_the_sinks_that_got_the_records_and_reads_back_the_same() {
    let both = config(Some("ScoreEventsBus"), Some(TOPIC));
    let written = value(Sinks::from_iter([Sink::Bus]), &both, "2026-12-03T16:08:25Z");
    assert!(written.starts_with("EVENT_BUS_NAME=") && written.ends_with(" 2026-12-03T16:08:25Z"), "{written}");
    assert!(!written.contains("TOPIC_ARN"), "{written}");
    let read = Redriven::parse(&written);
    assert_eq!(read.delivered(&both), Sinks::from_iter([Sink::Bus]));
    assert_eq!(read.at(), "2026-12-03T16:08:25Z");
    let all = value(Sinks::from_iter(Sink::ALL), &both, "2026-12-03T16:08:25Z");
    assert_eq!(Redriven::parse(&all).delivered(&both), Sinks::from_iter(Sink::ALL));
}

#[test]
fn a_sink_replaced_since_counts_as_not_delivered() {
    let before = config(Some("ScoreEventsBus"), Some(TOPIC));
    let written = value(Sinks::from_iter(Sink::ALL), &before, "2026-12-03T16:08:25Z");
    let after = config(Some("OtherBus"), Some(TOPIC));
    assert_eq!(Redriven::parse(&written).delivered(&after), Sinks::from_iter([Sink::Topic]));
}

#[test]
fn a_tag_value_fits_what_s3_allows() {
    let long = format!("arn:aws:events:eu-west-1:123456789012:event-bus/{}", "b".repeat(256));
    let topic = format!("arn:aws:sns:eu-west-1:123456789012:{}", "t".repeat(256));
    let written = value(Sinks::from_iter(Sink::ALL), &config(Some(&long), Some(&topic)), "2026-12-03T16:08:25Z");
    assert!(written.len() <= 256, "{written}");
    let allowed = |c: char| c.is_ascii_alphanumeric() || " +-=._:/@".contains(c);
    assert!(written.chars().all(allowed), "{written}");
}

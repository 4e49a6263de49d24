//! The tally of deliveries, and the EMF document byte for byte.

use super::*;
use crate::publish::{Delivery, EntryError};
use crate::test_support::event;
use score_fanout_events::DomainEvent;

/// `event` as a ScoreChanged.
fn score_changed(index: usize) -> DomainEvent {
    let DomainEvent::PlayerAdded(added) = event(index) else { unreachable!("test_support's events are PlayerAdded") };
    DomainEvent::ScoreChanged(score_fanout_events::ScoreChanged {
        meta: added.meta,
        player_id: added.player_id,
        date: added.date,
        old_score: 1,
        new_score: 2,
        delta: 1,
    })
}

#[test]
fn an_event_counts_as_published_to_each_sink_without_an_error_for_it() {
    let events = [event(0), score_changed(1), score_changed(2)];
    let refused =
        EntryError::Failed { sink: "EventBridge", code: "Throttling".into(), message: String::new(), request_id: None };
    let outcome = BatchOutcome {
        deliveries: vec![Delivery::Delivered, Delivery::Delivered, Delivery::Failed(vec![refused])],
        resent: 2,
        already_accepted: 3,
        deduplicated: None,
        sinks: vec!["EventBridge", "SNS"],
    };
    let mut tally = Tally::default();
    tally.count_deliveries(&events, &outcome);
    assert_eq!((tally.published_to("EventBridge"), tally.published_to("SNS"), tally.entries_retried), (2, 3, 2));
    assert_eq!(tally.entries_already_accepted, 3);
    assert_eq!(tally.published[&("SNS", "ScoreChanged")], 2);
    assert_eq!(tally.published[&("EventBridge", "PlayerRemoved")], 0, "every event type of every sink, zeros included");
}

#[test]
fn an_invocation_gives_one_document_with_every_count() {
    let events = [event(0), score_changed(1), score_changed(2)];
    let outcome = BatchOutcome {
        deliveries: vec![
            Delivery::Failed(vec![EntryError::OutOfTime { sink: "SNS" }]),
            Delivery::Failed(vec![EntryError::OutOfTime { sink: "EventBridge" }]),
            Delivery::Failed(vec![EntryError::OutOfTime { sink: "EventBridge" }]),
        ],
        resent: 2,
        already_accepted: 4,
        deduplicated: None,
        sinks: vec!["EventBridge", "SNS"],
    };
    let mut tally = Tally { records: 8, held: 1, parked: 1, oldest_record_age_ms: Some(1500), ..Tally::default() };
    tally.count_deliveries(&events, &outcome);
    let expected = concat!(
        r#"{"_aws":{"Timestamp":1795510800000,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[["FunctionName"]],"Metrics":["#,
        r#"{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},"#,
        r#"{"Name":"EntriesAlreadyAccepted","Unit":"Count"},"#,
        r#"{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"},"#,
        r#"{"Name":"OldestRecordAge","Unit":"Milliseconds"},"#,
        r#"{"Name":"EventsPublished.EventBridge","Unit":"Count"},{"Name":"EventsPublished.SNS","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.EventBridge.PlayerAdded","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.EventBridge.PlayerRemoved","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.EventBridge.ScoreChanged","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.SNS.PlayerAdded","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.SNS.PlayerRemoved","Unit":"Count"},"#,
        r#"{"Name":"EventsPublished.SNS.ScoreChanged","Unit":"Count"}]}]},"#,
        r#""FunctionName":"score-fanout-prod","EntriesAlreadyAccepted":4,"EntriesRetried":2,"EventsPublished.EventBridge":1,"EventsPublished.EventBridge.PlayerAdded":1,"#,
        r#""EventsPublished.EventBridge.PlayerRemoved":0,"EventsPublished.EventBridge.ScoreChanged":0,"#,
        r#""EventsPublished.SNS":2,"EventsPublished.SNS.PlayerAdded":0,"EventsPublished.SNS.PlayerRemoved":0,"#,
        r#""EventsPublished.SNS.ScoreChanged":2,"OldestRecordAge":1500,"RecordsDeadLettered":1,"#,
        r#""RecordsFailed":1,"RecordsReceived":8}"#,
    );
    assert_eq!(tally.document(1_795_510_800_000, Some("score-fanout-prod"), None), expected);
}

#[test]
fn a_batch_without_sinks_or_records_reports_its_counts_only() {
    let expected = concat!(
        r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[[]],"Metrics":["#,
        r#"{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},"#,
        r#"{"Name":"EntriesAlreadyAccepted","Unit":"Count"},"#,
        r#"{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"}]}]},"#,
        r#""EntriesAlreadyAccepted":0,"EntriesRetried":0,"RecordsDeadLettered":0,"RecordsFailed":0,"RecordsReceived":0}"#,
    );
    assert_eq!(Tally::default().document(1, None, None), expected);
}

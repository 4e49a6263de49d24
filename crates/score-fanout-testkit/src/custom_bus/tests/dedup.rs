//! Duplicate suppression: per (bus, publishing account, event group or none, DeduplicationId or content), within
//! 300 s of the first accepted entry, answered `DEDUPLICATED` with the first entry's EventId; and sequence numbers.

use super::*;
use std::time::Duration;

fn event_id(answer: &Answer, index: usize) -> Value {
    member(&answer.entries()[index], "EventId")
}

#[tokio::test]
async fn a_duplicate_within_300_seconds_is_answered_deduplicated_and_stored_once() {
    let (bus, arn) = stand_in().await;
    let first = put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await;
    bus.advance_clock(Duration::from_secs(299));
    // Another Detail with the same id: a DeduplicationId is the whole identity, whatever the content.
    let again = put(&bus, &arn, vec![entry("player-1", "evt-1", 2)]).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.codes(), ["DEDUPLICATED"]);
    assert_eq!(again.member("FailedEntryCount"), Value::Integer(0.into()), "a duplicate is a success");
    assert_eq!(event_id(&again, 0), event_id(&first, 0), "answered with the EventId of the entry it repeats");
    assert_eq!(member(&again.entries()[0], "SequenceNumber"), member(&first.entries()[0], "SequenceNumber"));
    assert_eq!(bus.accepted().len(), 1);
    assert_eq!((bus.stats().published, bus.stats().deduplicated), (1, 1));
}

#[tokio::test]
async fn a_duplicate_past_300_seconds_is_published_again() {
    let (bus, arn) = stand_in().await;
    let first = put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await;
    bus.advance_clock(Duration::from_secs(301));
    let again = put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await;
    assert_eq!(again.codes(), ["PUBLISHED"]);
    assert_ne!(event_id(&again, 0), event_id(&first, 0));
    assert_eq!(bus.accepted().len(), 2);
}

#[tokio::test]
async fn the_window_runs_from_the_first_accepted_entry_not_from_its_duplicates() {
    let (bus, arn) = stand_in().await;
    put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await;
    bus.advance_clock(Duration::from_secs(200));
    assert_eq!(put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await.codes(), ["DEDUPLICATED"]);
    bus.advance_clock(Duration::from_secs(101));
    assert_eq!(put(&bus, &arn, vec![entry("player-1", "evt-1", 1)]).await.codes(), ["PUBLISHED"]);
}

#[tokio::test]
async fn a_duplicate_inside_one_request_is_deduplicated() {
    let (bus, arn) = stand_in().await;
    let answer = put(&bus, &arn, vec![entry("player-1", "evt-1", 1), entry("player-1", "evt-1", 1)]).await;
    assert_eq!(answer.codes(), ["PUBLISHED", "DEDUPLICATED"]);
    assert_eq!(event_id(&answer, 0), event_id(&answer, 1));
}

#[tokio::test]
async fn the_same_deduplication_id_in_another_group_or_from_another_account_is_another_event() {
    let bus = CustomBusConfig::new().bus("scores").publisher("AKIDOTHER", "444455556666").start().await.expect("up");
    let arn = bus.arn("scores").expect("bus");
    let answer = put(&bus, &arn, vec![entry("player-1", "evt-1", 1), entry("player-2", "evt-1", 1)]).await;
    assert_eq!(answer.codes(), ["PUBLISHED", "PUBLISHED"]);
    let ungrouped = map(&[
        ("Source", text("score-fanout")),
        ("DetailType", text("ScoreChanged")),
        ("SystemMetadata", map(&[("DeduplicationId", text("evt-1"))])),
    ]);
    let answer = put(&bus, &arn, vec![ungrouped.clone(), ungrouped.clone()]).await;
    assert_eq!(answer.codes(), ["PUBLISHED", "DEDUPLICATED"], "ungrouped entries share one scope");
    let other = SIGNED.replace("Credential=test/", "Credential=AKIDOTHER/");
    let headers = [("smithy-protocol", "rpc-v2-cbor"), ("authorization", other.as_str())];
    let body = definite(&put_request(&arn, vec![entry("player-1", "evt-1", 1), ungrouped]));
    let answer = send(&bus.endpoint, "POST", "/service/AWSEventsV2/operation/PutEvents", &headers, &body).await;
    assert_eq!(answer.codes(), ["PUBLISHED", "PUBLISHED"], "another account's entries are other events");
    let accounts: Vec<String> = bus.accepted().iter().map(|event| event.account.clone()).collect();
    assert_eq!(accounts[3..], ["444455556666", "444455556666"]);
}

#[tokio::test]
async fn content_based_deduplication_suppresses_an_identical_entry_without_an_id() {
    let (bus, arn) = stand_in().await;
    let plain = |n: u32| {
        map(&[
            ("Source", text("score-fanout")),
            ("DetailType", text("ScoreChanged")),
            ("Detail", text(&format!(r#"{{"n":{n}}}"#))),
            ("SystemMetadata", map(&[("EventGroupId", text("player-1"))])),
        ])
    };
    let unset = put(&bus, &arn, vec![plain(1), plain(1)]).await;
    assert_eq!(unset.codes(), ["PUBLISHED", "PUBLISHED"], "no id and no configuration: nothing is suppressed");
    let Value::Map(mut request) = put_request(&arn, vec![plain(2), plain(2), plain(3)]) else { unreachable!() };
    request.push((text("DeduplicationConfiguration"), map(&[("DeduplicationType", text("CONTENT_BASED"))])));
    let answer = call(&bus.endpoint, "PutEvents", &definite(&Value::Map(request))).await;
    assert_eq!(answer.codes(), ["PUBLISHED", "DEDUPLICATED", "PUBLISHED"]);
}

#[tokio::test]
async fn sequence_numbers_increase_with_ingestion_across_requests() {
    let (bus, arn) = stand_in().await;
    let mut sequences = Vec::new();
    for round in 0..3 {
        let entries = (0..4).map(|n| entry(&format!("player-{n}"), &format!("evt-{round}-{n}"), n)).collect();
        let answer = put(&bus, &arn, entries).await;
        for answered in answer.entries() {
            let sequence = member(&answered, "SequenceNumber");
            sequences.push(sequence.as_text().and_then(|s| s.parse::<u64>().ok()).expect("a decimal string"));
        }
    }
    assert_eq!(sequences.len(), 12);
    assert!(sequences.windows(2).all(|pair| pair[0] < pair[1]), "{sequences:?}");
    let accepted: Vec<u64> = bus.accepted().iter().map(|event| event.sequence_number).collect();
    assert_eq!(accepted, sequences);
}

//! The model's constraints: a bad bus ARN, a list of entries off 1-100 or a member of the wrong type fails the
//! request with 400 `InvalidInputException`; an entry off its own constraints fails alone; a missing bus is 404.

use super::*;
use crate::custom_bus::BusState;

const INVALID_INPUT: &str = "com.amazonaws.eventbridgev2#InvalidInputException";

#[tokio::test]
async fn bus_arns_off_the_model_pattern_are_invalid_input_for_both_operations() {
    let (bus, arn) = stand_in().await;
    let id = arn.rsplit('/').next().expect("id").to_owned();
    let near_misses = [
        "arn:aws:events:us-east-1:123456789012:event-bus/scores".to_owned(),
        arn[..arn.len() - 1].to_owned(),
        arn.replace(&id, &id.to_uppercase()),
        arn.replace("123456789012", "12345678901"),
        arn.replace(":events:", ":eventsv2:"),
        arn.replace("/scores/", "/.scores/"),
        arn.replace("arn:aws:", "arn:azure:"),
        "scores".to_owned(),
        String::new(),
    ];
    for bad in near_misses {
        let put = put(&bus, &bad, vec![entry("g", "1", 1)]).await;
        let body = definite(&map(&[("EventBusArn", text(&bad))]));
        let described = call(&bus.endpoint, "DescribeEventBus", &body).await;
        for answer in [put, described] {
            assert_eq!((answer.status, answer.error().0.as_str()), (400, INVALID_INPUT), "{bad:?}");
        }
    }
}

#[tokio::test]
async fn entries_outside_1_to_100_are_invalid_input() {
    let (bus, arn) = stand_in().await;
    let entries = |count: u32| (0..count).map(|n| entry("g", &n.to_string(), n)).collect::<Vec<_>>();
    for count in [0, 101] {
        let answer = put(&bus, &arn, entries(count)).await;
        assert_eq!((answer.status, answer.error().0.as_str()), (400, INVALID_INPUT), "{count} entries");
    }
    assert!(bus.accepted().is_empty());
    let answer = put(&bus, &arn, entries(100)).await;
    assert_eq!(answer.status, 200);
    assert_eq!(bus.accepted().len(), 100);
}

/// An entry with member `key` set to `value` (or removed, for Null), inside `SystemMetadata` when `metadata`;
/// `id` its DeduplicationId otherwise.
fn with(id: &str, key: &str, value: Value, metadata: bool) -> Value {
    let mut base = entry("g", id, 0);
    let Value::Map(members) = &mut base else { unreachable!() };
    let target = if metadata {
        let found = members.iter_mut().find(|(k, _)| k.as_text() == Some("SystemMetadata"));
        let Some((_, Value::Map(inner))) = found else { unreachable!() };
        inner
    } else {
        members
    };
    target.retain(|(k, _)| k.as_text() != Some(key));
    if !value.is_null() {
        target.push((text(key), value));
    }
    base
}

#[tokio::test]
async fn an_entry_off_the_model_fails_alone_and_counts_in_failed_entry_count() {
    let (bus, arn) = stand_in().await;
    let long = |n: usize| text(&"x".repeat(n));
    let refused = [
        (with("id", "Source", text("aws.events"), false), "Source"),
        (with("id", "Source", long(257), false), "Source"),
        (with("id", "Source", text(""), false), "Source"),
        (with("id", "Source", Value::Null, false), "Source"),
        (with("id", "DetailType", long(129), false), "DetailType"),
        (with("id", "DetailType", Value::Null, false), "DetailType"),
        (with("id", "Detail", text("{not json"), false), "Detail"),
        (with("id", "Resources", Value::Array(vec![long(2049)]), false), "Resources"),
        (with("id", "Resources", Value::Array(vec![text("r"); 101]), false), "Resources"),
        (with("id", "EventGroupId", long(129), true), "EventGroupId"),
        (with("id", "EventGroupId", text(""), true), "EventGroupId"),
        (with("id", "DeduplicationId", text(" \t\u{3000}\n"), true), "DeduplicationId"),
        (with("id", "DeduplicationId", long(129), true), "DeduplicationId"),
    ];
    // Each with an id of its own, so that none is a duplicate of another.
    let accepted = [
        with("a", "Source", long(256), false),
        with("b", "DetailType", long(128), false),
        with("c", "EventGroupId", long(128), true),
        with("d", "DeduplicationId", text(" x "), true),
        with("e", "Resources", Value::Array(vec![long(2048); 100]), false),
    ];
    let mut entries: Vec<Value> = refused.iter().map(|(entry, _)| entry.clone()).collect();
    entries.extend(accepted.iter().cloned());
    let answer = put(&bus, &arn, entries).await;
    assert_eq!(answer.status, 200, "entries fail alone, not the request");
    assert_eq!(answer.member("FailedEntryCount"), Value::Integer(refused.len().into()));
    let answered = answer.entries();
    for ((_, field), result) in refused.iter().zip(&answered) {
        assert_eq!(member(result, "ErrorCode"), text("InvalidInputException"), "{field}");
        let message = member(result, "ErrorMessage");
        assert!(message.as_text().is_some_and(|m| m.contains(field)), "{field}: {message:?}");
        assert!(member(result, "EventId").is_null() && member(result, "SuccessCode").is_null());
    }
    assert!(answered[refused.len()..].iter().all(|r| member(r, "SuccessCode") == text("PUBLISHED")));
    assert_eq!(bus.accepted().len(), accepted.len());
    assert_eq!(bus.stats().failed_entries, refused.len());
}

#[tokio::test]
async fn a_member_of_the_wrong_type_fails_the_whole_request() {
    let (bus, arn) = stand_in().await;
    let wrong = [
        with("id", "Source", Value::Integer(7.into()), false),
        with("id", "Time", text("2026-01-02T03:04:05Z"), false),
        with("id", "Time", Value::Integer(1_767_323_045.into()), false),
        with("id", "EventGroupId", Value::Array(vec![]), true),
        with("id", "Resources", Value::Array(vec![Value::Integer(1.into())]), false),
    ];
    for bad in wrong {
        let answer = put(&bus, &arn, vec![entry("g", "ok", 1), bad.clone()]).await;
        assert_eq!((answer.status, answer.error().0.as_str()), (400, INVALID_INPUT), "{bad:?}");
    }
    assert!(bus.accepted().is_empty(), "the valid entry beside it is not published either");
}

#[tokio::test]
async fn a_bus_that_does_not_exist_is_not_found_for_both_operations() {
    let (bus, arn) = stand_in().await;
    let another_id = format!("{}{}", &arn[..arn.len() - 25], "z".repeat(25));
    for missing in [another_id, arn.replace("/scores/", "/other/"), arn.replace("123456789012", "210987654321")] {
        let put = put(&bus, &missing, vec![entry("g", "1", 1)]).await;
        let body = definite(&map(&[("EventBusArn", text(&missing))]));
        let described = call(&bus.endpoint, "DescribeEventBus", &body).await;
        for answer in [put, described] {
            let expected = "com.amazonaws.eventbridgev2#ResourceNotFoundException";
            assert_eq!((answer.status, answer.error().0.as_str()), (404, expected), "{missing}");
            assert!(answer.error().1.contains(&missing), "the message names the bus");
        }
    }
    assert!(bus.accepted().is_empty());
}

#[tokio::test]
async fn a_bus_still_creating_refuses_events_with_invalid_state_until_it_is_active() {
    let bus = CustomBusConfig::new().bus_in_state("scores", BusState::Creating).start().await.expect("up");
    let arn = bus.arn("scores").expect("bus");
    let described = call(&bus.endpoint, "DescribeEventBus", &definite(&map(&[("EventBusArn", text(&arn))]))).await;
    assert_eq!((described.status, described.member("State")), (200, text("CREATING")));
    let refused = put(&bus, &arn, vec![entry("g", "1", 1)]).await;
    let expected = "com.amazonaws.eventbridgev2#InvalidStateException";
    assert_eq!((refused.status, refused.error().0.as_str()), (409, expected));
    assert!(bus.set_state("scores", BusState::Active));
    assert_eq!(put(&bus, &arn, vec![entry("g", "1", 1)]).await.codes(), ["PUBLISHED"]);
}

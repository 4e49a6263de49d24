//! Faults on demand: whole calls throttled (429) or failed (500), entries failed alone with a chosen code.

use super::*;

#[tokio::test]
async fn throttling_on_demand_answers_429_to_the_next_calls_only() {
    let (bus, arn) = stand_in().await;
    bus.faults().throttle_next_calls(2);
    for _ in 0..2 {
        let answer = put(&bus, &arn, vec![entry("g", "1", 1)]).await;
        let (code, message) = answer.error();
        assert_eq!((answer.status, code.as_str()), (429, "com.amazonaws.eventbridgev2#ThrottlingException"));
        assert_eq!(message, "Rate exceeded.");
    }
    assert!(bus.accepted().is_empty(), "a throttled call changes nothing");
    assert_eq!(put(&bus, &arn, vec![entry("g", "1", 1)]).await.codes(), ["PUBLISHED"]);
    assert_eq!((bus.stats().put_events_calls, bus.stats().throttled_calls), (3, 2));
}

#[tokio::test]
async fn random_throttling_throttles_some_calls_and_lets_the_others_through() {
    let (bus, arn) = stand_in().await;
    bus.faults().throttle_randomly(0.5);
    let mut statuses = Vec::new();
    for n in 0..40 {
        statuses.push(put(&bus, &arn, vec![entry("g", &n.to_string(), n)]).await.status);
    }
    let throttled = statuses.iter().filter(|status| **status == 429).count();
    assert!((5..35).contains(&throttled), "{statuses:?}");
    assert_eq!(throttled + bus.accepted().len(), 40);
}

#[tokio::test]
async fn internal_errors_on_demand_answer_500_and_change_nothing() {
    let (bus, arn) = stand_in().await;
    bus.faults().fail_next_calls(1);
    let answer = put(&bus, &arn, vec![entry("g", "1", 1)]).await;
    assert_eq!((answer.status, answer.error().0.as_str()), (500, "com.amazonaws.eventbridgev2#InternalException"));
    assert!(bus.accepted().is_empty());
}

#[tokio::test]
async fn an_injected_entry_failure_fails_that_entry_alone_and_leaves_no_window() {
    let (bus, arn) = stand_in().await;
    bus.faults().fail_next_entries(1, "ThrottlingException");
    let answer = put(&bus, &arn, vec![entry("g", "1", 1), entry("g", "2", 2)]).await;
    assert_eq!(answer.codes(), ["ThrottlingException", "PUBLISHED"]);
    assert_eq!(answer.member("FailedEntryCount"), Value::Integer(1.into()));
    let retried = put(&bus, &arn, vec![entry("g", "1", 1)]).await;
    assert_eq!(retried.codes(), ["PUBLISHED"], "the failed entry was never accepted, so it is no duplicate");
    let order: Vec<String> = bus.accepted_in_group("g").iter().map(|event| event.detail.clone()).collect();
    assert_eq!(order, [r#"{"n":2}"#, r#"{"n":1}"#]);
}

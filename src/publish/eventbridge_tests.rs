//! EventBridge adapter tests: the `PutEvents` request as sent and signed, and partial failures and error answers
//! read from the service's JSON, through a service answering from memory.

use super::*;
use crate::publish::fake_service::{fake, Received};
use crate::publish::RetryBudget;
use crate::test_support::deliver_all;
use crate::test_support::{event_id_of, events};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A call as the retry engine makes it, without a trace.
const CALL: Call<'static> = Call { timeout: std::time::Duration::from_secs(2), trace_header: None };

/// A sink on bus `score-events` whose service answers request number N (from 1) with `answer(N, request)`.
fn sink_answering(
    answer: impl Fn(usize, &Value) -> (u16, String) + Send + Sync + 'static,
) -> (EventBridgeSink, Arc<Mutex<Vec<Received>>>) {
    let (transport, service, received) =
        fake(SIGNING_NAME, move |call, body| answer(call, &serde_json::from_str(body).expect("request JSON")));
    (EventBridgeSink::new(transport, service, "score-events", "game.scores"), received)
}

/// An answer listing `results` (None: the entry was put; Some(code): it failed with that code).
fn answer(results: &[Option<&str>]) -> (u16, String) {
    let entries: Vec<Value> = results
        .iter()
        .map(|result| match result {
            None => json!({"EventId": "11111111-2222-3333-4444-555555555555"}),
            Some(code) => json!({"ErrorCode": code, "ErrorMessage": format!("{code} for this entry")}),
        })
        .collect();
    let failed = results.iter().filter(|r| r.is_some()).count();
    (200, json!({"FailedEntryCount": failed, "Entries": entries}).to_string())
}

fn all_ok(request: &Value) -> (u16, String) {
    answer(&vec![None; request["Entries"].as_array().expect("Entries").len()])
}

/// The eventIds of every request, in the order they were made.
fn event_ids(received: &Mutex<Vec<Received>>) -> Vec<Vec<String>> {
    let received = received.lock().expect("lock");
    let ids = |r: &Received| -> Vec<String> {
        let request: Value = serde_json::from_str(&r.body).expect("JSON");
        let entries = request["Entries"].as_array().expect("Entries").iter();
        entries.map(|e| event_id_of(e["Detail"].as_str().expect("Detail"))).collect()
    };
    received.iter().map(ids).collect()
}

#[test]
fn an_entry_carries_bus_source_event_name_and_the_event_json() {
    let (sink, _) = sink_answering(|_, request| all_ok(request));
    let event = &events(1)[0];
    let entry = sink.to_entry(event);
    let request: Value = serde_json::from_slice(&sink.request_body(std::slice::from_ref(&entry), None)).expect("JSON");
    let expected = json!({"Entries": [{
        "EventBusName": "score-events",
        "Source": "game.scores",
        "DetailType": "PlayerAdded",
        "Detail": event.to_json(),
    }]});
    assert_eq!(request, expected);
    assert_eq!(sink.entry_size(&entry), "game.scores".len() + "PlayerAdded".len() + event.to_json().len());
    let measured = sink.measure(event, crate::publish::json_len(event), 0);
    assert_eq!((measured.size, measured.group), (sink.entry_size(&entry), None));
}

#[tokio::test]
async fn a_request_is_json_1_1_for_put_events_signed_for_events_in_the_region() {
    let (sink, received) = sink_answering(|_, request| all_ok(request));
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0])], &CALL).await;
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    let request = received.lock().expect("lock")[0].clone();
    assert_eq!(request.content_type.as_deref(), Some("application/x-amz-json-1.1"));
    assert_eq!(request.target.as_deref(), Some("AWSEvents.PutEvents"));
    assert_eq!(request.security_token.as_deref(), Some("session-token"));
    let authorization = request.authorization.expect("signed");
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), "{authorization}");
    assert!(authorization.contains("/us-east-1/events/aws4_request"), "{authorization}");
    assert!(
        authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"),
        "{authorization}"
    );
}

#[tokio::test(start_paused = true)]
async fn failed_entry_count_resends_only_the_failed_entries() {
    let (sink, received) = sink_answering(|call, request| match call {
        1 => answer(&[None, Some("ThrottlingException"), None, Some("InternalFailure")]),
        _ => all_ok(request),
    });
    let outcomes = deliver_all(&sink, &events(4), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(event_ids(&received), vec![vec!["ev0", "ev1", "ev2", "ev3"], vec!["ev1", "ev3"]]);
}

#[tokio::test(start_paused = true)]
async fn a_validation_error_code_is_poison_and_is_not_resent() {
    let (sink, received) = sink_answering(|_, _| answer(&[Some("MalformedDetail"), None]));
    let outcomes = deliver_all(&sink, &events(2), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(matches!(&outcomes[0], Err(EntryError::Rejected { code, .. }) if code == "MalformedDetail"));
    assert!(outcomes[1].is_ok());
    assert_eq!(received.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn an_error_answer_names_the_code_without_its_namespace() {
    let (sink, _) = sink_answering(|_, _| {
        (400, json!({"__type": "com.amazonaws.events#ThrottlingException", "message": "Rate exceeded"}).to_string())
    });
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0])], &CALL).await;
    let Err(EntryError::Request { detail, .. }) = &outcomes[0] else { panic!("{outcomes:?}") };
    assert_eq!(detail, "ThrottlingException: Rate exceeded");
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_named_by_its_status_and_quoted() {
    let (sink, _) = sink_answering(|_, _| (502, "<html>Bad Gateway</html>".to_owned()));
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0])], &CALL).await;
    let Err(EntryError::Request { detail, .. }) = &outcomes[0] else { panic!("{outcomes:?}") };
    assert_eq!(detail, "HTTP502: <html>Bad Gateway</html>");
}

#[tokio::test(start_paused = true)]
async fn a_throttled_call_then_a_5xx_burst_then_success_delivers_everything() {
    let (sink, received) = sink_answering(|call, request| match call {
        1 => (400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_owned()),
        2 | 3 => (503, String::new()),
        _ => all_ok(request),
    });
    let outcomes = deliver_all(&sink, &events(3), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(received.lock().expect("lock").len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_bus_that_never_recovers_fails_every_entry_within_the_budget() {
    let (sink, received) = sink_answering(|_, _| (500, String::new()));
    let start = Instant::now();
    let budget = RetryBudget::new(Duration::from_secs(5));
    let outcomes = deliver_all(&sink, &events(2), &budget).await.outcomes;
    assert!(outcomes.iter().all(|o| matches!(o, Err(EntryError::Request { .. }))), "{outcomes:?}");
    assert!(Instant::now() <= budget.stop_at() && start.elapsed() <= Duration::from_secs(4));
    assert!(received.lock().expect("lock").len() > 3);
}

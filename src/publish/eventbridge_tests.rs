//! EventBridge adapter tests: entry building, and `PutEvents` partial failures through `aws-smithy-mocks`.

use super::*;
use crate::publish::retry::{deliver, RetryBudget};
use crate::test_support::{event_id_of, events};
use aws_sdk_eventbridge::config::retry::RetryConfig;
use aws_sdk_eventbridge::operation::put_events::{PutEventsInput, PutEventsOutput};
use aws_smithy_mocks::{mock, mock_client, MockResponse, RuleMode};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The eventIds of every `PutEvents` request, in the order the requests were made.
type Requests = Arc<Mutex<Vec<Vec<String>>>>;

fn result_ok() -> PutEventsResultEntry {
    PutEventsResultEntry::builder().event_id("11111111-2222-3333-4444-555555555555").build()
}

fn result_error(code: &str) -> PutEventsResultEntry {
    PutEventsResultEntry::builder().error_code(code).error_message(format!("{code} for this entry")).build()
}

/// A sink whose mocked `PutEvents` answers request number N (from 1) with `answer(N, input)`.
fn sink_answering(
    answer: impl Fn(
            usize,
            &PutEventsInput,
        ) -> MockResponse<PutEventsOutput, aws_sdk_eventbridge::operation::put_events::PutEventsError>
        + Send
        + Sync
        + 'static,
) -> (EventBridgeSink, Requests) {
    let requests: Requests = Arc::default();
    let seen = requests.clone();
    let rule = mock!(Client::put_events).then_compute_response(move |input| {
        let mut seen = seen.lock().expect("lock");
        seen.push(input.entries().iter().map(|e| event_id_of(e.detail().unwrap_or_default())).collect());
        answer(seen.len(), input)
    });
    let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&rule], |config| config
        .retry_config(RetryConfig::disabled()));
    (EventBridgeSink::new(client, "score-events", "game.scores"), requests)
}

fn all_ok(input: &PutEventsInput) -> PutEventsOutput {
    PutEventsOutput::builder()
        .failed_entry_count(0)
        .set_entries(Some(input.entries().iter().map(|_| result_ok()).collect()))
        .build()
}

#[test]
fn an_entry_carries_bus_source_event_name_and_the_event_json() {
    let (sink, _) = sink_answering(|_, input| MockResponse::Output(all_ok(input)));
    let event = &events(1)[0];
    let entry = sink.to_entry(event);
    assert_eq!(entry.event_bus_name(), Some("score-events"));
    assert_eq!(entry.source(), Some("game.scores"));
    assert_eq!(entry.detail_type(), Some("PlayerAdded"));
    assert_eq!(entry.detail(), Some(event.to_json().as_str()));
    assert_eq!(entry_size(&entry), "game.scores".len() + "PlayerAdded".len() + event.to_json().len());
}

#[tokio::test(start_paused = true)]
async fn failed_entry_count_resends_only_the_failed_entries() {
    let (sink, requests) = sink_answering(|call, input| {
        if call > 1 {
            return MockResponse::Output(all_ok(input));
        }
        let entries =
            vec![result_ok(), result_error("ThrottlingException"), result_ok(), result_error("InternalFailure")];
        MockResponse::Output(PutEventsOutput::builder().failed_entry_count(2).set_entries(Some(entries)).build())
    });
    let outcomes = deliver(&sink, &events(4), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(*requests.lock().expect("lock"), vec![vec!["ev0", "ev1", "ev2", "ev3"], vec!["ev1", "ev3"]]);
}

#[tokio::test(start_paused = true)]
async fn a_validation_error_code_is_poison_and_is_not_resent() {
    let (sink, requests) = sink_answering(|_, input| {
        let mut entries: Vec<_> = input.entries().iter().map(|_| result_ok()).collect();
        entries[0] = result_error("MalformedDetail");
        MockResponse::Output(PutEventsOutput::builder().failed_entry_count(1).set_entries(Some(entries)).build())
    });
    let outcomes = deliver(&sink, &events(2), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(matches!(&outcomes[0], Err(EntryError::Rejected { code, .. }) if code == "MalformedDetail"));
    assert!(outcomes[1].is_ok());
    assert_eq!(requests.lock().expect("lock").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_throttled_call_then_a_5xx_burst_then_success_delivers_everything() {
    let (sink, requests) = sink_answering(|call, input| match call {
        1 => MockResponse::Http(http_response(400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)),
        2 | 3 => MockResponse::Http(http_response(503, "")),
        _ => MockResponse::Output(all_ok(input)),
    });
    let outcomes = deliver(&sink, &events(3), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(requests.lock().expect("lock").len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_bus_that_never_recovers_fails_every_entry_within_the_budget() {
    let (sink, requests) = sink_answering(|_, _| MockResponse::Http(http_response(500, "")));
    let start = Instant::now();
    let budget = RetryBudget::new(Duration::from_secs(5));
    let outcomes = deliver(&sink, &events(2), &budget).await.outcomes;
    assert!(outcomes.iter().all(|o| matches!(o, Err(EntryError::Request { .. }))), "{outcomes:?}");
    assert!(Instant::now() <= budget.stop_at() && start.elapsed() <= Duration::from_secs(4));
    assert!(requests.lock().expect("lock").len() > 3);
}

fn http_response(status: u16, body: &'static str) -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(status).expect("status"),
        aws_smithy_types::body::SdkBody::from(body),
    )
}

//! SNS adapter tests: entry building, group ids, and `PublishBatch` `Failed` entries through `aws-smithy-mocks`.

use super::*;
use crate::publish::retry::{deliver, RetryBudget};
use crate::test_support::{event_for_player, event_id_of, events};
use aws_sdk_sns::config::retry::RetryConfig;
use aws_sdk_sns::operation::publish_batch::{PublishBatchError, PublishBatchInput, PublishBatchOutput};
use aws_smithy_mocks::{mock, mock_client, MockResponse, RuleMode};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The entries (id, eventId) of every `PublishBatch` request, in the order the requests were made.
type Requests = Arc<Mutex<Vec<Vec<(String, String)>>>>;
type Answer = dyn Fn(usize, &PublishBatchInput) -> MockResponse<PublishBatchOutput, PublishBatchError> + Send + Sync;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:score-events";
const FIFO_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:score-events.fifo";

fn sink_answering(topic: &str, answer: Box<Answer>) -> (SnsSink, Requests) {
    let requests: Requests = Arc::default();
    let seen = requests.clone();
    let rule = mock!(Client::publish_batch).then_compute_response(move |input| {
        let mut seen = seen.lock().expect("lock");
        let entries = input.publish_batch_request_entries();
        seen.push(entries.iter().map(|e| (e.id().to_owned(), event_id_of(e.message()))).collect());
        answer(seen.len(), input)
    });
    let client =
        mock_client!(aws_sdk_sns, RuleMode::MatchAny, [&rule], |config| config.retry_config(RetryConfig::disabled()));
    let topic = Topic { arn: topic.to_owned(), fifo: topic.ends_with(".fifo") };
    (SnsSink::new(client, topic), requests)
}

/// Answers with every entry successful except those whose id `failure` maps to (code, sender fault).
fn answer_with(
    input: &PublishBatchInput,
    failure: impl Fn(&str) -> Option<(&'static str, bool)>,
) -> PublishBatchOutput {
    let mut output = PublishBatchOutput::builder();
    for entry in input.publish_batch_request_entries() {
        output = match failure(entry.id()) {
            None => output.successful(PublishBatchResultEntry::builder().id(entry.id()).message_id("m").build()),
            Some((code, sender_fault)) => output.failed(
                BatchResultErrorEntry::builder()
                    .id(entry.id())
                    .code(code)
                    .message(code)
                    .sender_fault(sender_fault)
                    .build()
                    .expect("entry"),
            ),
        };
    }
    output.build()
}

#[test]
fn a_standard_entry_carries_the_event_json_and_filterable_attributes() {
    let (sink, _) = sink_answering(TOPIC, Box::new(|_, input| MockResponse::Output(answer_with(input, |_| None))));
    let event = &events(1)[0];
    let entry = sink.to_entry(event, 7);
    assert_eq!(entry.id(), "e7");
    assert_eq!(entry.message(), event.to_json());
    let attributes = entry.message_attributes().expect("attributes");
    assert_eq!(attributes["eventType"].string_value(), Some("PlayerAdded"));
    assert_eq!(attributes["eventType"].data_type(), "String");
    assert_eq!(attributes["playerId"].string_value(), Some("p0"));
    assert_eq!(entry.message_group_id(), None);
    assert_eq!(entry.message_deduplication_id(), None);
    let size = event.to_json().len() + "eventType".len() + 6 + "PlayerAdded".len() + "playerId".len() + 6 + 2;
    assert_eq!(entry_size(&entry), size);
}

#[test]
fn a_fifo_entry_groups_by_player_and_deduplicates_by_event_id() {
    let (sink, _) = sink_answering(FIFO_TOPIC, Box::new(|_, input| MockResponse::Output(answer_with(input, |_| None))));
    let entry = sink.to_entry(&event_for_player(3, "1234"), 3);
    assert_eq!(entry.message_group_id(), Some("1234"));
    assert_eq!(entry.message_deduplication_id(), Some("ev3"));
}

#[test]
fn group_ids_that_sns_would_refuse_become_their_sha256() {
    assert_eq!(message_group_id("player-1234_{x}!"), "player-1234_{x}!");
    let hashed = message_group_id("joueur à part");
    assert_eq!(hashed.len(), 64);
    assert!(hashed.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(message_group_id(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_eq!(message_group_id(&"x".repeat(128)), "x".repeat(128));
    assert_eq!(message_group_id(&"x".repeat(129)).len(), 64);
}

#[tokio::test(start_paused = true)]
async fn failed_entries_are_resent_unless_the_sender_is_at_fault() {
    let (sink, requests) = sink_answering(
        TOPIC,
        Box::new(|call, input| {
            MockResponse::Output(answer_with(input, |id| match (call, id) {
                (1, "e1") => Some(("Throttled", false)),
                (1, "e2") => Some(("InternalError", false)),
                (_, "e3") => Some(("InvalidParameter", true)),
                _ => None,
            }))
        }),
    );
    let outcomes = deliver(&sink, &events(4), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes[..3].iter().all(Result::is_ok), "{outcomes:?}");
    assert!(matches!(&outcomes[3], Err(EntryError::Rejected { code, .. }) if code == "InvalidParameter"));
    let ids: Vec<Vec<String>> =
        requests.lock().expect("lock").iter().map(|r| r.iter().map(|(id, _)| id.clone()).collect()).collect();
    assert_eq!(ids, vec![vec!["e0", "e1", "e2", "e3"], vec!["e1", "e2"]]);
}

#[tokio::test(start_paused = true)]
async fn an_entry_missing_from_the_response_is_retried() {
    let (sink, requests) = sink_answering(
        TOPIC,
        Box::new(|call, input| {
            let mut output = answer_with(input, |_| None);
            if call == 1 {
                output = PublishBatchOutput::builder().set_successful(Some(output.successful()[1..].to_vec())).build();
            }
            MockResponse::Output(output)
        }),
    );
    let outcomes = deliver(&sink, &events(2), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(requests.lock().expect("lock")[1], vec![("e0".to_owned(), "ev0".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn a_fifo_topic_never_sends_two_entries_of_one_player_together() {
    let (sink, requests) =
        sink_answering(FIFO_TOPIC, Box::new(|_, input| MockResponse::Output(answer_with(input, |_| None))));
    let batch =
        vec![event_for_player(0, "A"), event_for_player(1, "A"), event_for_player(2, "B"), event_for_player(3, "A")];
    let outcomes = deliver(&sink, &batch, &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok));
    let event_ids: Vec<Vec<String>> =
        requests.lock().expect("lock").iter().map(|r| r.iter().map(|(_, event)| event.clone()).collect()).collect();
    assert_eq!(event_ids, vec![vec!["ev0", "ev2"], vec!["ev1"], vec!["ev3"]]);
}

//! SNS adapter tests: entries, group ids, the `PublishBatch` request in the query protocol, and `Failed` entries
//! and error answers read from the service's XML, through a service answering from memory.

use super::*;
use crate::publish::fake_service::{fake, Received};
use crate::publish::RetryBudget;
use crate::test_support::deliver_all;
use crate::test_support::{event_for_player, event_id_of, events};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A call as the retry engine makes it, without a trace.
const CALL: Call<'static> = Call { timeout: std::time::Duration::from_secs(2), trace_header: None };

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:score-events";
const FIFO_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:score-events.fifo";
const ENTRY: &str = "PublishBatchRequestEntries.member";

/// A request's form fields.
fn form(body: &str) -> HashMap<String, String> {
    form_urlencoded::parse(body.as_bytes()).into_owned().collect()
}

/// The (id, eventId) of every entry of a request, in order.
fn entries_of(body: &str) -> Vec<(String, String)> {
    let fields = form(body);
    (1..)
        .map_while(|n| {
            let id = fields.get(&format!("{ENTRY}.{n}.Id"))?;
            Some((id.clone(), event_id_of(&fields[&format!("{ENTRY}.{n}.Message")])))
        })
        .collect()
}

/// A sink on `topic` whose service answers request number N (from 1) with `answer(N, entries of the request)`.
fn sink_answering(
    topic: &str,
    answer: impl Fn(usize, &[(String, String)]) -> (u16, String) + Send + Sync + 'static,
) -> (SnsSink, Arc<Mutex<Vec<Received>>>) {
    let (transport, service, received) = fake(SIGNING_NAME, move |call, body| answer(call, &entries_of(body)));
    (SnsSink::new(transport, service, topic, topic.ends_with(".fifo")), received)
}

/// An answer with every listed entry successful except those `failure` maps to (code, sender fault).
fn answer_with(entries: &[(String, String)], failure: impl Fn(&str) -> Option<(&'static str, bool)>) -> (u16, String) {
    let (mut successful, mut failed) = (String::new(), String::new());
    for (id, _) in entries {
        match failure(id) {
            None => successful.push_str(&format!("<member><Id>{id}</Id><MessageId>m-{id}</MessageId></member>")),
            Some((code, fault)) => failed.push_str(&format!(
                "<member><Id>{id}</Id><Code>{code}</Code><Message>{code} here</Message>\
                 <SenderFault>{fault}</SenderFault></member>"
            )),
        }
    }
    let xml = format!(
        "<PublishBatchResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishBatchResult>\
         <Successful>{successful}</Successful><Failed>{failed}</Failed></PublishBatchResult>\
         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>"
    );
    (200, xml)
}

fn request_entries(received: &Mutex<Vec<Received>>) -> Vec<Vec<(String, String)>> {
    received.lock().expect("lock").iter().map(|r| entries_of(&r.body)).collect()
}

#[test]
fn a_standard_entry_carries_the_event_json_and_filterable_attributes() {
    let (sink, _) = sink_answering(TOPIC, |_, entries| answer_with(entries, |_| None));
    let event = &events(1)[0];
    let entry = sink.to_entry(event, 7);
    assert_eq!(entry.id, "e7");
    assert_eq!(entry.message, event.to_json());
    assert_eq!((entry.event_type, entry.player_id.as_str(), entry.schema_version.as_str()), ("PlayerAdded", "p0", "1"));
    assert_eq!((entry.group.as_deref(), entry.deduplication_id.as_deref()), (None, None));
    let attributes = ["eventType", "PlayerAdded", "playerId", "p0", "schemaVersion", "1"].concat().len() + 3 * 6;
    let size = event.to_json().len() + attributes;
    assert_eq!(entry.size(), size);
}

#[test]
fn a_fifo_entry_groups_by_player_and_deduplicates_by_event_id() {
    let (sink, _) = sink_answering(FIFO_TOPIC, |_, entries| answer_with(entries, |_| None));
    let event = event_for_player(3, "1234");
    let entry = sink.to_entry(&event, 3);
    assert_eq!(entry.group.as_deref(), Some("1234"));
    let measured = sink.measure(&event, crate::publish::json_len(&event), 3);
    assert_eq!((measured.size, measured.group), (entry.size(), entry.group.clone()));
    assert_eq!(entry.deduplication_id.as_deref(), Some("ev3"));
}

#[test]
fn the_request_is_the_query_protocols_form_with_string_attributes() {
    let (sink, _) = sink_answering(FIFO_TOPIC, |_, entries| answer_with(entries, |_| None));
    let event = event_for_player(3, "a b&c=d");
    let fields =
        form(std::str::from_utf8(&query::request_body(FIFO_TOPIC, &[sink.to_entry(&event, 3)])).expect("UTF-8"));
    let field = |name: &str| fields.get(&format!("{ENTRY}.1.{name}")).map(String::as_str);
    assert_eq!((fields["Action"].as_str(), fields["Version"].as_str()), ("PublishBatch", "2010-03-31"));
    assert_eq!(fields["TopicArn"], FIFO_TOPIC);
    assert_eq!(field("Id"), Some("e3"));
    assert_eq!(field("Message"), Some(event.to_json().as_str()));
    assert_eq!(field("MessageAttributes.entry.1.Name"), Some("eventType"));
    assert_eq!(field("MessageAttributes.entry.1.Value.DataType"), Some("String"));
    assert_eq!(field("MessageAttributes.entry.1.Value.StringValue"), Some("PlayerAdded"));
    assert_eq!(field("MessageAttributes.entry.2.Name"), Some("playerId"));
    assert_eq!(field("MessageAttributes.entry.2.Value.StringValue"), Some("a b&c=d"));
    assert_eq!(field("MessageAttributes.entry.3.Name"), Some("schemaVersion"));
    assert_eq!(field("MessageAttributes.entry.3.Value.DataType"), Some("String"));
    assert_eq!(field("MessageAttributes.entry.3.Value.StringValue"), Some("1"));
    assert_eq!(field("MessageGroupId").map(str::len), Some(64), "a player id SNS would refuse is hashed");
    assert_eq!(field("MessageDeduplicationId"), Some("ev3"));
    assert_eq!(fields.len(), 3 + 13);
}

#[tokio::test]
async fn a_request_is_signed_for_sns_in_the_region() {
    let (sink, received) = sink_answering(TOPIC, |_, entries| answer_with(entries, |_| None));
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0], 0)], &CALL).await;
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    let request = received.lock().expect("lock")[0].clone();
    assert_eq!(request.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let authorization = request.authorization.expect("signed");
    assert!(authorization.contains("Credential=AKIDEXAMPLE/"), "{authorization}");
    assert!(authorization.contains("/us-east-1/sns/aws4_request"), "{authorization}");
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
async fn failed_entries_are_resent_or_parked_by_their_code_whatever_sender_fault_says() {
    let (sink, received) = sink_answering(TOPIC, |call, entries| {
        answer_with(entries, |id| match (call, id) {
            (1, "e1") => Some(("Throttled", true)),
            (1, "e2") => Some(("InternalError", false)),
            (_, "e3") => Some(("InvalidParameter", false)),
            _ => None,
        })
    });
    let outcomes = deliver_all(&sink, &events(4), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes[..3].iter().all(Result::is_ok), "{outcomes:?}");
    assert!(matches!(&outcomes[3], Err(EntryError::Rejected { code, .. }) if code == "InvalidParameter"));
    let ids: Vec<Vec<String>> =
        request_entries(&received).into_iter().map(|r| r.into_iter().map(|(id, _)| id).collect()).collect();
    assert_eq!(ids, vec![vec!["e0", "e1", "e2", "e3"], vec!["e1", "e2"]]);
}

#[tokio::test(start_paused = true)]
async fn an_entry_missing_from_the_response_is_retried() {
    let (sink, received) =
        sink_answering(TOPIC, |call, entries| answer_with(&entries[usize::from(call == 1)..], |_| None));
    let outcomes = deliver_all(&sink, &events(2), &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(request_entries(&received)[1], vec![("e0".to_owned(), "ev0".to_owned())]);
}

#[tokio::test]
async fn an_error_answer_names_the_code_and_message() {
    let error = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>\
                 </Error><RequestId>r</RequestId></ErrorResponse>";
    let (sink, _) = sink_answering(TOPIC, move |_, _| (400, error.to_owned()));
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0], 0)], &CALL).await;
    let Err(EntryError::Request { detail, .. }) = &outcomes[0] else { panic!("{outcomes:?}") };
    assert_eq!(detail, "Throttling: Rate exceeded (request r)", "the request id AWS support asks for, from the body");
}

#[tokio::test]
async fn an_error_answer_listed_under_errors_is_read_too_and_a_credential_error_is_an_outage() {
    let error = "<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>Bad signature</Message>\
                 <Type>Sender</Type></Error></Errors></ErrorResponse>";
    let (sink, _) = sink_answering(TOPIC, move |_, _| (403, error.to_owned()));
    let outcomes = sink.send(vec![sink.to_entry(&events(1)[0], 0)], &CALL).await;
    let Err(EntryError::Outage { code, message, .. }) = &outcomes[0] else { panic!("{outcomes:?}") };
    assert_eq!((code.as_str(), message.as_str()), ("SignatureDoesNotMatch", "Bad signature"));
}

#[tokio::test(start_paused = true)]
async fn a_fifo_topic_never_sends_two_entries_of_one_player_together() {
    let (sink, received) = sink_answering(FIFO_TOPIC, |_, entries| answer_with(entries, |_| None));
    let batch =
        vec![event_for_player(0, "A"), event_for_player(1, "A"), event_for_player(2, "B"), event_for_player(3, "A")];
    let outcomes = deliver_all(&sink, &batch, &RetryBudget::new(Duration::from_secs(60))).await.outcomes;
    assert!(outcomes.iter().all(Result::is_ok));
    let event_ids: Vec<Vec<String>> =
        request_entries(&received).into_iter().map(|r| r.into_iter().map(|(_, event)| event).collect()).collect();
    assert_eq!(event_ids, vec![vec!["ev0", "ev2"], vec!["ev1"], vec!["ev3"]]);
}

proptest::proptest! {
    #[test]
    fn form_encoding_is_byte_for_byte_what_form_urlencoded_writes(value in proptest::prelude::any::<String>()) {
        let mut ours = Vec::new();
        query::append_encoded(&mut ours, &value);
        let theirs: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        proptest::prop_assert_eq!(String::from_utf8(ours).expect("ASCII"), theirs);
    }
}

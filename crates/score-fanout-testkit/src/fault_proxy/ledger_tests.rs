//! The ledger: which entries each request carried and the upstream accepted, and each duplicate's cause.

use super::*;
use std::time::Duration;

fn delivery(event_id: &str, at_ms: u64, accepted: bool, fate: AnswerFate) -> Delivery {
    let start = *START.get_or_init(Instant::now);
    let arrived = start + Duration::from_millis(at_ms);
    Delivery { service: Service::EventBridge, event_id: event_id.to_owned(), arrived, accepted, fate }
}

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

#[test]
fn each_copy_after_the_first_is_blamed_on_the_fate_of_the_copy_before_it() {
    use AnswerFate::{AnswerLost, Answered, GivenUp};
    let ledger = [
        delivery("a", 0, true, GivenUp),
        delivery("a", 10, true, AnswerLost),
        delivery("a", 20, true, Answered),
        delivery("a", 30, true, Answered),
        delivery("b", 0, true, Answered),
        delivery("c", 5, true, GivenUp),
        delivery("c", 6, true, Answered),
    ];
    let causes = duplicate_causes(&ledger, Service::EventBridge);
    assert_eq!(causes, DuplicateCauses { rewind: 1, given_up: 2, lost_answer: 1 });
    assert_eq!(causes.total(), 4);
    assert_eq!(causes.to_string(), "rewind 1, given-up call 2, lost answer 1");
}

#[test]
fn copies_are_ordered_by_when_they_reached_the_proxy_not_by_when_they_were_entered() {
    // The given-up call's upstream answered after the copy sent again: that copy is still blamed on the given-up call.
    let ledger = [delivery("a", 50, true, AnswerFate::Answered), delivery("a", 0, true, AnswerFate::GivenUp)];
    assert_eq!(duplicate_causes(&ledger, Service::EventBridge), DuplicateCauses { given_up: 1, ..Default::default() });
}

#[test]
fn copies_the_upstream_refused_and_other_services_count_for_nothing() {
    let mut sns = delivery("a", 5, true, AnswerFate::Answered);
    sns.service = Service::Sns;
    let ledger = [
        delivery("a", 0, false, AnswerFate::Answered),
        delivery("a", 10, true, AnswerFate::GivenUp),
        delivery("a", 20, false, AnswerFate::Answered),
        delivery("a", 30, true, AnswerFate::Answered),
        sns,
    ];
    assert_eq!(duplicate_causes(&ledger, Service::EventBridge), DuplicateCauses { given_up: 1, ..Default::default() });
    assert_eq!(accepted_copies(&ledger, Service::EventBridge), HashMap::from([("a".to_owned(), 2)]));
    assert_eq!(duplicate_causes(&ledger, Service::Sns).total(), 0);
}

fn exchange(body: &[u8], status: u16, answer: &str) -> Exchange {
    let answer = super::super::wire::response(status, "text/plain", answer.as_bytes().to_vec());
    Exchange { body: body.to_vec(), answer }
}

fn event(id: &str) -> String {
    serde_json::json!({"eventId": id, "playerId": "p"}).to_string()
}

#[test]
fn put_events_entries_are_read_from_detail_and_accepted_by_their_answers_event_id() {
    let body = serde_json::json!({"Entries": [{"Detail": event("e1")}, {"Detail": event("e2")}, {"Detail": "{}"}]});
    let answer =
        r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure"},{"EventId":"x"},{"EventId":"y"}]}"#;
    let exchange = exchange(body.to_string().as_bytes(), 200, answer);
    assert_eq!(entries(Service::EventBridge, &exchange), [("e1".to_owned(), false), ("e2".to_owned(), true)]);
}

#[test]
fn a_refused_request_delivered_none_of_its_entries() {
    let body = serde_json::json!({"Entries": [{"Detail": event("e1")}]});
    let exchange = exchange(body.to_string().as_bytes(), 400, r#"{"__type":"ResourceNotFoundException"}"#);
    assert_eq!(entries(Service::EventBridge, &exchange), [("e1".to_owned(), false)]);
}

#[test]
fn publish_batch_entries_are_read_from_message_and_accepted_by_their_id_in_successful() {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "PublishBatch");
    for (n, id) in [(2, "e2"), (1, "e1"), (10, "e10")] {
        form.append_pair(&format!("{MEMBER}{n}.Id"), &format!("id-{n}"));
        form.append_pair(&format!("{MEMBER}{n}.Message"), &event(id));
    }
    let answer = "<PublishBatchResponse><PublishBatchResult><Successful><member><Id>id-1</Id><MessageId>m</MessageId>\
                  </member><member><Id>id-10</Id></member></Successful><Failed><member><Id>id-2</Id><Code>InternalError\
                  </Code></member></Failed></PublishBatchResult></PublishBatchResponse>";
    let exchange = exchange(form.finish().as_bytes(), 200, answer);
    let expected = [("e1".to_owned(), true), ("e2".to_owned(), false), ("e10".to_owned(), true)];
    assert_eq!(entries(Service::Sns, &exchange), expected);
}

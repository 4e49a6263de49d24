//! The Custom Event Bus adapter: the CBOR request as the protocol reads it, each entry's group and deduplication id,
//! `DEDUPLICATED` as a success that is counted, and the protocol's errors classed like the classic bus's.

use super::*;
use crate::publish::fake_service::{fake_bytes, Received};
use crate::publish::RetryBudget;
use crate::test_support::{deliver_all, event_for_player, events};
use ciborium::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BUS: &str = "arn:aws:events:us-east-1:123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m";

/// A sink whose service answers request number N (from 1) with `answer(N, request as CBOR)`.
fn sink_answering(
    answer: impl Fn(usize, &Value) -> (u16, Value) + Send + Sync + 'static,
) -> (CustomBusSink, Arc<Mutex<Vec<Received>>>) {
    let (transport, service, received) = fake_bytes(SIGNING_NAME, move |call, body| {
        let request: Value = ciborium::from_reader(body).expect("a CBOR request");
        let (status, value) = answer(call, &request);
        let mut bytes = Vec::new();
        ciborium::into_writer(&value, &mut bytes).expect("CBOR");
        (status, bytes)
    });
    (CustomBusSink::new(transport, service.url, BUS, "game.scores"), received)
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn get<'a>(map: &'a Value, key: &str) -> &'a Value {
    let Value::Map(entries) = map else { panic!("not a map: {map:?}") };
    entries.iter().find(|(k, _)| *k == text(key)).map(|(_, v)| v).unwrap_or_else(|| panic!("no {key} in {map:?}"))
}

fn entries(request: &Value) -> Vec<Value> {
    match get(request, "Entries") {
        Value::Array(entries) => entries.clone(),
        other => panic!("Entries is not an array: {other:?}"),
    }
}

/// An answer with one result per entry: `SuccessCode` when `code` gives none, else that error code.
fn answer(request: &Value, code: impl Fn(usize) -> Option<&'static str>) -> (u16, Value) {
    let results: Vec<Value> = (0..entries(request).len())
        .map(|i| match code(i) {
            Some("DEDUPLICATED") => {
                Value::Map(vec![(text("EventId"), text("e")), (text("SuccessCode"), text("DEDUPLICATED"))])
            }
            Some(error) => Value::Map(vec![(text("ErrorCode"), text(error)), (text("ErrorMessage"), text("no"))]),
            None => Value::Map(vec![(text("EventId"), text("e")), (text("SuccessCode"), text("PUBLISHED"))]),
        })
        .collect();
    (
        200,
        Value::Map(vec![
            (text("FailedEntryCount"), Value::Integer(0.into())),
            (text("Entries"), Value::Array(results)),
        ]),
    )
}

fn error(type_: &str) -> Value {
    Value::Map(vec![
        (text("__type"), text(&format!("com.amazonaws.eventbridgev2#{type_}"))),
        (text("Message"), text("no")),
    ])
}

#[tokio::test]
async fn an_entry_goes_to_the_bus_arn_with_the_player_as_its_group_and_the_event_id_to_deduplicate() {
    let (sink, received) = sink_answering(|_, request| answer(request, |_| None));
    let outcomes = deliver_all(&sink, &[event_for_player(7, "1234")], &RetryBudget::new(Duration::from_secs(60))).await;
    assert!(outcomes.outcomes.iter().all(Result::is_ok), "{:?}", outcomes.outcomes);
    let request = received.lock().expect("lock")[0].clone();
    assert!(request.uri.ends_with("/service/AWSEventsV2/operation/PutEvents"), "{}", request.uri);
    assert_eq!(request.smithy_protocol.as_deref(), Some("rpc-v2-cbor"));
    assert_eq!(request.content_type.as_deref(), Some("application/cbor"));
    assert_eq!(request.target, None, "the protocol takes no X-Amz-Target");
    let body: Value = ciborium::from_reader(request.bytes.as_slice()).expect("CBOR");
    assert_eq!(get(&body, "EventBusArn"), &text(BUS));
    let entry = &entries(&body)[0];
    assert_eq!((get(entry, "Source"), get(entry, "DetailType")), (&text("game.scores"), &text("PlayerAdded")));
    let detail: serde_json::Value = serde_json::from_str(get(entry, "Detail").as_text().expect("text")).expect("JSON");
    assert_eq!((&detail["eventId"], &detail["playerId"]), (&serde_json::json!("ev7"), &serde_json::json!("1234")));
    let metadata = get(entry, "SystemMetadata");
    assert_eq!((get(metadata, "EventGroupId"), get(metadata, "DeduplicationId")), (&text("1234"), &text("ev7")));
    let Value::Map(fields) = entry else { unreachable!() };
    assert!(!fields.iter().any(|(key, _)| *key == text("TraceHeader")), "the Custom Event Bus takes no trace header");
}

#[tokio::test]
async fn a_player_id_a_fifo_queue_would_refuse_as_its_group_goes_as_its_sha256() {
    let (sink, received) = sink_answering(|_, request| answer(request, |_| None));
    let player = "joueur numéro 1";
    deliver_all(&sink, &[event_for_player(0, player)], &RetryBudget::new(Duration::from_secs(60))).await;
    let body: Value = ciborium::from_reader(received.lock().expect("lock")[0].bytes.as_slice()).expect("CBOR");
    let group = get(get(&entries(&body)[0], "SystemMetadata"), "EventGroupId").clone();
    assert_eq!(group, text(&message_group_id(player)));
    assert_eq!(group.as_text().map(str::len), Some(64));
}

#[tokio::test]
async fn deduplicated_is_a_success_the_sink_counts() {
    let (sink, _) = sink_answering(|_, request| answer(request, |i| (i % 2 == 0).then_some("DEDUPLICATED")));
    let outcome = deliver_all(&sink, &events(4), &RetryBudget::new(Duration::from_secs(60))).await;
    assert!(outcome.outcomes.iter().all(Result::is_ok), "{:?}", outcome.outcomes);
    assert_eq!((outcome.resent, sink.take_deduplicated(), sink.take_deduplicated()), (0, 2, 0));
}

#[tokio::test]
async fn up_to_a_hundred_entries_of_distinct_players_go_in_one_request() {
    let (sink, received) = sink_answering(|_, request| answer(request, |_| None));
    deliver_all(&sink, &events(150), &RetryBudget::new(Duration::from_secs(60))).await;
    let sizes: Vec<usize> = received
        .lock()
        .expect("lock")
        .iter()
        .map(|r| entries(&ciborium::from_reader(r.bytes.as_slice()).expect("CBOR")).len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 150);
    assert!(sizes.iter().all(|&n| n <= 100) && sizes.contains(&100), "{sizes:?}");
}

#[tokio::test(start_paused = true)]
async fn the_protocols_errors_are_classed_like_the_classic_buss() {
    for (status, type_) in
        [(403, "AccessDeniedException"), (409, "InvalidStateException"), (404, "ResourceNotFoundException")]
    {
        let (sink, _) = sink_answering(move |_, _| (status, error(type_)));
        let outcome = deliver_all(&sink, &events(1), &RetryBudget::new(Duration::from_secs(3))).await;
        let error = outcome.outcomes[0].as_ref().expect_err("not delivered");
        assert!(error.is_outage() && error.to_string().contains(type_), "{type_}: {error}");
    }
    let (sink, _) =
        sink_answering(
            |call, request| if call == 1 { (429, error("ThrottlingException")) } else { answer(request, |_| None) },
        );
    let outcome = deliver_all(&sink, &events(1), &RetryBudget::new(Duration::from_secs(60))).await;
    assert!(outcome.outcomes[0].is_ok() && outcome.resent == 1, "throttling is retried: {:?}", outcome.outcomes);
    let (sink, _) = sink_answering(|_, request| answer(request, |_| Some("InvalidInputException")));
    let outcome = deliver_all(&sink, &events(1), &RetryBudget::new(Duration::from_secs(60))).await;
    assert!(matches!(outcome.outcomes[0], Err(EntryError::Rejected { .. })), "{:?}", outcome.outcomes);
}

#[tokio::test]
async fn one_players_events_go_one_request_after_another_in_stream_order() {
    let (sink, received) = sink_answering(|_, request| answer(request, |_| None));
    let batch: Vec<_> = (0..3).map(|i| event_for_player(i, "1234")).collect();
    deliver_all(&sink, &batch, &RetryBudget::new(Duration::from_secs(60))).await;
    let requests: Vec<Vec<Value>> = received
        .lock()
        .expect("lock")
        .iter()
        .map(|r| entries(&ciborium::from_reader(r.bytes.as_slice()).expect("CBOR")))
        .collect();
    let ids: Vec<&Value> =
        requests.iter().map(|entries| get(get(&entries[0], "SystemMetadata"), "DeduplicationId")).collect();
    assert_eq!(requests.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 1], "never two entries of a group at once");
    assert_eq!(ids, [&text("ev0"), &text("ev1"), &text("ev2")]);
}

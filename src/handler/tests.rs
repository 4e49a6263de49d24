//! Handler tests with a hand-written publisher and dead-letter queue: checkpoints, poison, dry run.

use super::*;
use crate::dead_letter::DeadLetterError;
use crate::dry_run::{LogEachEvent, LogEachPoison};
use crate::event::StreamEvent;
use crate::publish::BatchOutcome;
use crate::publish::{Delivery, EntryError};
use crate::test_support::fixture_records;
use score_fanout_events::DomainEvent;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// Answers each event by its eventId; records which eventIds it was asked to publish.
struct FakePublisher {
    answer: Box<dyn Fn(&str) -> Delivery + Send + Sync>,
    published: Mutex<Vec<String>>,
}

impl Publish for FakePublisher {
    fn publish(&self, events: &[DomainEvent], _invocation: &Invocation) -> impl Future<Output = BatchOutcome> + Send {
        let mut published = self.published.lock().expect("lock");
        published.extend(events.iter().map(|event| event.meta().event_id.clone()));
        let deliveries: Vec<Delivery> = events.iter().map(|event| (self.answer)(&event.meta().event_id)).collect();
        async move { BatchOutcome { deliveries, sinks: vec!["SNS"], ..BatchOutcome::default() } }
    }
}

/// Keeps every message body; fails every send when `broken`, never answers when `hangs`.
#[derive(Default)]
struct FakeDeadLetter {
    broken: bool,
    hangs: bool,
    bodies: Mutex<Vec<String>>,
}

impl DeadLetter for FakeDeadLetter {
    fn park(&self, poison: &Poison, record: &RawValue) -> impl Future<Output = Result<Parked, DeadLetterError>> + Send {
        let result = if self.broken {
            Err(DeadLetterError::new("queue unavailable"))
        } else {
            self.bodies.lock().expect("lock").push(poison.dead_letter_message(record));
            Ok(Parked::InQueue)
        };
        let hangs = self.hangs;
        async move {
            if hangs {
                std::future::pending::<()>().await;
            }
            result
        }
    }
}

fn delivered(_: &str) -> Delivery {
    Delivery::Delivered
}

fn throttled() -> Vec<EntryError> {
    vec![EntryError::Failed { sink: "SNS", code: "Throttled".into(), message: "slow down".into(), request_id: None }]
}

fn handler(
    answer: impl Fn(&str) -> Delivery + Send + Sync + 'static,
    dead_letter: Option<FakeDeadLetter>,
) -> Handler<FakePublisher, FakeDeadLetter> {
    Handler::new(FakePublisher { answer: Box::new(answer), published: Mutex::default() }, dead_letter)
}

fn batch() -> StreamEvent {
    StreamEvent { records: fixture_records("batch.json") }
}

fn checkpoint(response: &DynamoDbEventResponse) -> Vec<Option<String>> {
    response.batch_item_failures.iter().map(|failure| failure.item_identifier.clone()).collect()
}

async fn run<P: Publish, D: DeadLetter>(handler: &Handler<P, D>, event: &StreamEvent) -> DynamoDbEventResponse {
    handled(handler, event).await.response
}

async fn handled<P: Publish, D: DeadLetter>(handler: &Handler<P, D>, event: &StreamEvent) -> Handled {
    handler.handle(event, &Invocation::new(RetryBudget::new(Duration::from_secs(60)))).await
}

#[tokio::test]
async fn a_fully_delivered_batch_answers_no_failures_in_lambda_shape() {
    let handler = handler(delivered, Some(FakeDeadLetter::default()));
    let response = run(&handler, &StreamEvent { records: fixture_records("modify.json") }).await;
    assert_eq!(serde_json::to_string(&response).expect("JSON"), r#"{"batchItemFailures":[]}"#);
    assert_eq!(*handler.publisher.published.lock().expect("lock"), vec!["7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5c"]);
}

#[tokio::test]
async fn the_checkpoint_is_the_earliest_record_not_delivered_to_every_sink() {
    let handler = handler(
        |id| match id {
            "a0000000000000000000000000000005" | "a0000000000000000000000000000007" => Delivery::Failed(throttled()),
            _ => Delivery::Delivered,
        },
        Some(FakeDeadLetter::default()),
    );
    let response = run(&handler, &batch()).await;
    assert_eq!(checkpoint(&response), vec![Some("200000000000000000005".to_owned())]);
    let json = serde_json::to_string(&response).expect("JSON");
    assert_eq!(json, r#"{"batchItemFailures":[{"itemIdentifier":"200000000000000000005"}]}"#);
}

#[tokio::test]
async fn a_malformed_record_is_dead_lettered_and_the_others_are_published() {
    let handler = handler(delivered, Some(FakeDeadLetter::default()));
    let response = run(&handler, &batch()).await;
    assert!(response.batch_item_failures.is_empty());
    // 8 records: the equal-score MODIFY publishes nothing and the poison record cannot be decoded.
    assert_eq!(handler.publisher.published.lock().expect("lock").len(), 6);
    let bodies = handler.dead_letter.as_ref().expect("queue").bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 1);
    let poison = &fixture_records("batch.json")[3];
    assert!(bodies[0].starts_with(&format!(
        "{{\"record\":{},\"error\":\"record 200000000000000000004: field dynamodb.NewImage.score:",
        poison.get()
    )));
}

#[tokio::test]
async fn without_a_dead_letter_queue_poison_holds_its_shard() {
    let handler = handler(delivered, None);
    let response = run(&handler, &batch()).await;
    assert_eq!(checkpoint(&response), vec![Some("200000000000000000004".to_owned())]);
}

#[tokio::test]
async fn poison_after_the_checkpoint_is_left_for_the_retry() {
    let handler = handler(
        |id| if id == "a0000000000000000000000000000002" { Delivery::Failed(throttled()) } else { Delivery::Delivered },
        Some(FakeDeadLetter::default()),
    );
    let response = run(&handler, &batch()).await;
    assert_eq!(checkpoint(&response), vec![Some("200000000000000000002".to_owned())]);
    assert!(handler.dead_letter.as_ref().expect("queue").bodies.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn an_unavailable_dead_letter_queue_makes_the_poison_the_checkpoint() {
    let handler = handler(delivered, Some(FakeDeadLetter { broken: true, ..Default::default() }));
    let response = run(&handler, &batch()).await;
    assert_eq!(checkpoint(&response), vec![Some("200000000000000000004".to_owned())]);
}

#[tokio::test]
async fn an_event_a_sink_rejects_for_good_is_dead_lettered_with_the_event() {
    let handler = handler(
        |id| match id {
            "7a2d9e4b1c3f4e5a8b6c0d1e2f3a4b5c" => Delivery::Rejected(vec![EntryError::Rejected {
                sink: "SNS",
                code: "InvalidParameter".into(),
                message: "Invalid parameter: Message".into(),
                request_id: None,
            }]),
            _ => Delivery::Delivered,
        },
        Some(FakeDeadLetter::default()),
    );
    let response = run(&handler, &StreamEvent { records: fixture_records("modify.json") }).await;
    assert!(response.batch_item_failures.is_empty());
    let bodies = handler.dead_letter.as_ref().expect("queue").bodies.lock().expect("lock").clone();
    let value: serde_json::Value = serde_json::from_str(&bodies[0]).expect("JSON");
    assert_eq!(value["event"]["delta"], 6);
    assert_eq!(value["error"], "SNS rejected the entry for good: InvalidParameter: Invalid parameter: Message");
    assert_eq!(value["refusedBy"], serde_json::json!(["TOPIC_ARN"]), "the redrive sends it to SNS only");
}

#[tokio::test]
async fn dry_run_parts_deliver_to_no_sink_and_skip_poison_without_parking_it() {
    let handler = Handler::new(LogEachEvent, Some(LogEachPoison));
    let handled = handled(&handler, &batch()).await;
    assert!(handled.response.batch_item_failures.is_empty());
    assert_eq!((handled.checkpoint, handled.tally.events, handled.tally.parked), (None, 6, 0));
    assert!(handled.tally.published.is_empty(), "no sink: {:?}", handled.tally.published);
    assert_eq!(handled.poison.iter().map(|p| p.index).collect::<Vec<_>>(), [3], "the poison, skipped");
}

#[tokio::test]
async fn the_caller_learns_the_checkpoints_index_what_each_sink_took_and_what_was_parked() {
    let handler = handler(
        |id| if id == "a0000000000000000000000000000005" { Delivery::Failed(throttled()) } else { Delivery::Delivered },
        Some(FakeDeadLetter::default()),
    );
    let handled = handled(&handler, &batch()).await;
    // Records 0-7: events at 0, 1, 2, 4 (failed), 6, 7; 3 is poison (parked), 5 an equal-score MODIFY.
    assert_eq!(handled.checkpoint, Some(4));
    assert_eq!(checkpoint(&handled.response), vec![Some("200000000000000000005".to_owned())]);
    let tally = &handled.tally;
    assert_eq!((tally.records, tally.events, tally.settled_events), (8, 6, 3), "events before the checkpoint settle");
    assert_eq!((tally.published_to("SNS"), tally.held, tally.parked), (5, 1, 1));
    assert_eq!(handled.poison.len(), 1);
    assert!(handled.poison[0].error.starts_with("record 200000000000000000004: field dynamodb.NewImage.score"));
}

#[tokio::test]
async fn a_record_without_sequence_number_is_skipped_when_it_cannot_be_dead_lettered() {
    let mut record: serde_json::Value = serde_json::from_str(fixture_records("poison.json")[0].get()).expect("JSON");
    record["dynamodb"].as_object_mut().expect("dynamodb").remove("SequenceNumber");
    let mut records = vec![RawValue::from_string(record.to_string()).expect("JSON")];
    records.extend(fixture_records("insert.json"));
    let event = StreamEvent { records };
    let response = run(&handler(delivered, None), &event).await;
    assert!(response.batch_item_failures.is_empty());
    let with_queue = handler(delivered, Some(FakeDeadLetter::default()));
    run(&with_queue, &event).await;
    assert_eq!(with_queue.dead_letter.as_ref().expect("queue").bodies.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn an_empty_or_recordless_event_answers_no_failures() {
    let handler = handler(delivered, None);
    let event: StreamEvent = serde_json::from_str(r#"{"something":"else"}"#).expect("JSON");
    assert!(run(&handler, &event).await.batch_item_failures.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_dead_letter_queue_that_hangs_is_abandoned_in_time_to_answer() {
    let handler = handler(delivered, Some(FakeDeadLetter { hangs: true, ..Default::default() }));
    let started = tokio::time::Instant::now();
    let handled = handler.handle(&batch(), &Invocation::new(RetryBudget::new(Duration::from_secs(4)))).await;
    assert_eq!(checkpoint(&handled.response), vec![Some("200000000000000000004".to_owned())]);
    assert_eq!(started.elapsed(), Duration::from_millis(3750));
}

mod properties {
    use super::*;
    use crate::test_support::insert_record;
    use proptest::prelude::*;

    /// One record of a generated batch: poison, or an event the publisher answers as given.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Fate {
        Poison,
        Delivered,
        Failed,
        Rejected,
    }

    fn fate() -> impl Strategy<Value = Fate> {
        prop_oneof![6 => Just(Fate::Delivered), 2 => Just(Fate::Failed), 1 => Just(Fate::Rejected), 1 => Just(Fate::Poison)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn the_checkpoint_is_the_first_record_not_delivered_and_everything_before_it_is_handled(
            fates in proptest::collection::vec(fate(), 1..40),
            queue_broken in any::<bool>(),
        ) {
            let records: Vec<Box<RawValue>> = fates
                .iter()
                .enumerate()
                .map(|(i, fate)| insert_record(i, if *fate == Fate::Poison { serde_json::json!({"S": "x"}) } else { serde_json::json!({"N": "1"}) }))
                .collect();
            let answers: Vec<Fate> = fates.clone();
            let handler = handler(
                move |event_id| match answers[event_id.trim_start_matches("ev").parse::<usize>().expect("index")] {
                    Fate::Failed => Delivery::Failed(throttled()),
                    Fate::Rejected => Delivery::Rejected(vec![EntryError::Rejected { sink: "SNS", code: "X".into(), message: "x".into(), request_id: None }]),
                    _ => Delivery::Delivered,
                },
                Some(FakeDeadLetter { broken: queue_broken, ..Default::default() }),
            );
            let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime");
            let response = runtime.block_on(run(&handler, &StreamEvent { records }));
            let needs_parking = |fate: Fate| matches!(fate, Fate::Poison | Fate::Rejected);
            let undeliverable = |fate: Fate| fate == Fate::Failed || (queue_broken && needs_parking(fate));
            let expected = fates.iter().position(|fate| undeliverable(*fate));
            prop_assert_eq!(checkpoint(&response), vec![expected.map(|i| format!("{:021}", i + 1))].into_iter().flatten().map(Some).collect::<Vec<_>>());
            let parked = handler.dead_letter.as_ref().expect("queue").bodies.lock().expect("lock").len();
            let parkable = fates.iter().take(expected.unwrap_or(fates.len())).filter(|fate| needs_parking(**fate)).count();
            prop_assert_eq!(parked, if queue_broken { 0 } else { parkable });
        }
    }
}

#[tokio::test]
async fn each_invocation_writes_one_metric_document() {
    let documents = std::sync::Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = documents.clone();
    let handler = handler(
        |id| if id == "a0000000000000000000000000000005" { Delivery::Failed(throttled()) } else { Delivery::Delivered },
        Some(FakeDeadLetter::default()),
    )
    .with_metrics(Metrics::new(
        Box::new(move |document| sink.lock().expect("lock").push(document.to_owned())),
        Some("score-fanout-prod-ScoreFanoutFunction".into()),
    ));
    let before_ms = chrono::Utc::now().timestamp_millis();
    run(&handler, &batch()).await;
    let after_ms = chrono::Utc::now().timestamp_millis();
    let documents = documents.lock().expect("lock").clone();
    assert_eq!(documents.len(), 1, "one document per invocation: {documents:?}");
    let mut document: serde_json::Value = serde_json::from_str(&documents[0]).expect("JSON");
    // The two clock readings, checked against the clock and then blanked for the exact comparison.
    let timestamp = document["_aws"]["Timestamp"].take().as_i64().expect("a timestamp");
    assert!((before_ms..=after_ms).contains(&timestamp), "{timestamp}");
    let oldest_created_ms = 1_795_510_800_000i64; // the first record of events/batch.json
    let age = document["OldestRecordAge"].take().as_i64().expect("an age");
    assert!(((before_ms - oldest_created_ms).max(0)..=(after_ms - oldest_created_ms).max(0)).contains(&age), "{age}");
    let metric = |name: &str, unit: &str| serde_json::json!({"Name": name, "Unit": unit});
    let expected = serde_json::json!({
        "_aws": {"Timestamp": null, "CloudWatchMetrics": [{"Namespace": "ScoreFanout", "Dimensions": [["FunctionName"]], "Metrics": [
            metric("RecordsReceived", "Count"), metric("EntriesRetried", "Count"),
            metric("EntriesAlreadyAccepted", "Count"), metric("RecordsFailed", "Count"),
            metric("RecordsDeadLettered", "Count"), metric("OldestRecordAge", "Milliseconds"),
            metric("EventsPublished.SNS", "Count"), metric("EventsPublished.SNS.PlayerAdded", "Count"),
            metric("EventsPublished.SNS.PlayerRemoved", "Count"), metric("EventsPublished.SNS.ScoreChanged", "Count"),
        ]}]},
        "FunctionName": "score-fanout-prod-ScoreFanoutFunction",
        "RecordsReceived": 8,
        "EntriesRetried": 0,
        "EntriesAlreadyAccepted": 0,
        "RecordsFailed": 1,
        "RecordsDeadLettered": 1,
        "OldestRecordAge": null,
        "EventsPublished.SNS": 5,
        "EventsPublished.SNS.PlayerAdded": 2,
        "EventsPublished.SNS.PlayerRemoved": 2,
        "EventsPublished.SNS.ScoreChanged": 1,
    });
    assert_eq!(document, expected, "the undelivered ScoreChanged failed; the poison record before it was parked");
}

//! The on-call story offline: an outage longer than the event source mapping's retry bound, the skipped ranges in
//! `StreamFailureQueue`, the redrive delivering every skipped record; poison re-driven after a fix; and a second
//! redrive changing nothing.

use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::on_failure::{OnFailureQueue, OnFailureRecord, StreamBatchInfo};
use score_fanout_tools::provision::{provision, Stack};
use score_fanout_tools::redrive::{redrive_poison, redrive_stream, Outcome, Queue};
use score_fanout_tools::stream::{drive, Source, StartingPosition};
use score_fanout_tools::table::{n, s, GameTable};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

struct Rig {
    sdk: aws_config::SdkConfig,
    stack: Stack,
    proxy_sdk: aws_config::SdkConfig,
    _proxy: FaultProxy,
}

/// A stack whose EventBridge calls fail with `fault` while `broken` is set.
async fn rig(test: &str, broken: Arc<AtomicBool>, fault: Fault) -> Rig {
    let sdk = crate::sdk().await;
    let stack = provision(&sdk, &moto::unique_prefix(test), "game.scores").await.expect("provisioning");
    let proxy = FaultProxy::start(moto::endpoint(), 1, move |call, _| {
        if call.service == Service::EventBridge && broken.load(Ordering::SeqCst) {
            fault.clone()
        } else {
            Fault::Forward
        }
    })
    .await;
    let proxy_sdk = crate::sdk_at(&proxy.endpoint).await;
    Rig { sdk, stack, proxy_sdk, _proxy: proxy }
}

impl Rig {
    async fn run_function(&self, mapping: Mapping) {
        let handler =
            score_fanout::aws::handler(&config_for(&self.stack, false), &self.proxy_sdk).expect("endpoints resolve");
        let streams = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let on_failure = OnFailureQueue {
            sqs: aws_sdk_sqs::Client::new(&self.sdk),
            queue_url: self.stack.queues.stream_failure.clone(),
        };
        let source = Source {
            streams: &streams,
            stream_arn: &self.stack.stream_arn,
            mapping,
            start: StartingPosition::TrimHorizon,
            follow: false,
            on_failure: Some(&on_failure),
        };
        drive(&source, &handler).await.expect("reading the stream");
    }

    /// The stream redrive's handler: the function's own configuration.
    fn redrive_handler(&self) -> score_fanout::aws::LiveHandler {
        score_fanout::aws::handler(&config_for(&self.stack, false), &self.sdk).expect("endpoints resolve")
    }

    /// The poison redrive's handler: the function's sinks, no dead-letter queue (what still fails stays put).
    fn poison_handler(&self) -> score_fanout::aws::LiveHandler {
        let mut config = config_for(&self.stack, false);
        config.dead_letter_queue_url = None;
        score_fanout::aws::handler(&config, &self.sdk).expect("endpoints resolve")
    }

    async fn event_ids_on_bus(&self) -> Vec<String> {
        let received = drain(&aws_sdk_sqs::Client::new(&self.sdk), &self.stack.queues.rule).await.expect("rule queue");
        received.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)).collect()
    }
}

const REDRIVE: Mapping = Mapping { batch_size: 100, max_retries: 2, timeout: Duration::from_secs(30) };

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_past_the_retry_bound_is_recorded_and_the_redrive_delivers_every_skipped_record_once() {
    let broken = Arc::new(AtomicBool::new(true));
    let rig = rig("outage", broken.clone(), Fault::Status(503)).await;
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(&rig.sdk), &rig.stack.table);
    for i in 0..25 {
        let score = if i == 12 { s("forty-four") } else { n(i) };
        table.put(&format!("p{i:02}"), "Aug 23", score).await.expect("put");
    }
    rig.run_function(Mapping { batch_size: 10, max_retries: 1, timeout: Duration::from_secs(2) }).await;
    assert!(rig.event_ids_on_bus().await.is_empty(), "the bus was down");

    let sqs = aws_sdk_sqs::Client::new(&rig.sdk);
    let streams = aws_sdk_dynamodbstreams::Client::new(&rig.sdk);
    let failures = Queue { sqs: &sqs, url: &rig.stack.queues.stream_failure };
    let handler = rig.redrive_handler();
    let dry = redrive_stream(&failures, &streams, &handler, REDRIVE, true).await.expect("dry run");
    let planned: usize = dry
        .iter()
        .map(|l| match l.outcome {
            Outcome::WouldRedrive { records, .. } => records,
            _ => 0,
        })
        .sum();
    assert_eq!((dry.len(), planned), (3, 25), "three skipped ranges covering every record: {dry:?}");
    assert!(rig.event_ids_on_bus().await.is_empty(), "a dry run sends nothing");

    broken.store(false, Ordering::SeqCst);
    let lines = redrive_stream(&failures, &streams, &handler, REDRIVE, false).await.expect("redrive");
    assert!(lines.iter().all(|l| matches!(l.outcome, Outcome::Redriven { .. })), "{lines:?}");
    let on_bus = rig.event_ids_on_bus().await;
    assert_eq!(on_bus.iter().collect::<HashSet<_>>().len(), 24);
    assert_eq!(on_bus.len(), 24, "each skipped event exactly once");
    let parked = drain(&sqs, &rig.stack.queues.poison).await.expect("dead-letter queue");
    assert_eq!(parked.len(), 1, "the poison record of a replayed range is parked as the function parks it");

    let again = redrive_stream(&failures, &streams, &handler, REDRIVE, false).await.expect("second redrive");
    assert!(again.is_empty(), "the queue is empty after a successful redrive: {again:?}");
    assert!(rig.event_ids_on_bus().await.is_empty(), "a second redrive sends nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_that_left_the_stream_is_said_to_be_gone_and_kept() {
    let rig = rig("gone", Arc::new(AtomicBool::new(false)), Fault::Forward).await;
    let sqs = aws_sdk_sqs::Client::new(&rig.sdk);
    let batch = StreamBatchInfo {
        shard_id: "shardId-00000000000000000000-00000000".into(),
        start_sequence_number: "100".into(),
        end_sequence_number: "200".into(),
        approximate_arrival_of_first_record: String::new(),
        approximate_arrival_of_last_record: String::new(),
        batch_size: 3,
        stream_arn: rig.stack.stream_arn.clone(),
    };
    let record = OnFailureRecord::retries_exhausted(batch, 3, "2026-11-23T09:00:00Z".into());
    let on_failure = OnFailureQueue { sqs: sqs.clone(), queue_url: rig.stack.queues.stream_failure.clone() };
    on_failure.send(&record).await.expect("on-failure record");
    let streams = aws_sdk_dynamodbstreams::Client::new(&rig.sdk);
    let failures = Queue { sqs: &sqs, url: &rig.stack.queues.stream_failure };
    let lines = redrive_stream(&failures, &streams, &rig.redrive_handler(), REDRIVE, false).await.expect("redrive");
    match &lines[..] {
        [line] => assert!(
            matches!(&line.outcome, Outcome::Kept(reason) if reason.contains("left the stream") || reason.contains("cannot read")),
            "{line:?}"
        ),
        other => panic!("one line expected: {other:?}"),
    }
    let kept = drain(&sqs, &rig.stack.queues.stream_failure).await.expect("queue");
    assert_eq!(kept.len(), 1, "the message stays for a human to decide");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_redriven_after_a_fix_leaves_only_what_still_fails() {
    let broken = Arc::new(AtomicBool::new(true));
    let rejecting = Fault::FailEntries { probability: 1.0, code: "ValidationException", sender_fault: false };
    let rig = rig("poisonfix", broken.clone(), rejecting).await;
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(&rig.sdk), &rig.stack.table);
    for i in 0..3 {
        table.put(&format!("p{i}"), "Aug 23", n(i)).await.expect("put");
    }
    table.put("bad", "Aug 23", s("forty-four")).await.expect("poison put");
    rig.run_function(REDRIVE).await;

    broken.store(false, Ordering::SeqCst);
    let sqs = aws_sdk_sqs::Client::new(&rig.sdk);
    let parked = Queue { sqs: &sqs, url: &rig.stack.queues.poison };
    let handler = rig.poison_handler();
    let lines = redrive_poison(&parked, &handler, Duration::from_secs(30), false).await.expect("redrive");
    let redriven = lines.iter().filter(|l| matches!(l.outcome, Outcome::Redriven { events: 1, .. })).count();
    let kept: Vec<_> =
        lines.iter().filter(|l| matches!(&l.outcome, Outcome::Kept(r) if r.starts_with("still poison"))).collect();
    assert_eq!((redriven, kept.len(), lines.len()), (3, 1, 4), "{lines:?}");
    assert_eq!(rig.event_ids_on_bus().await.len(), 3);

    let again = redrive_poison(&parked, &handler, Duration::from_secs(30), false).await.expect("second redrive");
    assert_eq!(again.len(), 1, "only the record that still cannot be decoded remains");
    assert!(rig.event_ids_on_bus().await.is_empty());
}

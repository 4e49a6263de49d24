//! The on-call story offline: an outage longer than the event source mapping's retry bound keeps the skipped
//! batches whole in `StreamFailureBucket`; with the table and its stream gone, the redrive delivers every record from
//! there to both sinks, and a second run delivers nothing; an object without a payload is kept; poison re-driven
//! after a fix; and an archived event replayed by EventBridge to the rule that lost it.

use aws_sdk_s3::primitives::ByteStream;
use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::on_failure::{OnFailureBucket, KEY_PREFIX};
use score_fanout_tools::provision::{provision, Stack};
use score_fanout_tools::redrive::{redrive_poison, redrive_skipped, Bucket, Line, Outcome, Queue, Redriver, Summary};
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
    /// The function's settings straight to the local server, as the redrive tool runs the handler.
    direct_sdk: aws_config::SdkConfig,
    _proxy: FaultProxy,
}

/// A stack whose EventBridge calls fail with `fault` while `broken` is set.
async fn rig(test: &str, broken: Arc<AtomicBool>, fault: Fault) -> Rig {
    let sdk = crate::harness().await;
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
    let direct_sdk = crate::sdk_at(moto::endpoint()).await;
    Rig { sdk, stack, proxy_sdk, direct_sdk, _proxy: proxy }
}

impl Rig {
    /// The function on the table's stream, as the event source mapping runs it, skipped batches kept in the bucket.
    async fn run_function(&self, mapping: Mapping) {
        let handler =
            score_fanout::live_handler(&config_for(&self.stack, false), &self.proxy_sdk).expect("endpoints resolve");
        let streams = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let on_failure = OnFailureBucket::new(self.s3(), self.stack.failure_bucket.clone());
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

    fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::new(&self.sdk)
    }

    /// The skipped-batch redrive: the function's own configuration, straight to the sinks.
    async fn skipped_redriver(&self, dry_run: bool) -> Redriver {
        Redriver::for_skipped(&config_for(&self.stack, dry_run), &self.direct_sdk).await.expect("destinations exist")
    }

    /// The poison redrive: the function's sinks, no dead-letter queue (what still fails stays put).
    async fn poison_redriver(&self) -> Redriver {
        Redriver::for_poison(&config_for(&self.stack, false), &self.direct_sdk).await.expect("destinations exist")
    }

    async fn event_ids_in(&self, queue: &str) -> Vec<String> {
        let received = drain(&aws_sdk_sqs::Client::new(&self.sdk), queue).await.expect("queue");
        received.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)).collect()
    }

    async fn event_ids_on_bus(&self) -> Vec<String> {
        self.event_ids_in(&self.stack.queues.rule).await
    }

    async fn object_keys(&self) -> Vec<String> {
        let listed = self.s3().list_objects_v2().bucket(&self.stack.failure_bucket).send().await.expect("list");
        listed.contents.unwrap_or_default().into_iter().filter_map(|object| object.key).collect()
    }
}

const REDRIVE: Mapping = Mapping { batch_size: 100, max_retries: 2, timeout: Duration::from_secs(30) };

/// The lines of a run that came to its end.
pub(crate) fn finished(summary: Summary) -> Vec<Line> {
    assert!(summary.stopped.is_none(), "the run stopped early: {summary:?}");
    summary.lines
}

/// A bucket whose every object is the function's, as offline (no event source mapping names one).
pub(crate) fn whole_bucket<'a>(s3: &'a aws_sdk_s3::Client, name: &'a str) -> Bucket<'a> {
    Bucket { s3, name, mapping_uuid: None, stream_arn: None }
}

/// The records and events the lines say were (or would be) redriven.
fn counts_of(lines: &[Line]) -> (usize, usize) {
    let count = |outcome: &Outcome| match outcome {
        Outcome::WouldRedrive { records, events, .. } | Outcome::Redriven { records, events, .. } => {
            (*records, *events)
        }
        _ => (0, 0),
    };
    lines.iter().map(|line| count(&line.outcome)).fold((0, 0), |(r, e), (records, events)| (r + records, e + events))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_batches_kept_in_s3_are_delivered_to_both_sinks_after_the_stream_is_gone_and_only_once() {
    let broken = Arc::new(AtomicBool::new(true));
    let rig = rig("outage", broken.clone(), Fault::Status(503)).await;
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(&rig.sdk), &rig.stack.table);
    for i in 0..25 {
        let score = if i == 12 { s("forty-four") } else { n(i) };
        table.put(&format!("p{i:02}"), "Aug 23", score).await.expect("put");
    }
    rig.run_function(Mapping { batch_size: 10, max_retries: 1, timeout: Duration::from_secs(2) }).await;
    assert!(rig.event_ids_on_bus().await.is_empty(), "the bus was down");
    let on_topic: HashSet<String> = rig.event_ids_in(&rig.stack.queues.all_events).await.into_iter().collect();
    assert_eq!(on_topic.len(), 24, "SNS took every event meanwhile (some twice: the mapping retried the batches)");
    let keys = rig.object_keys().await;
    assert_eq!(keys.len(), 3, "one object per skipped batch: {keys:?}");
    for key in &keys {
        let parts: Vec<&str> = key.split('/').collect();
        assert_eq!(
            (parts[0], parts[1], parts.len()),
            ("aws", "lambda", 8),
            "aws/lambda/<uuid>/<shard>/Y/M/D/...: {key}"
        );
    }

    // The table and its stream are gone: the bucket is all there is.
    let dynamodb = aws_sdk_dynamodb::Client::new(&rig.sdk);
    dynamodb.delete_table().table_name(&rig.stack.table).send().await.expect("delete");
    assert!(dynamodb.describe_table().table_name(&rig.stack.table).send().await.is_err(), "the table is gone");
    let (s3, redriver) = (rig.s3(), rig.skipped_redriver(false).await);
    let bucket = whole_bucket(&s3, &rig.stack.failure_bucket);
    let dry = finished(redrive_skipped(&bucket, &rig.skipped_redriver(true).await, REDRIVE).await);
    assert_eq!((dry.len(), counts_of(&dry)), (3, (25, 24)), "three skipped batches covering every record: {dry:?}");
    assert!(rig.event_ids_on_bus().await.is_empty(), "a dry run sends nothing");

    broken.store(false, Ordering::SeqCst);
    let lines = finished(redrive_skipped(&bucket, &redriver, REDRIVE).await);
    assert!(lines.iter().all(|l| matches!(l.outcome, Outcome::Redriven { .. })), "{lines:?}");
    assert_eq!(counts_of(&lines), (25, 24), "every record, and each one's event once");
    for queue in [&rig.stack.queues.rule, &rig.stack.queues.all_events] {
        let ids = rig.event_ids_in(queue).await;
        assert_eq!((ids.iter().collect::<HashSet<_>>().len(), ids.len()), (24, 24), "{queue}: every event, once");
    }
    let parked = drain(&aws_sdk_sqs::Client::new(&rig.sdk), &rig.stack.queues.poison).await.expect("dead-letter queue");
    assert_eq!(parked.len(), 1, "the poison record of a replayed batch is parked as the function parks it");

    let again = finished(redrive_skipped(&bucket, &redriver, REDRIVE).await);
    assert!(again.iter().all(|l| matches!(l.outcome, Outcome::AlreadyRedriven(_))), "{again:?}");
    for queue in [&rig.stack.queues.rule, &rig.stack.queues.all_events, &rig.stack.queues.poison] {
        let messages = drain(&aws_sdk_sqs::Client::new(&rig.sdk), queue).await.expect("queue");
        assert!(messages.is_empty(), "{queue}: a second redrive sends and parks nothing");
    }
    assert_eq!(rig.object_keys().await.len(), 3, "objects are tagged, never deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_without_a_readable_payload_is_kept_and_said_why() {
    let rig = rig("nopayload", Arc::new(AtomicBool::new(false)), Fault::Forward).await;
    let s3 = rig.s3();
    let metadata_only = r#"{"requestContext":{},"responseContext":{},"version":"1.0","timestamp":"2026-11-23T09:00:00Z",
        "DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":"100","endSequenceNumber":"200","streamArn":"arn"}}"#;
    for (name, body) in [("metadata-only", metadata_only), ("garbage", "not json at all")] {
        let key = format!("{KEY_PREFIX}00000000-0000-4000-8000-000000000000/shardId-1/2026/11/23/{name}");
        let put =
            s3.put_object().bucket(&rig.stack.failure_bucket).key(key).body(ByteStream::from_static(body.as_bytes()));
        put.send().await.expect("put");
    }
    let redriver = rig.skipped_redriver(false).await;
    let bucket = whole_bucket(&s3, &rig.stack.failure_bucket);
    let lines = finished(redrive_skipped(&bucket, &redriver, REDRIVE).await);
    let reasons: Vec<&str> = lines
        .iter()
        .map(|line| match &line.outcome {
            Outcome::Kept(reason) => reason.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(reasons[0].starts_with("not an on-failure record"), "{reasons:?}");
    assert!(reasons[1].starts_with("no payload"), "{reasons:?}");
    assert_eq!(rig.object_keys().await.len(), 2, "never deleted");
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
    let parked = Queue { sqs: &sqs, url: &rig.stack.queues.poison, visibility: Duration::from_secs(30) };
    let redriver = rig.poison_redriver().await;
    let lines = finished(redrive_poison(&parked, &redriver, Duration::from_secs(30)).await);
    let redriven = lines.iter().filter(|l| matches!(l.outcome, Outcome::Redriven { events: 1, .. })).count();
    let kept: Vec<_> =
        lines.iter().filter(|l| matches!(&l.outcome, Outcome::Kept(r) if r.starts_with("still poison"))).collect();
    assert_eq!((redriven, kept.len(), lines.len()), (3, 1, 4), "{lines:?}");
    assert_eq!(rig.event_ids_on_bus().await.len(), 3);

    let again = finished(redrive_poison(&parked, &redriver, Duration::from_secs(30)).await);
    assert_eq!(again.len(), 1, "only the record that still cannot be decoded remains");
    assert!(rig.event_ids_on_bus().await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archived_event_is_replayed_by_eventbridge_to_the_rule_that_lost_it() {
    // What moto can show: the bus's archive keeps what the function published, and a replay filtered to one rule
    // delivers it to that rule's target again, marked as a replay. moto ignores the replay's time window, so the
    // window here spans the whole test; on AWS it selects the events to replay.
    let rig = rig("archive", Arc::new(AtomicBool::new(false)), Fault::Forward).await;
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(&rig.sdk), &rig.stack.table);
    let started =
        aws_sdk_eventbridge::primitives::DateTime::from(std::time::SystemTime::now() - Duration::from_secs(60));
    for i in 0..3 {
        table.put(&format!("p{i}"), "Aug 23", n(i)).await.expect("put");
    }
    rig.run_function(REDRIVE).await;
    let mut published = rig.event_ids_on_bus().await;
    assert_eq!(published.len(), 3);

    let events = aws_sdk_eventbridge::Client::new(&rig.sdk);
    let archive_arn =
        events.describe_archive().archive_name(&rig.stack.archive).send().await.expect("archive").archive_arn;
    let destination = aws_sdk_eventbridge::types::ReplayDestination::builder()
        .arn(&rig.stack.bus_arn)
        .filter_arns(&rig.stack.rule_arn)
        .build()
        .expect("destination");
    let ended = aws_sdk_eventbridge::primitives::DateTime::from(std::time::SystemTime::now() + Duration::from_secs(60));
    let replay = format!("{}replay", moto::unique_prefix("archive"));
    events
        .start_replay()
        .replay_name(&replay)
        .event_source_arn(archive_arn.unwrap_or_default())
        .event_start_time(started)
        .event_end_time(ended)
        .destination(destination)
        .send()
        .await
        .expect("replay");
    let sqs = aws_sdk_sqs::Client::new(&rig.sdk);
    let mut replayed = Vec::new();
    for _ in 0..50 {
        replayed.extend(drain(&sqs, &rig.stack.queues.rule).await.expect("rule queue"));
        if replayed.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut ids: Vec<String> = replayed.iter().filter_map(|m| m.event["eventId"].as_str().map(str::to_owned)).collect();
    ids.sort();
    published.sort();
    assert_eq!(ids, published, "the rule's target received every archived event again");
    let envelope: serde_json::Value = serde_json::from_str(&replayed[0].body).expect("envelope");
    assert_eq!(envelope["replay-name"], replay.as_str(), "marked as a replay");
}

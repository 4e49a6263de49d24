//! The local event source mapping on a stream that behaves as DynamoDB Streams does and moto does not: empty pages
//! before the records of a position, shards that close and split, DescribeStream in pages and children listed
//! first. Every record reaches the handler once, each shard in order, a parent's records before its children's; a
//! closed shard is read to its end however many of its pages are empty; following the stream reads every open
//! shard at once.

use score_fanout::{BatchOutcome, Delivery, Handler, Invocation, Publish, SqsDeadLetter};
use score_fanout_events::DomainEvent;
use score_fanout_testkit::streams::{insert, FakeShard, FakeStream};
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::stream::{drive, Source, StartingPosition};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Publishes nothing and remembers every event's playerId, in the order published.
#[derive(Clone, Default)]
struct Recording(Arc<Mutex<Vec<String>>>);

impl Publish for Recording {
    fn publish(&self, events: &[DomainEvent], _: &Invocation) -> impl Future<Output = BatchOutcome> + Send {
        self.0.lock().expect("lock").extend(events.iter().map(|event| event.player_id().to_owned()));
        let deliveries = vec![Delivery::Delivered; events.len()];
        async move { BatchOutcome { deliveries, sinks: vec!["Recording"], ..BatchOutcome::default() } }
    }
}

/// How the tests read the fake stream: batches of 2, from the trim horizon.
fn source<'a>(streams: &'a aws_sdk_dynamodbstreams::Client, stream: &'a FakeStream, follow: bool) -> Source<'a> {
    Source {
        streams,
        stream_arn: &stream.stream_arn,
        mapping: Mapping { batch_size: 2, max_retries: 0, timeout: Duration::from_secs(10) },
        start: StartingPosition::TrimHorizon,
        follow,
        on_failure: None,
    }
}

async fn client(stream: &FakeStream) -> aws_sdk_dynamodbstreams::Client {
    let sdk = score_fanout_testkit::moto::sdk_at(score_fanout::sdk_loader(), &stream.endpoint).await;
    aws_sdk_dynamodbstreams::Client::new(&sdk)
}

/// A handler that publishes nothing and records every event's playerId.
fn recording_handler() -> (Recording, Handler<Recording, SqsDeadLetter>) {
    let recording = Recording::default();
    (recording.clone(), Handler::new(recording, None))
}

fn named(shard: &str, sequences: std::ops::RangeInclusive<u64>) -> Vec<String> {
    sequences.map(|sequence| format!("{shard}-{sequence:02}")).collect()
}

fn shard(id: &str, parent: Option<&str>, sequences: std::ops::RangeInclusive<u64>, closed: bool) -> FakeShard {
    let records = sequences.map(|sequence| insert(&format!("{id}-{sequence:02}"), sequence as i64, sequence)).collect();
    FakeShard { id: id.to_owned(), parent: parent.map(str::to_owned), records, closed }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_pages_and_split_shards_lose_and_reorder_nothing() {
    let shards = vec![
        shard("shardId-1-parent", None, 1..=5, true),
        shard("shardId-2-child", Some("shardId-1-parent"), 6..=8, true),
        shard("shardId-3-child", Some("shardId-1-parent"), 9..=10, false),
        shard("shardId-4-grandchild", Some("shardId-2-child"), 11..=12, false),
    ];
    let stream = FakeStream::start(shards, 3).await;
    let streams = client(&stream).await;
    let (recording, handler) = recording_handler();
    let report = drive(&source(&streams, &stream, false), &handler).await.expect("reading the stream");
    assert!(report.skipped.is_empty());
    let published = recording.0.lock().expect("lock").clone();
    let expected: Vec<String> = [
        named("shardId-1-parent", 1..=5),
        named("shardId-2-child", 6..=8),
        named("shardId-3-child", 9..=10),
        named("shardId-4-grandchild", 11..=12),
    ]
    .concat();
    assert_eq!(published, expected, "every record once, parents first, each shard in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_a_split_reads_the_closed_parent_through_long_empty_runs_then_both_open_children() {
    let shards = vec![
        shard("shardId-1-parent", None, 1..=4, true),
        shard("shardId-2-child", Some("shardId-1-parent"), 5..=7, false),
        shard("shardId-3-child", Some("shardId-1-parent"), 8..=10, false),
    ];
    // More empty pages before every page than the tip of an open shard takes: a closed shard has no tip.
    let stream = FakeStream::start(shards, 12).await;
    let streams = client(&stream).await;
    let (recording, handler) = recording_handler();
    let source = source(&streams, &stream, true);
    let every_record = async {
        while recording.0.lock().expect("lock").len() < 10 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    // Following never ends by itself: it is stopped once every record arrived.
    tokio::select! {
        ended = drive(&source, &handler) => panic!("following the stream ended: {:?}", ended.err()),
        _ = tokio::time::timeout(Duration::from_secs(60), every_record) => {}
    }
    let published = recording.0.lock().expect("lock").clone();
    let of = |shard: &str| published.iter().filter(|id| id.starts_with(shard)).cloned().collect::<Vec<_>>();
    assert_eq!(published.len(), 10, "every record once: {published:?}");
    assert_eq!(published[..4], named("shardId-1-parent", 1..=4), "the parent first, to its end: {published:?}");
    assert_eq!(of("shardId-2-child"), named("shardId-2-child", 5..=7), "{published:?}");
    assert_eq!(of("shardId-3-child"), named("shardId-3-child", 8..=10), "{published:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_shard_is_read_to_its_end_however_many_of_its_pages_are_empty() {
    let shards = vec![
        shard("shardId-1-parent", None, 1..=3, true),
        shard("shardId-2-child", Some("shardId-1-parent"), 4..=5, true),
    ];
    // More empty pages before every page than an open shard's tip takes.
    let stream = FakeStream::start(shards, 12).await;
    let streams = client(&stream).await;
    let (recording, handler) = recording_handler();
    drive(&source(&streams, &stream, false), &handler).await.expect("reading the stream");
    let published = recording.0.lock().expect("lock").clone();
    let expected: Vec<String> = [named("shardId-1-parent", 1..=3), named("shardId-2-child", 4..=5)].concat();
    assert_eq!(published, expected, "every record once, the parent first");
}

//! The local event source mapping on a stream that behaves as DynamoDB Streams does and moto does not: empty pages
//! before the records of a position, shards that close and split, DescribeStream in pages and children listed
//! first. Every record reaches the handler once, each shard in order, a parent's records before its children's.

use score_fanout::dead_letter::SqsDeadLetter;
use score_fanout::domain::DomainEvent;
use score_fanout::publish::{BatchOutcome, Delivery, Invocation, Publish};
use score_fanout::Handler;
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
        async move { BatchOutcome { deliveries, resent: 0, sinks: vec!["Recording"] } }
    }
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
    let sdk = score_fanout_testkit::moto::sdk_at(score_fanout::aws::sdk_loader(), &stream.endpoint).await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let recording = Recording::default();
    let handler: Handler<Recording, SqsDeadLetter> = Handler::new(recording.clone(), None, false);
    let source = Source {
        streams: &streams,
        stream_arn: &stream.stream_arn,
        mapping: Mapping { batch_size: 2, max_retries: 0, timeout: Duration::from_secs(10) },
        start: StartingPosition::TrimHorizon,
        follow: false,
        on_failure: None,
    };
    let report = drive(&source, &handler).await.expect("reading the stream");
    assert!(report.skipped.is_empty());
    let published = recording.0.lock().expect("lock").clone();
    let expected: Vec<String> = [
        ("shardId-1-parent", 1..=5),
        ("shardId-2-child", 6..=8),
        ("shardId-3-child", 9..=10),
        ("shardId-4-grandchild", 11..=12),
    ]
    .into_iter()
    .flat_map(|(id, sequences)| sequences.map(move |sequence| format!("{id}-{sequence:02}")))
    .collect();
    assert_eq!(published, expected, "every record once, parents first, each shard in order");
}

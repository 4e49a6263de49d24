//! The capacity plan's claim (docs/performance.md), simulated: several shards at once, each its own function
//! instance with its own windows of requests in flight, against sinks that throttle past a set request rate (an
//! account quota). The windows shrink under throttling and the shards share the quota; nothing is lost. The
//! per-second figures are printed (`cargo test -p score-fanout-tools --test e2e capacity -- --nocapture`); only
//! the delivery is asserted, since speed belongs in benchmarks.

use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::{feed, Mapping};
use score_fanout_tools::provision::provision;
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Publishing requests per second each sink takes before it throttles (the simulated account quota).
const QUOTA_PER_SECOND: usize = 10;
const SHARDS: usize = 4;
const RECORDS_PER_SHARD: usize = 100;

/// Per second since the start, per sink: requests taken and requests throttled.
type Ledger = BTreeMap<(u64, &'static str), (usize, usize)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_sharing_a_throttled_quota_settle_under_it_and_lose_nothing() {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix("capacity"), "game.scores").await.expect("provisioning");
    let started = Instant::now();
    let ledger: Arc<Mutex<Ledger>> = Arc::default();
    let counted = ledger.clone();
    let proxy = FaultProxy::start(moto::endpoint(), 1, move |call, _| {
        let sink = match call.service {
            Service::EventBridge => "EventBridge",
            Service::Sns => "SNS",
            _ => return Fault::Forward,
        };
        let second = started.elapsed().as_secs();
        let mut ledger = counted.lock().expect("ledger");
        let (taken, throttled) = ledger.entry((second, sink)).or_default();
        if *taken >= QUOTA_PER_SECOND {
            *throttled += 1;
            Fault::Throttle
        } else {
            *taken += 1;
            Fault::Forward
        }
    })
    .await;
    let proxy_sdk = crate::sdk_at(&proxy.endpoint).await;

    let mut all = RecordMaker::new();
    for i in 0..SHARDS * RECORDS_PER_SHARD {
        all.insert(&format!("s{}-p{i}", i % SHARDS), i as i64);
    }
    let mapping = Mapping { batch_size: 100, max_retries: 100, timeout: Duration::from_secs(60) };
    let shards = (0..SHARDS).map(|shard| {
        let records: Vec<_> = all.records.iter().skip(shard).step_by(SHARDS).cloned().collect();
        // Each shard is its own function instance, with windows of its own.
        let handler = score_fanout::live_handler(&config_for(&stack, false), &proxy_sdk).expect("endpoints resolve");
        async move { feed(&handler, records, mapping).await }
    });
    let reports = futures_util::future::join_all(shards).await;
    assert!(reports.iter().all(|report| report.skipped.is_empty()), "nothing skipped");

    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let expected: HashSet<&str> = all.expected.iter().map(|e| e.event_id.as_str()).collect();
    for queue in [&stack.queues.rule, &stack.queues.all_events] {
        let received = drain(&sqs, queue).await.expect("queue");
        let ids: HashSet<&str> = received.iter().filter_map(|m| m.event["eventId"].as_str()).collect();
        assert_eq!(ids, expected, "{queue}: every event");
        // Throttled requests are refused whole; a copy comes only from a call that ran out of time after moto took it.
        println!("{queue}: {} messages for {} events", received.len(), expected.len());
    }
    print_ledger(&ledger.lock().expect("ledger"), started.elapsed());
}

fn print_ledger(ledger: &Ledger, took: Duration) {
    println!("{SHARDS} shards x {RECORDS_PER_SHARD} records, quota {QUOTA_PER_SECOND} requests/s per sink, {took:.1?}");
    println!("second  sink         taken  throttled");
    for ((second, sink), (taken, throttled)) in ledger {
        println!("{second:>6}  {sink:<11}  {taken:>5}  {throttled:>9}");
    }
    let (taken, throttled): (usize, usize) = ledger.values().fold((0, 0), |(a, b), (t, h)| (a + t, b + h));
    println!(
        "total: {taken} taken, {throttled} throttled ({:.1}% of the requests sent)",
        100.0 * throttled as f64 / (taken + throttled).max(1) as f64
    );
}

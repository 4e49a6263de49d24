//! The replay: a long seeded stream of score changes (with equal-score MODIFYs, TTL removals, a few poison records
//! and a few players both sinks refuse as invalid) fed in batches the way the event source mapping does, resuming from every reported checkpoint, while a
//! proxy injects seeded random faults into every call, until everything is checkpointed. Then what the sinks
//! actually received is checked against what the stream said, and each sink's duplicates against the proxy's ledger,
//! which tells their causes. `make test` replays 600 records; `make replay` replays 10,000
//! (`SCORE_FANOUT_REPLAY_RECORDS`), with `SCORE_FANOUT_REPLAY_SEED` to pick another fault sequence.

mod received;

use received::{
    assert_every_event_arrived, assert_player_order, assert_poison_parked, assert_refused_parked, duplicates_by_cause,
};
use score_fanout::{Config, Topic, DEFAULT_EVENT_SOURCE};
use score_fanout_testkit::fault_proxy::{Call, Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::{Expected, RecordMaker};
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::{feed, Mapping};
use score_fanout_tools::provision::{provision, provision_fifo};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Records fed between two readings of the subscriber queues (a multiple of the batch size).
const STRETCH: usize = 200;
/// Players whose events both sinks refuse as invalid, whole request (400) or too large (413): poison found by the
/// sinks, not by decoding.
const REFUSED: &str = "refused-by-sinks-";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A seeded workload over many players: inserts, score changes (some equal), removals (some by TTL), poison.
fn workload(records: usize, seed: u64) -> RecordMaker {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut made = RecordMaker::new();
    let mut scores: BTreeMap<String, i64> = BTreeMap::new();
    let mut next_player = 0;
    while made.records.len() < records {
        let roll = rng.f64();
        if made.records.len() % 250 == 125 {
            made.poison(&format!("poison-{}", made.records.len()));
        } else if made.records.len() % 250 == 60 {
            made.insert(&format!("{REFUSED}{:05}", made.records.len()), 1);
        } else if scores.len() < 5 || roll < 0.3 {
            let player = format!("player-{next_player:05}");
            next_player += 1;
            let score = rng.i64(0..1000);
            made.insert(&player, score);
            scores.insert(player, score);
        } else {
            let player = scores.keys().nth(rng.usize(..scores.len())).cloned().unwrap_or_default();
            let old = scores[&player];
            if roll < 0.85 {
                let new = if rng.f64() < 0.15 { old } else { old + rng.i64(-50..=50) };
                made.change(&player, old, new);
                scores.insert(player, new);
            } else {
                made.remove(&player, old, rng.bool());
                scores.remove(&player);
            }
        }
    }
    made
}

/// Seeded random faults on every kind of call the function makes, and a 5 s outage of both sinks every 12 s: longer
/// than an invocation's retry budget, so invocations answer with a checkpoint and the mapping retries from there.
/// Every other outage is a configuration outage, never parked: the role's permission gone, the topic's KMS key
/// refused or the credentials rejected, expired credentials; then restored. A request holding a refused player's
/// event is refused whole, as invalid or as too large.
fn chaos(started: Instant) -> impl Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync {
    move |call, rng| {
        let elapsed = started.elapsed().as_secs_f64();
        faults(call, rng, (elapsed % 12.0 >= 7.0).then_some((elapsed / 12.0) as u64))
    }
}

fn faults(call: &Call, rng: &mut fastrand::Rng, outage: Option<u64>) -> Fault {
    let roll = rng.f64();
    let sns = call.service == Service::Sns;
    let refused = contains(call.body, REFUSED.as_bytes());
    match call.service {
        Service::EventBridge | Service::Sns if outage.is_some_and(|cycle| cycle % 2 == 1) => {
            match (outage.unwrap_or_default() / 2 % 3, sns) {
                (0, true) => Fault::Answer { status: 403, code: "AuthorizationError" },
                (0, false) => Fault::Answer { status: 400, code: "AccessDeniedException" },
                (1, true) => Fault::Answer { status: 400, code: "KMSAccessDenied" },
                (1, false) => Fault::Answer { status: 400, code: "UnrecognizedClientException" },
                (_, true) => Fault::Answer { status: 403, code: "ExpiredToken" },
                (_, false) => Fault::Answer { status: 403, code: "ExpiredTokenException" },
            }
        }
        Service::EventBridge | Service::Sns if outage.is_some() => Fault::Status(503),
        Service::EventBridge | Service::Sns if refused => {
            let (status, code) = match (call.number.is_multiple_of(2), sns) {
                (true, true) => (400, "InvalidParameter"),
                (true, false) => (400, "ValidationException"),
                (false, true) => (413, "RequestEntityTooLarge"),
                (false, false) => (413, "RequestEntityTooLargeException"),
            };
            Fault::Refuse { containing: REFUSED.to_owned(), status, code }
        }
        Service::EventBridge | Service::Sns if roll < 0.05 => Fault::Throttle,
        Service::EventBridge | Service::Sns if roll < 0.08 => Fault::Status(503),
        Service::EventBridge | Service::Sns if roll < 0.10 => Fault::Drop,
        Service::EventBridge | Service::Sns if roll < 0.12 => Fault::ResetMidAnswer,
        Service::EventBridge | Service::Sns if roll < 0.125 => Fault::Delay(Duration::from_millis(2500)),
        Service::EventBridge | Service::Sns if roll < 0.13 => Fault::Hang,
        Service::EventBridge | Service::Sns if roll < 0.19 => {
            let code = if sns { "InternalError" } else { "InternalFailure" };
            Fault::FailEntries { probability: 0.3, code, sender_fault: false }
        }
        Service::EventBridge | Service::Sns if roll < 0.20 => {
            let code = if sns { "KMSThrottling" } else { "ThrottlingException" };
            Fault::FailEntries { probability: 0.5, code, sender_fault: sns }
        }
        Service::Sqs if roll < 0.05 => Fault::Status(500),
        _ => Fault::Forward,
    }
}

fn contains(body: &[u8], marker: &[u8]) -> bool {
    body.windows(marker.len()).any(|window| window == marker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_faulty_replay_delivers_every_event_in_order_and_parks_every_poison_record() {
    let (records, seed) =
        (env_number("SCORE_FANOUT_REPLAY_RECORDS", 600) as usize, env_number("SCORE_FANOUT_REPLAY_SEED", 42));
    let sdk = crate::harness().await;
    let prefix = moto::unique_prefix("replay");
    let stack = provision(&sdk, &prefix, DEFAULT_EVENT_SOURCE).await.expect("provisioning");
    let (fifo_topic, fifo_queue) = provision_fifo(&sdk, &prefix).await.expect("FIFO provisioning");
    let proxy = FaultProxy::start(moto::endpoint(), seed, chaos(Instant::now())).await;
    let config = Config {
        event_bus: Some(stack.bus.clone()),
        topic: Some(Topic { arn: fifo_topic, fifo: true }),
        event_source: DEFAULT_EVENT_SOURCE.to_owned(),
        dead_letter_queue_url: Some(stack.queues.poison.clone()),
        dry_run: false,
        log_level: None,
        json_logs: false,
        function_name: None,
        max_in_flight: score_fanout::DEFAULT_MAX_IN_FLIGHT,
    };
    let handler =
        score_fanout::live_handler(&config, &crate::sdk_at(&proxy.endpoint).await).expect("endpoints resolve");
    let made = workload(records, seed);
    let (refused, expected): (Vec<Expected>, Vec<Expected>) =
        made.expected.iter().cloned().partition(|event| event.player_id.starts_with(REFUSED));

    let mapping = Mapping { batch_size: 100, max_retries: 1_000, timeout: Duration::from_secs(5) };
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let (mut on_bus, mut on_fifo, mut parked) = (Vec::new(), Vec::new(), Vec::new());
    let mut report = score_fanout_tools::mapping::Report::default();
    let started = Instant::now();
    // Subscribers read as they go: the local server slows down with queues of thousands of messages.
    for stretch in made.records.chunks(STRETCH) {
        report.extend(feed(&handler, stretch.to_vec(), mapping).await);
        on_bus.extend(drain(&sqs, &stack.queues.rule).await.expect("rule queue"));
        on_fifo.extend(drain(&sqs, &fifo_queue).await.expect("FIFO queue"));
        parked.extend(drain(&sqs, &stack.queues.poison).await.expect("dead-letter queue"));
    }
    // A call given up on may still reach the local server after the last reading.
    proxy.settled().await;
    on_bus.extend(drain(&sqs, &stack.queues.rule).await.expect("rule queue"));
    on_fifo.extend(drain(&sqs, &fifo_queue).await.expect("FIFO queue"));
    parked.extend(drain(&sqs, &stack.queues.poison).await.expect("dead-letter queue"));
    let replay_time = started.elapsed();
    assert!(report.skipped.is_empty(), "nothing may be skipped: {:?}", report.skipped);
    let slowest = report.attempts.iter().map(|a| a.took).max().unwrap_or_default();
    assert!(slowest < mapping.timeout, "an invocation took {slowest:?}, past its {:?} deadline", mapping.timeout);

    let bus_duplicates = assert_every_event_arrived("EventBridge", &expected, &on_bus);
    let fifo_duplicates = assert_every_event_arrived("SNS FIFO", &expected, &on_fifo);
    assert_player_order(&expected, &on_fifo);
    assert_poison_parked(&made.poison, &parked);
    assert_refused_parked(&refused, &parked);
    let bus_causes = duplicates_by_cause(&proxy, Service::EventBridge, &on_bus, false);
    let fifo_causes = duplicates_by_cause(&proxy, Service::Sns, &on_fifo, true);
    // A warm environment never sends a sink again what it accepted: what arrives twice comes from answers that never
    // reached the function (a call given up on, an answer lost), never from Lambda handing records back.
    assert_eq!(
        (bus_causes.rewind, fifo_causes.rewind),
        (0, 0),
        "no entry a sink accepted is sent again after a rewind"
    );

    let retries = report.attempts.iter().filter(|a| a.checkpoint.is_some()).count();
    println!(
        "replay seed {seed}: {records} records, {} events, {} poison, {} refused by the sinks; {} invocations ({retries} answered with a checkpoint); \
         slowest invocation {slowest:?}; lost 0; duplicates EventBridge {bus_duplicates} ({:.2}%; {bus_causes}), \
         SNS FIFO {fifo_duplicates} of {} accepted again ({fifo_causes}); calls EventBridge {}, SNS {}, SQS {}; {replay_time:?}",
        expected.len(),
        made.poison.len(),
        refused.len(),
        report.attempts.len(),
        100.0 * bus_duplicates as f64 / expected.len().max(1) as f64,
        fifo_causes.total(),
        proxy.calls(Service::EventBridge),
        proxy.calls(Service::Sns),
        proxy.calls(Service::Sqs),
    );
}

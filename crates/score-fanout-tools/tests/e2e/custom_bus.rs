//! The function on EventBridge's Custom Event Bus (its stand-in from the test kit, delivering to an SQS FIFO queue on
//! the local server): 1,000 records through throttling and rewinds, and a new execution environment taking a stretch
//! over, reach the ordered queue once each, every player's events in stream order.

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use score_fanout::{Config, DEFAULT_EVENT_SOURCE, DEFAULT_MAX_IN_FLIGHT};
use score_fanout_testkit::custom_bus::{CustomBus, CustomBusConfig};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::{feed, Mapping, Report};
use std::collections::HashMap;
use std::time::Duration;

/// The Custom Event Bus's endpoint (`AWS_ENDPOINT_URL_EVENTBRIDGEV2`) for one SDK configuration, not the process.
#[derive(Debug)]
struct CustomBusEndpoint(String);

impl LoadServiceConfig for CustomBusEndpoint {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        (key.service_id() == "EventBridgeV2" && key.env() == "AWS_ENDPOINT_URL").then(|| self.0.clone())
    }
}

async fn function_sdk(bus: &CustomBus) -> SdkConfig {
    crate::sdk_at(moto::endpoint()).await.into_builder().service_config(CustomBusEndpoint(bus.endpoint.clone())).build()
}

fn config(bus_arn: &str) -> Config {
    Config {
        event_bus: Some(bus_arn.to_owned()),
        topic: None,
        event_source: DEFAULT_EVENT_SOURCE.to_owned(),
        dead_letter_queue_url: None,
        dry_run: false,
        log_level: None,
        json_logs: false,
        function_name: None,
        max_in_flight: DEFAULT_MAX_IN_FLIGHT,
    }
}

/// 1,000 records over 40 players: inserts, then score changes.
fn workload() -> RecordMaker {
    let mut made = RecordMaker::new();
    let mut scores = vec![0i64; 40];
    for (player, _) in scores.iter().enumerate() {
        made.insert(&format!("player-{player:02}"), 0);
    }
    for i in 0..960 {
        let player = (i * 7) % 40;
        let (old, new) = (scores[player], scores[player] + 1 + (i as i64 % 5));
        made.change(&format!("player-{player:02}"), old, new);
        scores[player] = new;
    }
    made
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ordered_queue_gets_each_event_once_in_stream_order_per_player_through_throttling_and_rewinds() {
    let harness = crate::harness().await;
    let sqs = aws_sdk_sqs::Client::new(&harness);
    let name = format!("{}OrderedScoreEventsQueue.fifo", moto::unique_prefix("ordered"));
    let queue = sqs.create_queue().queue_name(&name).attributes(QueueAttributeName::FifoQueue, "true").send().await;
    let queue_url = queue.expect("FIFO queue").queue_url.expect("its URL");
    let bus = CustomBusConfig::new().bus("scores").fifo_subscriber("scores", &queue_url, sqs.clone()).start().await;
    let bus = bus.expect("the stand-in starts");
    let arn = bus.arn("scores").expect("the bus's ARN");
    let sdk = function_sdk(&bus).await;
    let made = workload();

    // Throttled calls and entries failed one by one: invocations of a 2 s budget answer with checkpoints, and the
    // mapping hands the records back from there.
    bus.faults().throttle_randomly(0.2);
    bus.faults().fail_entries_randomly(0.6, "ThrottlingException");
    let handler = score_fanout::live_handler(&config(&arn), &sdk).expect("endpoints");
    handler.check_destinations(Some("us-east-1")).await.expect("the bus exists");
    let mapping = Mapping { batch_size: 100, max_retries: 1_000, timeout: Duration::from_secs(2) };
    // The queue is read as it fills: the local server slows down with thousands of messages in a queue.
    let mut received = Vec::new();
    let mut report = Report::default();
    for stretch in made.records[..600].chunks(200) {
        report.extend(feed(&handler, stretch.to_vec(), mapping).await);
        received.extend(drain(&sqs, &queue_url).await.expect("ordered queue"));
    }
    bus.faults().throttle_randomly(0.0);
    bus.faults().fail_entries_randomly(0.0, "ThrottlingException");
    report.extend(feed(&handler, made.records[600..].to_vec(), mapping).await);
    let rewinds = report.attempts.iter().filter(|attempt| attempt.checkpoint.is_some()).count();
    assert!(rewinds >= 2, "the function rewound {rewinds} time(s)");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);

    // A new execution environment takes the last stretch over (its memory is empty): the bus suppresses the repeats.
    let cold = score_fanout::live_handler(&config(&arn), &sdk).expect("endpoints");
    let again = feed(&cold, made.records[800..].to_vec(), mapping).await;
    let deduplicated: u64 = again.attempts.iter().filter_map(|a| a.tally.entries_deduplicated).sum();
    assert_eq!(deduplicated as usize, made.expected[800..].len(), "every repeat answered DEDUPLICATED");
    for _ in 0..60 {
        received.extend(drain(&sqs, &queue_url).await.expect("ordered queue"));
        if bus.deliveries_done(Duration::from_secs(5)).await && received.len() >= bus.stats().delivered {
            break;
        }
    }
    received.extend(drain(&sqs, &queue_url).await.expect("ordered queue"));
    assert_eq!(bus.stats().undeliverable, 0, "{:?}", bus.stats());

    let ids: Vec<&str> = received.iter().map(|m| m.event["eventId"].as_str().unwrap_or("?")).collect();
    let expected: Vec<&str> = made.expected.iter().map(|e| e.event_id.as_str()).collect();
    let mut once = ids.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!((ids.len(), once.len()), (expected.len(), expected.len()), "each event once");
    let position: HashMap<&str, usize> = expected.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut last: HashMap<&str, usize> = HashMap::new();
    for message in &received {
        let (id, player) = (message.event["eventId"].as_str(), message.event["playerId"].as_str());
        let (Some(id), Some(player)) = (id, player) else { panic!("not an event: {}", message.body) };
        let body: serde_json::Value = serde_json::from_str(&message.body).expect("a JSON body");
        let invalid = score_fanout_testkit::schemas::errors("OrderedQueueMessage.v1.json", &body);
        assert!(invalid.is_empty(), "{invalid:?}: {}", message.body);
        let at = position[id];
        assert!(last.insert(player, at).is_none_or(|before| before < at), "{player}: {id} arrived after a later one");
    }
    println!(
        "ordered bus: {} records, {} events, {} invocations ({rewinds} rewinds), stand-in {:?}",
        made.records.len(),
        expected.len(),
        report.attempts.len(),
        bus.stats()
    );
}

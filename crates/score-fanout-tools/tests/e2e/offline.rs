//! End to end on the local AWS (moto): a table and its stream, the function driven the way the event source
//! mapping drives it, and what the subscribers actually received.

use score_fanout_testkit::moto;
use score_fanout_tools::demo::{config_for, write_demo_steps};
use score_fanout_tools::inbox::{drain, Received};
use score_fanout_tools::mapping::{Mapping, Report};
use score_fanout_tools::provision::{provision, Stack};
use score_fanout_tools::stream::{drive, Source, StartingPosition};
use score_fanout_tools::table::{n, s, GameTable};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

const MAPPING: Mapping = Mapping { batch_size: 100, max_retries: 3, timeout: Duration::from_secs(60) };

struct Fixture {
    sdk: aws_config::SdkConfig,
    stack: Stack,
    table: GameTable,
}

async fn fixture(test: &str) -> Fixture {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix(test), "game.scores").await.expect("provisioning");
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(&sdk), &stack.table);
    Fixture { sdk, stack, table }
}

impl Fixture {
    async fn run_function(&self, dry_run: bool) -> Report {
        let function_sdk = crate::sdk_at(moto::endpoint()).await;
        let handler =
            score_fanout::live_handler(&config_for(&self.stack, dry_run), &function_sdk).expect("endpoints resolve");
        let streams = aws_sdk_dynamodbstreams::Client::new(&self.sdk);
        let source = Source {
            streams: &streams,
            stream_arn: &self.stack.stream_arn,
            mapping: MAPPING,
            start: StartingPosition::TrimHorizon,
            follow: false,
            on_failure: None,
        };
        drive(&source, &handler).await.expect("reading the stream")
    }

    /// What a subscriber queue received, each message checked against the committed JSON Schemas.
    async fn received(&self, queue_url: &str) -> Vec<Received> {
        let received = drain(&aws_sdk_sqs::Client::new(&self.sdk), queue_url).await.expect("reading the queue");
        if queue_url != self.stack.queues.poison {
            let envelope =
                if queue_url == self.stack.queues.rule { "EventBridgeEnvelope.v1.json" } else { "SnsMessage.v1.json" };
            for message in &received {
                let body: serde_json::Value = serde_json::from_str(&message.body).expect("JSON body");
                score_fanout_testkit::schemas::assert_valid(envelope, &body, message.event_type.as_deref());
            }
        }
        received
    }
}

/// How many messages of each event type a queue received.
fn count_by_type(messages: &[Received]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for message in messages {
        *counts.entry(message.event_type.clone().unwrap_or_else(|| "?".into())).or_default() += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(name, count)| (name.to_string(), *count)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_steps_give_one_event_per_change_and_nothing_for_an_equal_score() {
    let fixture = fixture("demo").await;
    write_demo_steps(&fixture.table, |_| {}).await.expect("writes");
    let report = fixture.run_function(false).await;
    assert!(report.skipped.is_empty() && report.attempts.iter().all(|a| a.checkpoint.is_none()), "{report:?}");

    let expected = counts(&[("PlayerAdded", 1), ("PlayerRemoved", 1), ("ScoreChanged", 1)]);
    let rule = fixture.received(&fixture.stack.queues.rule).await;
    let all = fixture.received(&fixture.stack.queues.all_events).await;
    assert_eq!(count_by_type(&rule), expected);
    assert_eq!(count_by_type(&all), expected);
    let changed = fixture.received(&fixture.stack.queues.score_changed).await;
    assert_eq!(count_by_type(&changed), counts(&[("ScoreChanged", 1)]));
    let event = &changed[0].event;
    assert_eq!((event["playerId"].as_str(), event["date"].as_str()), (Some("1234"), Some("Aug 23")));
    assert_eq!(
        (event["oldScore"].as_i64(), event["newScore"].as_i64(), event["delta"].as_i64()),
        (Some(44), Some(50), Some(6))
    );
    let envelope: serde_json::Value = serde_json::from_str(&rule[0].body).expect("envelope");
    assert_eq!(envelope["source"], "game.scores");
    assert!(fixture.received(&fixture.stack.queues.poison).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_writes_across_many_players_arrives_complete() {
    let fixture = fixture("burst").await;
    let players: Vec<String> = (0..120).map(|i| format!("player-{i:03}")).collect();
    for (i, player) in players.iter().enumerate() {
        fixture.table.put(player, "Aug 23", n(i as i64)).await.expect("put");
    }
    for (i, player) in players.iter().enumerate().take(80) {
        let write = if i % 2 == 0 {
            fixture.table.set(player, "Aug 23", "score", n(1000 + i as i64)).await
        } else {
            fixture.table.set(player, "Aug 23", "nickname", s("ace")).await
        };
        write.expect("update");
    }
    for player in players.iter().skip(60).take(50) {
        fixture.table.delete(player, "Aug 23").await.expect("delete");
    }
    let report = fixture.run_function(false).await;
    assert!(report.attempts.len() >= 3, "250 records in batches of 100: {report:?}");

    let expected = counts(&[("PlayerAdded", 120), ("PlayerRemoved", 50), ("ScoreChanged", 40)]);
    for queue in [&fixture.stack.queues.rule, &fixture.stack.queues.all_events] {
        let received = fixture.received(queue).await;
        assert_eq!(count_by_type(&received), expected, "{queue}");
        let ids: HashSet<&str> = received.iter().filter_map(|m| m.event["eventId"].as_str()).collect();
        assert_eq!(ids.len(), 210, "every event once, each with its own eventId");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_record_lands_whole_in_the_dead_letter_queue_and_later_records_are_delivered() {
    let fixture = fixture("poison").await;
    fixture.table.put("1234", "Aug 23", s("forty-four")).await.expect("poison put");
    fixture.table.put("5678", "Aug 23", n(7)).await.expect("good put");
    let report = fixture.run_function(false).await;
    assert!(report.attempts.iter().all(|a| a.checkpoint.is_none()), "poison must not hold the shard: {report:?}");

    let poison = fixture.received(&fixture.stack.queues.poison).await;
    assert_eq!(poison.len(), 1);
    let message: serde_json::Value = serde_json::from_str(&poison[0].body).expect("dead-letter JSON");
    assert_eq!(message["record"]["dynamodb"]["NewImage"]["score"]["S"], "forty-four");
    assert_eq!(message["record"]["eventSourceARN"], fixture.stack.stream_arn.as_str());
    assert_eq!(message["record"]["eventName"], "INSERT");
    let error = message["error"].as_str().expect("error");
    assert!(error.contains("field dynamodb.NewImage.score") && error.contains("forty-four"), "{error}");

    let delivered = fixture.received(&fixture.stack.queues.all_events).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].event["playerId"], "5678");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_nothing_anywhere() {
    let fixture = fixture("dryrun").await;
    write_demo_steps(&fixture.table, |_| {}).await.expect("writes");
    fixture.table.put("9999", "Aug 23", s("not a number")).await.expect("poison put");
    let report = fixture.run_function(true).await;
    assert!(report.attempts.iter().all(|a| a.checkpoint.is_none()));
    let queues = &fixture.stack.queues;
    for queue in [&queues.rule, &queues.all_events, &queues.score_changed, &queues.poison] {
        assert!(fixture.received(queue).await.is_empty(), "{queue} received something in DRY_RUN");
    }
}

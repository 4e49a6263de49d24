//! The subscription recipes of docs/events.md, run on the local AWS (moto): each EventBridge pattern and SNS
//! filter policy, copied here exactly as the page shows it (the test checks that), gets a queue of its own, the
//! function's own adapters publish a set of events, and each queue must receive exactly the events its recipe says.

use aws_sdk_sqs::types::QueueAttributeName;
use score_fanout::{Delivery, Invocation, Publish, RetryBudget, Topic};
use score_fanout_events::{DomainEvent, EventMeta, PlayerAdded, PlayerRemoved, RemovalReason, ScoreChanged};
use score_fanout_testkit::moto;
use std::time::Duration;

enum Recipe {
    Pattern(&'static str),
    Attributes(&'static str),
    Body(&'static str),
}

/// Each recipe with the eventIds of `events()` it must select.
const RECIPES: [(Recipe, &[&str]); 9] = [
    (
        Recipe::Pattern(
            r#"{"source": ["game.scores"], "detail-type": ["ScoreChanged"], "detail": {"delta": [{"numeric": [">", 0]}]}}"#,
        ),
        &["up-10", "up-1"],
    ),
    (
        Recipe::Pattern(r#"{"source": ["game.scores"], "detail": {"playerId": ["1234"]}}"#),
        &["down-6", "up-10", "deleted"],
    ),
    (
        Recipe::Pattern(
            r#"{"source": ["game.scores"], "detail-type": ["PlayerRemoved"], "detail": {"reason": ["expired"]}}"#,
        ),
        &["expired"],
    ),
    (
        Recipe::Pattern(
            r#"{"source": ["game.scores"], "detail-type": ["ScoreChanged"],
 "detail": {"schemaVersion": ["1"], "newScore": [{"numeric": [">=", 1000]}], "oldScore": [{"numeric": ["<", 1000]}]}}"#,
        ),
        &["up-10"],
    ),
    (Recipe::Attributes(r#"{"eventType": ["ScoreChanged"]}"#), &["down-6", "up-10", "up-1"]),
    (
        Recipe::Attributes(r#"{"eventType": ["PlayerAdded", "PlayerRemoved"], "playerId": [{"prefix": "eu-"}]}"#),
        &["added-eu", "expired"],
    ),
    (Recipe::Body(r#"{"delta": [{"numeric": [">", 0]}]}"#), &["up-10", "up-1"]),
    (Recipe::Body(r#"{"reason": ["expired"]}"#), &["expired"]),
    (Recipe::Body(r#"{"schemaVersion": ["1"]}"#), &["added-eu", "down-6", "up-10", "up-1", "expired", "deleted"]),
];

fn meta(event_id: &str) -> EventMeta {
    EventMeta { event_id: event_id.into(), occurred_at: "2026-11-24T09:00:00Z".into(), schema_version: "1".into() }
}

fn events() -> Vec<DomainEvent> {
    let changed = |id: &str, player: &str, old: i64, new: i64| {
        DomainEvent::ScoreChanged(ScoreChanged {
            meta: meta(id),
            player_id: player.into(),
            date: "Aug 23".into(),
            old_score: old,
            new_score: new,
            delta: new - old,
        })
    };
    let removed = |id: &str, player: &str, reason| {
        DomainEvent::PlayerRemoved(PlayerRemoved {
            meta: meta(id),
            player_id: player.into(),
            date: "Aug 23".into(),
            score: 7,
            reason,
        })
    };
    vec![
        DomainEvent::PlayerAdded(PlayerAdded {
            meta: meta("added-eu"),
            player_id: "eu-1".into(),
            date: "Aug 23".into(),
            score: 5,
        }),
        changed("down-6", "1234", 50, 44),
        changed("up-10", "1234", 990, 1000),
        changed("up-1", "x", 1, 2),
        removed("expired", "eu-2", RemovalReason::Expired),
        removed("deleted", "1234", RemovalReason::Deleted),
    ]
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_recipes_here_are_the_ones_the_page_shows() {
    let page =
        squeeze(&std::fs::read_to_string(score_fanout_testkit::repository().join("docs/events.md")).expect("docs"));
    for (recipe, _) in &RECIPES {
        let (Recipe::Pattern(json) | Recipe::Attributes(json) | Recipe::Body(json)) = recipe;
        assert!(page.contains(&squeeze(json)), "docs/events.md does not show {json}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_recipe_selects_the_events_it_promises() {
    let sdk = crate::harness().await;
    let prefix = moto::unique_prefix("recipes");
    let (sqs, sns, bus) =
        (aws_sdk_sqs::Client::new(&sdk), aws_sdk_sns::Client::new(&sdk), aws_sdk_eventbridge::Client::new(&sdk));
    let bus_name = format!("{prefix}bus");
    bus.create_event_bus().name(&bus_name).send().await.expect("bus");
    let topic_arn =
        sns.create_topic().name(format!("{prefix}topic")).send().await.expect("topic").topic_arn.expect("arn");
    let mut queues = Vec::new();
    for (i, (recipe, _)) in RECIPES.iter().enumerate() {
        let url =
            sqs.create_queue().queue_name(format!("{prefix}q{i}")).send().await.expect("queue").queue_url.expect("url");
        let attributes = sqs.get_queue_attributes().queue_url(&url).attribute_names(QueueAttributeName::QueueArn);
        let arn = attributes
            .send()
            .await
            .expect("arn")
            .attributes
            .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned());
        let arn = arn.expect("queue arn");
        match recipe {
            Recipe::Pattern(pattern) => {
                let rule = format!("{prefix}r{i}");
                bus.put_rule()
                    .name(&rule)
                    .event_bus_name(&bus_name)
                    .event_pattern(*pattern)
                    .send()
                    .await
                    .expect("rule");
                let target = aws_sdk_eventbridge::types::Target::builder().id("q").arn(&arn).build().expect("target");
                bus.put_targets().rule(&rule).event_bus_name(&bus_name).targets(target).send().await.expect("target");
            }
            Recipe::Attributes(policy) | Recipe::Body(policy) => {
                let scope = if matches!(recipe, Recipe::Body(_)) { "MessageBody" } else { "MessageAttributes" };
                sns.subscribe()
                    .topic_arn(&topic_arn)
                    .protocol("sqs")
                    .endpoint(&arn)
                    .attributes("RawMessageDelivery", "true")
                    .attributes("FilterPolicy", *policy)
                    .attributes("FilterPolicyScope", scope)
                    .send()
                    .await
                    .expect("subscription");
            }
        }
        queues.push(url);
    }

    let topic = Topic { arn: topic_arn.clone(), fifo: false };
    let fan_out = score_fanout::fan_out(&sdk, Some(&bus_name), "game.scores", Some(&topic), 8).expect("endpoints");
    let published = fan_out.publish(&events(), &Invocation::new(RetryBudget::new(Duration::from_secs(30)))).await;
    assert!(published.deliveries.iter().all(|d| matches!(d, Delivery::Delivered)), "{:?}", published.deliveries);

    for ((recipe, expected), url) in RECIPES.iter().zip(&queues) {
        let received = score_fanout_tools::inbox::drain(&sqs, url).await.expect("queue");
        let mut ids: Vec<String> =
            received.iter().map(|m| m.event["eventId"].as_str().unwrap_or_default().to_owned()).collect();
        ids.sort();
        let mut expected: Vec<String> = expected.iter().map(|id| id.to_string()).collect();
        expected.sort();
        let (Recipe::Pattern(json) | Recipe::Attributes(json) | Recipe::Body(json)) = recipe;
        assert_eq!(ids, expected, "{json}");
    }
}

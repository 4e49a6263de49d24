//! The classic DynamoDB Streams demo, offline: a table and its stream, the function behind it, and subscribers
//! receiving score notifications, all on a local AWS-API server.

use crate::inbox::{drain, InboxError, Received};
use crate::mapping::Mapping;
use crate::on_failure::OnFailureBucket;
use crate::provision::{provision, provision_ordered_queue, ProvisionError, Stack};
use crate::stream::{drive, Source, StartingPosition, StreamError};
use crate::table::{n, s, GameTable, WriteError};
use aws_config::SdkConfig;
use score_fanout::{Config, Topic, DEFAULT_EVENT_SOURCE};
use std::time::Duration;

/// Why the demo could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Stream(#[from] StreamError),
    #[error(transparent)]
    Inbox(#[from] InboxError),
    #[error(transparent)]
    Endpoint(#[from] score_fanout::EndpointError),
}

/// The function's configuration for a provisioned stack.
pub fn config_for(stack: &Stack, dry_run: bool) -> Config {
    Config {
        event_bus: Some(stack.bus.clone()),
        topic: Some(Topic { arn: stack.topic_arn.clone(), fifo: false }),
        event_source: stack.event_source.clone(),
        dead_letter_queue_url: Some(stack.queues.poison.clone()),
        dry_run,
        log_level: None,
        json_logs: false,
        function_name: None,
        max_in_flight: score_fanout::DEFAULT_MAX_IN_FLIGHT,
    }
}

/// The demo's writes: a new row, a new score, another attribute (an equal-score MODIFY), a delete.
pub async fn write_demo_steps(table: &GameTable, announce: impl Fn(&str)) -> Result<(), WriteError> {
    announce("put item {playerId: \"1234\", date: \"Aug 23\", score: 44}");
    table.put("1234", "Aug 23", n(44)).await?;
    announce("update score to 50");
    table.set("1234", "Aug 23", "score", n(50)).await?;
    announce("update nickname to \"ace\" (the score stays 50)");
    table.set("1234", "Aug 23", "nickname", s("ace")).await?;
    announce("delete the item");
    table.delete("1234", "Aug 23").await
}

/// Runs the demo and prints it; with `ordered_bus` (a Custom Event Bus's ARN, served offline by the test kit's
/// stand-in, whose FIFO subscriber delivers to `OrderedScoreEventsQueue.fifo`), on EventBridge's ordered bus.
pub async fn run(sdk: &SdkConfig, ordered_bus: Option<&str>) -> Result<(), DemoError> {
    println!("== 1. The offline stack (the template's names)");
    let stack = provision(sdk, "", DEFAULT_EVENT_SOURCE).await?;
    println!("   table {} with stream {}", stack.table, stack.stream_arn);
    println!("   bus {}, topic {}", ordered_bus.unwrap_or(&stack.bus), stack.topic_arn);
    let ordered_queue = match ordered_bus {
        Some(_) => Some(provision_ordered_queue(sdk).await?),
        None => None,
    };
    let mut config = config_for(&stack, false);
    if let Some(arn) = ordered_bus {
        config.event_bus = Some(arn.to_owned());
    }
    println!("\n== 2. Writes to {}", stack.table);
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(sdk), &stack.table);
    write_demo_steps(&table, |step| println!("   {step}")).await?;
    println!("\n== 3. The function on the stream (its log)");
    let handler = score_fanout::live_handler(&config, sdk)?;
    let mapping = Mapping { batch_size: 100, max_retries: 3, timeout: Duration::from_secs(60) };
    let client = aws_sdk_dynamodbstreams::Client::new(sdk);
    let on_failure = OnFailureBucket::new(aws_sdk_s3::Client::new(sdk), stack.failure_bucket.clone());
    let source = Source {
        streams: &client,
        stream_arn: &stack.stream_arn,
        mapping,
        start: StartingPosition::TrimHorizon,
        follow: false,
        on_failure: Some(&on_failure),
    };
    let report = drive(&source, &handler).await?;
    let records: usize = report.attempts.iter().map(|a| a.records).sum();
    println!("\n== 4. What the subscribers received");
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let ordered =
        ordered_queue.as_ref().map(|url| ("OrderedScoreEventsQueue", "Custom Event Bus, FIFO subscriber", url));
    let classic = ("ScoreEventsRuleQueue", "EventBridge rule, every score event", &stack.queues.rule);
    let inboxes = [
        ordered.unwrap_or(classic),
        ("AllScoreEventsQueue", "SNS, raw delivery, no filter", &stack.queues.all_events),
        ("ScoreChangedQueue", "SNS, raw delivery, eventType = ScoreChanged", &stack.queues.score_changed),
        ("PoisonRecordQueue", "dead-letter queue", &stack.queues.poison),
    ];
    let mut counts = Vec::new();
    // The ordered bus's subscriber delivers on its own time, after the bus took the events.
    let published: u64 = report.attempts.iter().map(|attempt| attempt.tally.published_to("EventBridge")).sum();
    for (name, what, url) in inboxes {
        let mut received = drain(&sqs, url).await?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while Some(url) == ordered_queue.as_ref() && (received.len() as u64) < published {
            if tokio::time::Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            received.extend(drain(&sqs, url).await?);
        }
        println!("   {name} ({what}): {} message(s)", received.len());
        for message in &received {
            println!("     {}", describe(message));
        }
        counts.push(format!("{name} {}", received.len()));
    }
    if let Some(queue) = &ordered_queue {
        retry_in_a_new_environment(&config, sdk, &source, queue).await?;
    }
    let skipped: usize = report.skipped.iter().map(|s| s.records).sum();
    println!(
        "\nSummary: 4 writes -> {records} stream records in {} invocation(s), {skipped} skipped -> {}",
        report.attempts.len(),
        counts.join(", ")
    );
    Ok(())
}

/// The ordered bus's answer to a batch retried in a new execution environment (Lambda hands a batch back from its
/// checkpoint, and another environment, whose memory of accepted entries is empty, takes it): the bus stores each
/// event once, so its FIFO subscriber delivers nothing twice.
async fn retry_in_a_new_environment(
    config: &Config,
    sdk: &SdkConfig,
    source: &Source<'_>,
    queue: &str,
) -> Result<(), DemoError> {
    println!("\n== 5. The same batch again, in a new execution environment (a retry after a cold start)");
    let handler = score_fanout::live_handler(config, sdk)?;
    let again = drive(source, &handler).await?;
    let deduplicated: u64 = again.attempts.iter().filter_map(|attempt| attempt.tally.entries_deduplicated).sum();
    println!("   the bus answered {deduplicated} entry(ies) DEDUPLICATED: already on it, stored once");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    println!("   OrderedScoreEventsQueue: {} new message(s)", drain(&sqs, queue).await?.len());
    Ok(())
}

/// One line for a received event.
pub fn describe(message: &Received) -> String {
    let event = &message.event;
    let field = |name: &str| event.get(name).map_or_else(String::new, |v| format!(" {name}={v}"));
    let details = match message.event_type.as_deref() {
        Some("ScoreChanged") => format!("{}{}{}", field("oldScore"), field("newScore"), field("delta")),
        Some("PlayerRemoved") => format!("{}{}", field("score"), field("reason")),
        Some(_) => field("score"),
        None => return format!("{:.160}", message.body),
    };
    let event_type = message.event_type.as_deref().unwrap_or("?");
    format!("{event_type:<13}{}{}{details}{}", field("playerId"), field("date"), field("eventId"))
}

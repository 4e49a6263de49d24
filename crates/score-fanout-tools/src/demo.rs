//! The classic DynamoDB Streams demo, offline: a table and its stream, the function behind it, and subscribers
//! receiving score notifications, all on a local AWS-API server.

use crate::inbox::{drain, InboxError, Received};
use crate::mapping::Mapping;
use crate::on_failure::OnFailureBucket;
use crate::provision::{provision, ProvisionError, Stack};
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

/// Runs the demo and prints it.
pub async fn run(sdk: &SdkConfig) -> Result<(), DemoError> {
    println!("== 1. The offline stack (the template's names)");
    let stack = provision(sdk, "", DEFAULT_EVENT_SOURCE).await?;
    println!("   table {} with stream {}", stack.table, stack.stream_arn);
    println!("   bus {}, topic {}", stack.bus, stack.topic_arn);
    println!("\n== 2. Writes to {}", stack.table);
    let table = GameTable::new(aws_sdk_dynamodb::Client::new(sdk), &stack.table);
    write_demo_steps(&table, |step| println!("   {step}")).await?;
    println!("\n== 3. The function on the stream (its log)");
    let handler = score_fanout::live_handler(&config_for(&stack, false), sdk)?;
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
    let inboxes = [
        ("ScoreEventsRuleQueue", "EventBridge rule, every score event", &stack.queues.rule),
        ("AllScoreEventsQueue", "SNS, raw delivery, no filter", &stack.queues.all_events),
        ("ScoreChangedQueue", "SNS, raw delivery, eventType = ScoreChanged", &stack.queues.score_changed),
        ("PoisonRecordQueue", "dead-letter queue", &stack.queues.poison),
    ];
    let mut counts = Vec::new();
    for (name, what, url) in inboxes {
        let received = drain(&sqs, url).await?;
        println!("   {name} ({what}): {} message(s)", received.len());
        for message in &received {
            println!("     {}", describe(message));
        }
        counts.push(format!("{name} {}", received.len()));
    }
    let skipped: usize = report.skipped.iter().map(|s| s.records).sum();
    println!(
        "\nSummary: 4 writes -> {records} stream records in {} invocation(s), {skipped} skipped -> {}",
        report.attempts.len(),
        counts.join(", ")
    );
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

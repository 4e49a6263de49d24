//! Operations tool: replays the stream ranges Lambda skipped (from `StreamFailureQueue`) and the poison the function
//! parked (in `PoisonRecordQueue`) through the function's own handler. The function's configuration comes from the
//! same environment variables as in Lambda (the sinks to publish to); see docs/operations.md.

use clap::{Parser, Subcommand};
use score_fanout::{aws, logging, Config};
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::redrive::{redrive_poison, redrive_stream, Line, Outcome, Queue};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Replay skipped stream ranges and parked poison through score-fanout's handler")]
struct Cli {
    /// Show what would be replayed; send nothing, delete nothing.
    #[arg(long, global = true)]
    dry_run: bool,
    /// Seconds each replayed invocation may take.
    #[arg(long, global = true, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=900))]
    timeout: u64,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Re-read each range recorded in the on-failure queue from the stream and deliver it; delete its message once
    /// delivered. Says so when a range has already left the stream (24 hours).
    Stream {
        /// The on-failure queue (the template's StreamFailureQueue).
        #[arg(long)]
        queue_url: String,
        /// Retries of a batch that keeps failing before the message is left for later.
        #[arg(long, default_value_t = 3)]
        max_retries: u32,
    },
    /// Re-drive parked records after a fix: what now decodes and publishes is removed, the rest stays.
    Poison {
        /// The dead-letter queue (the template's PoisonRecordQueue).
        #[arg(long)]
        queue_url: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    // Replayed ranges are handled exactly as the function would, poison parked included; re-driven poison that
    // still fails stays in the queue it came from instead of being parked a second time.
    if matches!(cli.command, Command::Poison { .. }) {
        config.dead_letter_queue_url = None;
    }
    logging::init(&config);
    let sdk = aws::sdk_config().await;
    let handler = match aws::handler(&config, &sdk) {
        Ok(handler) => handler,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let timeout = Duration::from_secs(cli.timeout);
    let result = match &cli.command {
        Command::Stream { queue_url, max_retries } => {
            let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
            let mapping = Mapping { batch_size: 100, max_retries: *max_retries, timeout };
            redrive_stream(&Queue { sqs: &sqs, url: queue_url }, &streams, &handler, mapping, cli.dry_run).await
        }
        Command::Poison { queue_url } => {
            redrive_poison(&Queue { sqs: &sqs, url: queue_url }, &handler, timeout, cli.dry_run).await
        }
    };
    match result {
        Ok(lines) => print_summary(&lines, cli.dry_run),
        Err(error) => {
            eprintln!("score-fanout-redrive: {error}");
            ExitCode::from(2)
        }
    }
}

fn print_summary(lines: &[Line], dry_run: bool) -> ExitCode {
    if lines.is_empty() {
        println!("nothing to redrive: the queue is empty");
        return ExitCode::SUCCESS;
    }
    let width = lines.iter().map(|line| line.subject.len()).max().unwrap_or(0).max(7);
    println!("{:<width$}  {:>7}  {:>6}  result", "message", "records", "events");
    let (mut done, mut kept, mut records, mut events) = (0, 0, 0, 0);
    for line in lines {
        let (count, published, result) = match &line.outcome {
            Outcome::Redriven { records, events } => (*records, *events, "delivered, message deleted".to_owned()),
            Outcome::WouldRedrive { records, events } => (*records, *events, "would be delivered (dry run)".to_owned()),
            Outcome::Kept(reason) => (0, 0, format!("kept: {reason}")),
        };
        if matches!(line.outcome, Outcome::Kept(_)) {
            kept += 1;
        } else {
            done += 1;
        }
        records += count;
        events += published;
        println!("{:<width$}  {count:>7}  {published:>6}  {result}", line.subject);
    }
    let verb = if dry_run { "would be redriven" } else { "redriven" };
    println!("total: {} message(s): {done} {verb} ({records} records, {events} events), {kept} kept", lines.len());
    if kept > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

//! Operations tool: replays the batches Lambda skipped (kept whole in `StreamFailureBucket`) and the poison the
//! function parked (in `PoisonRecordQueue`) through the function's own handler. The function's configuration comes
//! from the same environment variables as in Lambda (the sinks to publish to); see docs/operations.md.

use clap::{Parser, Subcommand};
use score_fanout::{init_logging, sdk_config, with_causes, Config};
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::redrive::{self, redrive_poison, redrive_skipped, Bucket, Line, Outcome, Queue, Redriver};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Replay skipped batches and parked poison through score-fanout's handler")]
struct Cli {
    /// Show what would be replayed; send nothing, tag nothing, delete nothing.
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
    /// Deliver every batch Lambda skipped, from the objects it wrote to the on-failure bucket (each holds the whole
    /// batch, so the stream need not hold it any more); tag each object once delivered, so a rerun skips it.
    Skipped {
        /// The on-failure bucket (the template's StreamFailureBucket).
        #[arg(long)]
        bucket: String,
        /// Retries of a batch that keeps failing before its object is left for later.
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
    let mut cli = Cli::parse();
    let mut config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => return fail(&error, "configuration error"),
    };
    let (dry_run, why) = redrive::dry_run(cli.dry_run, config.dry_run);
    if let Some(why) = why {
        eprintln!("{why}");
    }
    cli.dry_run = dry_run;
    // A dry run is the function's DRY_RUN: the handler sends nothing anywhere and logs what it would send.
    config.dry_run = dry_run;
    init_logging(&config);
    let sdk = sdk_config().await;
    let redriver = match &cli.command {
        Command::Skipped { .. } => Redriver::for_skipped(&config, &sdk).await,
        Command::Poison { .. } => Redriver::for_poison(&config, &sdk).await,
    };
    let redriver = match redriver {
        Ok(redriver) => redriver,
        Err(error) => return fail(&error, "configuration error"),
    };
    let timeout = Duration::from_secs(cli.timeout);
    let result = match &cli.command {
        Command::Skipped { bucket, max_retries } => {
            let s3 = aws_sdk_s3::Client::new(&sdk);
            let mapping = Mapping { batch_size: 100, max_retries: *max_retries, timeout };
            redrive_skipped(&Bucket { s3: &s3, name: bucket }, &redriver, mapping).await
        }
        Command::Poison { queue_url } => {
            let sqs = aws_sdk_sqs::Client::new(&sdk);
            redrive_poison(&Queue { sqs: &sqs, url: queue_url }, &redriver, timeout).await
        }
    };
    match result {
        Ok(lines) => print_summary(&lines, cli.dry_run),
        Err(error) => fail(&error, "score-fanout-redrive"),
    }
}

/// Prints `error` with its whole chain of causes.
fn fail(error: &dyn std::error::Error, what: &str) -> ExitCode {
    eprintln!("{what}: {}", with_causes(error));
    ExitCode::from(2)
}

fn print_summary(lines: &[Line], dry_run: bool) -> ExitCode {
    if lines.is_empty() {
        println!("nothing to redrive: nothing is waiting");
        return ExitCode::SUCCESS;
    }
    let width = lines.iter().map(|line| line.subject.len()).max().unwrap_or(0).max(7);
    println!("{:<width$}  {:>7}  {:>6}  result", "item", "records", "events");
    let (mut done, mut earlier, mut kept, mut records, mut events) = (0, 0, 0, 0, 0);
    for line in lines {
        let (count, published, result) = match &line.outcome {
            Outcome::Redriven { records, events } => (*records, *events, "delivered".to_owned()),
            Outcome::WouldRedrive { records, events } => (*records, *events, "would be delivered (dry run)".to_owned()),
            Outcome::AlreadyRedriven(note) => (0, 0, note.clone()),
            Outcome::Kept(reason) => (0, 0, format!("kept: {reason}")),
        };
        match line.outcome {
            Outcome::Kept(_) => kept += 1,
            Outcome::AlreadyRedriven(_) => earlier += 1,
            _ => done += 1,
        }
        records += count;
        events += published;
        println!("{:<width$}  {count:>7}  {published:>6}  {result}", line.subject);
    }
    let verb = if dry_run { "would be redriven" } else { "redriven" };
    println!(
        "total: {} item(s): {done} {verb} ({records} records, {events} events), {earlier} redriven before, {kept} kept",
        lines.len()
    );
    if kept > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

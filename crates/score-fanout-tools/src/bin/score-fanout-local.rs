//! Local stream driver: runs the function's handler over a table's stream or over event files, the way Lambda's
//! event source mapping does; also provisions the offline stack and runs the demo. The function's configuration
//! comes from the same environment variables as in Lambda (see the README).

use clap::{Args, Parser, Subcommand, ValueEnum};
use score_fanout::{init_logging, init_logging_with, live_handler, with_causes, Config};
use score_fanout_tools::inbox::drain;
use score_fanout_tools::mapping::{feed, read_event_file, Mapping, Report};
use score_fanout_tools::on_failure::OnFailureBucket;
use score_fanout_tools::operator_sdk::operator_sdk_config;
use score_fanout_tools::stream::{drive, Source, StartingPosition};
use score_fanout_tools::{demo, provision::provision};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "Run score-fanout locally, the way Lambda's event source mapping does")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a table's stream (GetRecords) and run the handler on every batch.
    Stream {
        /// The stream's ARN; or give --table.
        #[arg(long, conflicts_with = "table", required_unless_present = "table")]
        stream_arn: Option<String>,
        /// The table whose latest stream to read.
        #[arg(long)]
        table: Option<String>,
        /// Where to start in each shard.
        #[arg(long, value_enum, default_value = "trim-horizon")]
        from: From,
        /// Keep polling for new records instead of stopping when the stream is drained.
        #[arg(long)]
        follow: bool,
        /// S3 bucket to keep skipped batches in, as the mapping's on-failure destination does.
        #[arg(long)]
        on_failure_bucket: Option<String>,
        #[command(flatten)]
        mapping: MappingArgs,
    },
    /// Run the handler on Lambda event files (such as events/*.json).
    Files {
        #[arg(required = true)]
        files: Vec<String>,
        #[command(flatten)]
        mapping: MappingArgs,
    },
    /// Create the offline stack (table, stream, bus, topic, queues, the function stored without running) and print the
    /// function's environment, name and stack.
    Provision,
    /// The classic demo end to end on the local AWS-API server at AWS_ENDPOINT_URL.
    Demo {
        /// Publish to this Custom Event Bus (EventBridge's ordered bus) instead of the classic bus: its ARN, as the
        /// test kit's stand-in prints it (`make demo BUS=custom`).
        #[arg(long)]
        ordered_bus_arn: Option<String>,
    },
    /// Print (and delete) every message now in a subscriber queue, one line per event.
    Receive {
        #[arg(long)]
        queue_url: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum From {
    TrimHorizon,
    Latest,
}

#[derive(Args)]
struct MappingArgs {
    /// Records per invocation (the event source mapping's BatchSize).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=10000))]
    batch_size: u16,
    /// Retries of a batch that keeps failing before its rest is skipped (MaximumRetryAttempts).
    #[arg(long, default_value_t = 3)]
    max_retries: u32,
    /// Seconds each invocation may take (the function's timeout).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=900))]
    timeout: u64,
}

impl MappingArgs {
    fn mapping(&self) -> Mapping {
        Mapping {
            batch_size: usize::from(self.batch_size),
            max_retries: self.max_retries,
            timeout: Duration::from_secs(self.timeout),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(report) => summarize(&report),
        Err(error) => {
            // With its causes: an SDK error alone says only "dispatch failure" for a refused connection.
            eprintln!("score-fanout-local: {}", with_causes(error.as_ref()));
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> Result<Report, Box<dyn std::error::Error>> {
    let sdk = operator_sdk_config().await;
    match command {
        Command::Provision => {
            let stack = provision(&sdk, "", score_fanout::DEFAULT_EVENT_SOURCE).await?;
            let config = demo::config_for(&stack, false);
            println!("EVENT_BUS_NAME={}", stack.bus);
            println!("TOPIC_ARN={}", stack.topic_arn);
            println!("DEAD_LETTER_QUEUE_URL={}", stack.queues.poison);
            println!("# on-failure bucket {} (score-fanout-local stream --on-failure-bucket)", stack.failure_bucket);
            println!("# table {} stream {}; source {}", stack.table, stack.stream_arn, config.event_source);
            println!(
                "# function {} in stack {} (score-fanout-redrive --function-name / --stack-name)",
                stack.function_name, stack.stack_name
            );
            Ok(Report::default())
        }
        Command::Receive { queue_url } => {
            let received = drain(&aws_sdk_sqs::Client::new(&sdk), &queue_url).await?;
            println!("{queue_url}: {} message(s)", received.len());
            for message in &received {
                println!("  {}", demo::describe(message));
            }
            Ok(Report::default())
        }
        Command::Demo { ordered_bus_arn } => {
            init_logging_with(None, false);
            demo::run(&sdk, ordered_bus_arn.as_deref()).await?;
            Ok(Report::default())
        }
        Command::Files { files, mapping } => {
            let config = Config::from_env()?;
            init_logging(&config);
            let handler = live_handler(&config, &sdk)?;
            handler.check_destinations(sdk.region().map(|region| region.as_ref())).await?;
            let mut report = Report::default();
            for path in files {
                report.extend(feed(&handler, read_event_file(&path)?, mapping.mapping()).await);
            }
            Ok(report)
        }
        Command::Stream { stream_arn, table, from, follow, on_failure_bucket, mapping } => {
            let config = Config::from_env()?;
            init_logging(&config);
            let handler = live_handler(&config, &sdk)?;
            handler.check_destinations(sdk.region().map(|region| region.as_ref())).await?;
            let stream_arn = match (stream_arn, table) {
                (Some(arn), _) => arn,
                (None, table) => latest_stream_arn(&sdk, &table.unwrap_or_default()).await?,
            };
            let start = match from {
                From::TrimHorizon => StartingPosition::TrimHorizon,
                From::Latest => StartingPosition::Latest,
            };
            let client = aws_sdk_dynamodbstreams::Client::new(&sdk);
            let on_failure =
                on_failure_bucket.map(|bucket| OnFailureBucket::new(aws_sdk_s3::Client::new(&sdk), bucket));
            let source = Source {
                streams: &client,
                stream_arn: &stream_arn,
                mapping: mapping.mapping(),
                start,
                follow,
                on_failure: on_failure.as_ref(),
            };
            Ok(drive(&source, &handler).await?)
        }
    }
}

async fn latest_stream_arn(sdk: &aws_config::SdkConfig, table: &str) -> Result<String, Box<dyn std::error::Error>> {
    let described = aws_sdk_dynamodb::Client::new(sdk).describe_table().table_name(table).send().await?;
    let arn = described.table.and_then(|t| t.latest_stream_arn);
    arn.ok_or_else(|| format!("table {table} has no stream").into())
}

fn summarize(report: &Report) -> ExitCode {
    for attempt in &report.attempts {
        let failures =
            attempt.checkpoint.as_ref().map_or_else(String::new, |s| format!("{{\"itemIdentifier\":\"{s}\"}}"));
        eprintln!("invocation: {} record(s) -> {{\"batchItemFailures\":[{failures}]}}", attempt.records);
    }
    let skipped: usize = report.skipped.iter().map(|range| range.records).sum();
    for range in &report.skipped {
        eprintln!(
            "retries exhausted: {} record(s) skipped, {} to {}",
            range.records,
            range.first_sequence_number.as_deref().unwrap_or("?"),
            range.last_sequence_number.as_deref().unwrap_or("?")
        );
    }
    if skipped > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

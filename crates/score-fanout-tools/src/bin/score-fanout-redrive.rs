//! Operations tool: replays the batches Lambda skipped (kept whole in `StreamFailureBucket`) and the poison the
//! function parked (in `PoisonRecordQueue`) through the function's own handler, configured as the deployed function
//! is: its environment read from Lambda (`--function-name`, or `--stack-name` through the stack's outputs), never from
//! this shell's. See docs/operations.md.

use clap::{Args, Parser, Subcommand};
use score_fanout::{init_logging_with, with_causes};
use score_fanout_tools::mapping::Mapping;
use score_fanout_tools::operator_sdk::operator_sdk_config;
use score_fanout_tools::redrive::{self, deployed, redrive_poison, redrive_skipped, Bucket, Queue, Redriver, Sink};
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

/// Whose configuration the redrive takes: the deployed function's.
#[derive(Args)]
#[group(required = true, multiple = false)]
struct Function {
    /// The function (name or ARN): its environment gives the sinks, EVENT_SOURCE and the dead-letter queue.
    #[arg(long)]
    function_name: Option<String>,
    /// The stack: its output ScoreFanoutFunctionName names the function, StreamFailureBucketName the bucket.
    #[arg(long)]
    stack_name: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Deliver every batch Lambda skipped, from the objects it wrote to the on-failure bucket (each holds the whole
    /// batch, so the stream need not hold it any more), in stream order; tag each object with the sinks that got it,
    /// so a rerun sends it to the others only.
    Skipped {
        #[command(flatten)]
        function: Function,
        /// The on-failure bucket, when the function has no event source mapping that names it (offline).
        #[arg(long)]
        bucket: Option<String>,
        /// Deliver to this sink only (EVENT_BUS_NAME or TOPIC_ARN; repeatable): the object's tag records it, and a
        /// later run delivers to the others.
        #[arg(long, value_parser = parse_sink)]
        only: Vec<Sink>,
        /// Retries of a batch that keeps failing before its object is left for later.
        #[arg(long, default_value_t = 3)]
        max_retries: u32,
    },
    /// Re-drive parked records after a fix, each to the sinks that refused it: what now delivers is removed, the rest
    /// stays.
    Poison {
        #[command(flatten)]
        function: Function,
        /// Seconds a received message stays hidden between two renewals while the run holds it.
        #[arg(long, default_value_t = redrive::DEFAULT_VISIBILITY.as_secs(), value_parser = clap::value_parser!(u64).range(1..=43200))]
        visibility_timeout: u64,
    },
}

fn parse_sink(variable: &str) -> Result<Sink, String> {
    Sink::of_variable(variable)
        .ok_or_else(|| format!("{variable:?} is no sink's variable: EVENT_BUS_NAME or TOPIC_ARN"))
}

impl Function {
    fn target(&self) -> deployed::Target {
        match (&self.function_name, &self.stack_name) {
            (Some(name), _) => deployed::Target::Function(name.clone()),
            (None, stack) => deployed::Target::Stack(stack.clone().unwrap_or_default()),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("score-fanout-redrive: {}", with_causes(error.as_ref()));
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> Result<u8, Box<dyn std::error::Error>> {
    let sdk = operator_sdk_config().await;
    let function = match &cli.command {
        Command::Skipped { function, .. } | Command::Poison { function, .. } => function,
    };
    let deployed = deployed::find(&sdk, &function.target()).await?;
    let mut config = deployed.config()?;
    let (dry_run, why) = redrive::dry_run(cli.dry_run, config.dry_run || shell_dry_run());
    init_logging_with(None, false);
    eprintln!("{}: {}", deployed.function_name, describe(&config));
    for note in why.into_iter().map(str::to_owned).chain(deployed.notes.iter().cloned()) {
        eprintln!("{note}");
    }
    // A dry run is the function's DRY_RUN: the handler sends nothing anywhere and logs what it would send.
    config.dry_run = dry_run;
    let timeout = Duration::from_secs(cli.timeout);
    let summary = match cli.command {
        Command::Skipped { bucket, only, max_retries, .. } => {
            let redriver = Redriver::for_skipped(&config, &sdk).await?.only(&only)?;
            let name = deployed.bucket(bucket.as_deref())?;
            let mapping = Mapping { batch_size: 100, max_retries, timeout };
            skipped(&sdk, &deployed, &name, &redriver, mapping).await
        }
        Command::Poison { visibility_timeout, .. } => {
            let redriver = Redriver::for_poison(&config, &sdk).await?;
            let url = config.dead_letter_queue_url.clone().ok_or("the function has no DEAD_LETTER_QUEUE_URL")?;
            let sqs = aws_sdk_sqs::Client::new(&sdk);
            let queue = Queue { sqs: &sqs, url: &url, visibility: Duration::from_secs(visibility_timeout) };
            redrive_poison(&queue, &redriver, timeout).await
        }
    };
    let (text, code) = redrive::render(&summary, dry_run);
    print!("{text}");
    Ok(code)
}

/// The skipped batches in `bucket` of the function's mapping and stream (any, when it has no mapping).
async fn skipped(
    sdk: &aws_config::SdkConfig,
    deployed: &deployed::Deployed,
    bucket: &str,
    redriver: &Redriver,
    mapping: Mapping,
) -> redrive::Summary {
    let s3 = aws_sdk_s3::Client::new(sdk);
    let of = deployed.mapping.as_ref();
    let mapping_uuid = of.map(|m| m.uuid.as_str());
    let bucket = Bucket { s3: &s3, name: bucket, mapping_uuid, stream_arn: of.map(|m| m.stream_arn.as_str()) };
    redrive_skipped(&bucket, redriver, mapping).await
}

/// Whether this shell sets `DRY_RUN=true`, read as the function reads it: the one variable of this shell a redrive
/// honours, so that one left set from local runs never lets it tag or delete what it never sent.
fn shell_dry_run() -> bool {
    // Without a sink, the configuration reads only when DRY_RUN is true.
    let dry_run_only = |name: &str| if name == "DRY_RUN" { std::env::var(name).ok() } else { None };
    score_fanout::Config::from_lookup(dry_run_only).is_ok_and(|config| config.dry_run)
}

/// The configuration a run uses, in one line: what the operator checks first.
fn describe(config: &score_fanout::Config) -> String {
    let sinks = redrive::Sinks::of(config);
    let values: Vec<String> =
        sinks.iter().map(|sink| format!("{sink}={}", sink.value(config).unwrap_or_default())).collect();
    let queue = config.dead_letter_queue_url.as_deref().unwrap_or("(none)");
    format!("{} EVENT_SOURCE={} DEAD_LETTER_QUEUE_URL={queue}", values.join(" "), config.event_source)
}

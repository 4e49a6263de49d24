//! Local stream driver: runs event files through the handler the way Lambda's event source mapping does.
//! Configuration comes from the same environment variables as the function (see the README).

use score_fanout::local::{feed, Mapping};
use score_fanout::{aws, logging, Config, StreamEvent};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: score-fanout-local [--batch-size N] [--max-retries N] [--timeout SECONDS] EVENT_FILE...";

struct Args {
    mapping: Mapping,
    files: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut mapping = Mapping { batch_size: 100, max_retries: 3, timeout: Duration::from_secs(60) };
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            value.parse().map_err(|_| format!("{flag} {value:?}: expected a whole number"))
        };
        match arg.as_str() {
            "--batch-size" => mapping.batch_size = number("--batch-size")?.clamp(1, 10_000) as usize,
            "--max-retries" => mapping.max_retries = number("--max-retries")?.min(10_000) as u32,
            "--timeout" => mapping.timeout = Duration::from_secs(number("--timeout")?.clamp(1, 900)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}\n{USAGE}")),
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(Args { mapping, files })
}

fn read_event(path: &str) -> Result<StreamEvent, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("{path}: {error}"))?;
    serde_json::from_str(&text).map_err(|error| format!("{path}: not a Lambda event: {error}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    logging::init(&config);
    let handler = aws::handler(&config, &aws::sdk_config().await);
    let mut skipped = 0;
    for path in &args.files {
        let event = match read_event(path) {
            Ok(event) => event,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::from(2);
            }
        };
        let report = feed(&handler, event.records, args.mapping).await;
        for invocation in &report.invocations {
            let failures =
                invocation.checkpoint.as_ref().map_or_else(String::new, |s| format!("{{\"itemIdentifier\":\"{s}\"}}"));
            println!(
                "{path}: records {}..{} -> {{\"batchItemFailures\":[{failures}]}}",
                invocation.first + 1,
                invocation.first + invocation.records
            );
        }
        for range in &report.skipped {
            eprintln!(
                "{path}: retries exhausted, {} records skipped: {:?} to {:?}",
                range.records, range.first_sequence_number, range.last_sequence_number
            );
            skipped += range.records;
        }
    }
    if skipped > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

//! `score-fanout-runtime-api [--timeout SECONDS] [--log-level LEVEL] [--log-format JSON|Text] EVENT_FILE... --
//! COMMAND [ARGS...]`: runs a Lambda function process through the Runtime API emulator, one invocation per event
//! file, and prints what `sam local invoke` prints: the function's log lines and each answer (`response: ...`,
//! `error: ...`, `init error: ...`). The function gets the log format and level as Lambda gives them (JSON and
//! INFO by default, as the template deploys it), and a line Lambda's log-level filter would drop is marked so.
//! Exits 1 unless every event was answered with a response.

use score_fanout_testkit::runtime_api::function::{Entry, Function};
use score_fanout_testkit::runtime_api::log_filter::Level;
use score_fanout_testkit::runtime_api::Options;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: score-fanout-runtime-api [--timeout SECONDS] [--log-level LEVEL] [--log-format JSON|Text] \
                     EVENT_FILE... -- COMMAND [ARGS...]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("score-fanout-runtime-api: {error}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(mut args: Vec<String>) -> Result<ExitCode, String> {
    let split = args.iter().position(|a| a == "--").ok_or("no -- before the command")?;
    let command = args.split_off(split + 1);
    args.pop();
    let (options, files) = parse(args)?;
    let events = files.iter().map(|path| std::fs::read(path).map_err(|e| format!("{path}: {e}")));
    let events = events.collect::<Result<Vec<_>, _>>()?;
    let logging = options.logging;
    let transcript = Function { command, env: Vec::new(), options }.run(&events).map_err(|e| e.to_string())?;
    for entry in &transcript.entries {
        match entry {
            Entry::Log { line, forwarded: true, .. } => println!("{line}"),
            Entry::Log { line, forwarded: false, .. } => {
                println!("[dropped by Lambda's log-level filter at {}] {line}", logging.level.name())
            }
            Entry::Answer { error: false, body, .. } => println!("response: {body}"),
            Entry::Answer { error: true, body, .. } => println!("error: {body}"),
            Entry::InitError { body, .. } => println!("init error: {body}"),
            Entry::Stopped(why) => println!("stopped: {why}"),
        }
    }
    let dropped = transcript.dropped().count();
    if dropped > 0 {
        println!("{dropped} line(s) would not reach CloudWatch Logs at AWS_LAMBDA_LOG_LEVEL={}", logging.level.name());
    }
    Ok(if transcript.all_answered(events.len()) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The options before the event files, and the files.
fn parse(args: Vec<String>) -> Result<(Options, Vec<String>), String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} takes a value"));
        match arg.as_str() {
            "--timeout" => {
                let seconds = value()?.parse::<f64>().map_err(|e| format!("--timeout: {e}"))?;
                options.timeout = Duration::from_secs_f64(seconds);
            }
            "--log-level" => {
                let level = value()?;
                options.logging.level =
                    Level::parse(&level).ok_or(format!("--log-level {level}: not a Lambda level"))?;
            }
            "--log-format" => options.logging.json = value()?.eq_ignore_ascii_case("json"),
            _ => files.push(arg),
        }
    }
    Ok((options, files))
}

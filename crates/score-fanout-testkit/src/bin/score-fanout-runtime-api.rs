//! `score-fanout-runtime-api [--timeout SECONDS] EVENT_FILE... -- COMMAND [ARGS...]`: runs a Lambda function
//! process through the Runtime API emulator, one invocation per event file, and prints what `sam local invoke`
//! prints: the function's log lines and each answer (`response: ...`, `error: ...`). Exits 1 unless every event
//! was answered with a response.

use score_fanout_testkit::runtime_api::function::{Entry, Function};
use score_fanout_testkit::runtime_api::Options;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("score-fanout-runtime-api: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(mut args: Vec<String>) -> Result<ExitCode, String> {
    let mut options = Options::default();
    if args.first().is_some_and(|a| a == "--timeout") {
        let seconds = args.get(1).and_then(|s| s.parse::<f64>().ok()).ok_or("--timeout takes seconds")?;
        options.timeout = Duration::from_secs_f64(seconds);
        args.drain(..2);
    }
    let split = args.iter().position(|a| a == "--").ok_or("usage: [--timeout S] EVENT_FILE... -- COMMAND...")?;
    let command = args.split_off(split + 1);
    args.pop();
    let events = args
        .iter()
        .map(|path| std::fs::read(path).map_err(|e| format!("{path}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let function = Function { command, env: Vec::new(), options };
    let transcript = function.run(&events).map_err(|e| e.to_string())?;
    for entry in &transcript.entries {
        match entry {
            Entry::Log { line, .. } => println!("{line}"),
            Entry::Answer { error: false, body, .. } => println!("response: {body}"),
            Entry::Answer { error: true, body, .. } => println!("error: {body}"),
            Entry::InitError { body, .. } => println!("init error: {body}"),
            Entry::Stopped(why) => println!("stopped: {why}"),
        }
    }
    Ok(if transcript.all_answered(events.len()) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

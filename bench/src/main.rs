//! `make bench`: the release function and two Python baselines under the same Lambda Runtime API driver, against
//! the same loopback stub sink and the same events, runs interleaved, one table of ratios.
//!
//! ```text
//! score-fanout-bench gen DIR                 write the event files (1, 100, 1,000, 10,000 records) into DIR
//! score-fanout-bench stub                    the stub sink alone (prints its port; ends when stdin closes)
//! score-fanout-bench run [--ours BIN] [--python PYTHON] [--events DIR] [--rounds N]
//! ```

mod gen;
mod procfs;
mod report;
mod session;
mod stub;

use session::Function;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Process lives per function and round for the 1-record event, where cold starts are measured.
const COLD_STARTS_PER_ROUND: usize = 5;

/// Records per event file, and warm invocations per process life at that size.
const SIZES: [(usize, usize); 4] = [(1, 20), (100, 10), (1_000, 5), (10_000, 2)];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("stub") => stub::main(),
        Some("gen") => write_events(Path::new(args.get(1).map_or("bench/events", String::as_str))).map(drop),
        Some("run") => run(&args[1..]),
        _ => Err(io::Error::other(
            "usage: score-fanout-bench gen DIR | stub | run [--ours BIN] [--python PY] [--events DIR] [--rounds N]",
        )),
    };
    if let Err(error) = result {
        eprintln!("score-fanout-bench: {error}");
        std::process::exit(1);
    }
}

/// Writes `events-N.json` for every size into `dir`; returns (records, events to publish, path) per size.
fn write_events(dir: &Path) -> io::Result<Vec<(usize, usize, PathBuf)>> {
    std::fs::create_dir_all(dir)?;
    SIZES
        .iter()
        .map(|&(records, _)| {
            let generated = gen::stream_event(records);
            let path = dir.join(format!("events-{records}.json"));
            std::fs::write(&path, &generated.json)?;
            Ok((records, generated.events, path))
        })
        .collect()
}

struct Options {
    ours: String,
    python: String,
    events: PathBuf,
    rounds: usize,
    /// For profiling: only the functions whose name contains this, only these sizes, this many warm invokes,
    /// and score-fanout started under this command (`perf record -g --`).
    only: Option<String>,
    sizes: Option<Vec<usize>>,
    warm: Option<usize>,
    wrap: Vec<String>,
    /// Extra environment for score-fanout (`--env KEY=VALUE`, repeatable).
    env: Vec<(String, String)>,
}

fn options(args: &[String]) -> io::Result<Options> {
    let mut options = Options {
        ours: "target/release/score-fanout".into(),
        python: ".venv/bin/python".into(),
        events: "bench/events".into(),
        rounds: 3,
        only: None,
        sizes: None,
        warm: None,
        wrap: Vec::new(),
        env: Vec::new(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| io::Error::other(format!("{flag} needs a value")))?.clone();
        match flag.as_str() {
            "--ours" => options.ours = value,
            "--python" => options.python = value,
            "--events" => options.events = value.into(),
            "--rounds" => options.rounds = value.parse().map_err(|_| io::Error::other("--rounds: a number"))?,
            "--only" => options.only = Some(value),
            "--sizes" => options.sizes = Some(value.split(',').filter_map(|n| n.parse().ok()).collect()),
            "--warm" => options.warm = value.parse().ok(),
            "--env" => {
                let (key, value) = value.split_once('=').ok_or_else(|| io::Error::other("--env KEY=VALUE"))?;
                options.env.push((key.to_owned(), value.to_owned()));
            }
            "--wrap" => options.wrap = value.split_whitespace().map(str::to_owned).collect(),
            other => return Err(io::Error::other(format!("unknown option {other}"))),
        }
    }
    Ok(options)
}

/// The three functions, configured as the template configures ours: both sinks and a dead-letter queue.
fn functions(options: &Options, endpoint: &str) -> Vec<Function> {
    let common = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut env = vec![
            ("AWS_ENDPOINT_URL", endpoint),
            ("EVENT_BUS_NAME", "score-events"),
            ("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:score-events"),
        ];
        env.extend_from_slice(extra);
        env.into_iter().map(|(key, value)| (key.to_owned(), value.to_owned())).collect()
    };
    let queue = format!("{endpoint}/123456789012/score-fanout-poison");
    let python = |handler: &str| vec![options.python.clone(), "bench/python/runtime_loop.py".into(), handler.into()];
    vec![
        Function {
            name: "score-fanout",
            command: options.wrap.iter().cloned().chain([options.ours.clone()]).collect(),
            env: common(&[
                ("DEAD_LETTER_QUEUE_URL", &queue),
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ])
            .into_iter()
            .filter(|(key, _)| !options.env.iter().any(|(k, _)| k == key))
            .chain(options.env.iter().cloned())
            .collect(),
            wrapped: !options.wrap.is_empty(),
        },
        Function { name: "python print-only", command: python("print_only.handler"), env: common(&[]), wrapped: false },
        Function { name: "python boto3", command: python("publish_boto3.handler"), env: common(&[]), wrapped: false },
    ]
}

fn run(args: &[String]) -> io::Result<()> {
    let options = options(args)?;
    let machine = procfs::machine();
    let files = write_events(&options.events)?;
    let stub = stub::Stub::start()?;
    let mut functions = functions(&options, &stub.endpoint());
    functions.retain(|function| options.only.as_ref().is_none_or(|only| function.name.contains(only.as_str())));
    let files: Vec<_> =
        files.into_iter().filter(|(records, ..)| options.sizes.as_ref().is_none_or(|s| s.contains(records))).collect();
    let mut results = report::Results::new();
    let started = std::time::Instant::now();
    for round in 0..options.rounds {
        for (records, events, path) in &files {
            let event: Arc<[u8]> = std::fs::read(path)?.into();
            let warm = options.warm.unwrap_or(SIZES.iter().find(|(n, _)| n == records).map_or(1, |(_, w)| *w));
            // Each round starts with another function, so that none always runs first. A cold start is one
            // sample per process: the smallest event starts each function several times a round.
            let lives = if *records == 1 { COLD_STARTS_PER_ROUND } else { 1 };
            for life in 0..lives * functions.len() {
                let function = &functions[(round + life) % functions.len()];
                eprintln!("round {}/{}: {} records: {}", round + 1, options.rounds, records, function.name);
                let measured = session::run(function, &event, warm, &stub)?;
                results.add(function.name, *records, *events, measured);
            }
        }
    }
    let table = results.table(&machine, started.elapsed());
    println!("{table}");
    if results.failures().is_empty() {
        Ok(())
    } else {
        Err(io::Error::other(results.failures().join("\n")))
    }
}

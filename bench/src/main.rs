//! `make bench`: the release function and two Python baselines under the same Lambda Runtime API driver, against
//! the same loopback stub sink and the same events, runs interleaved, one table of ratios.
//!
//! ```text
//! score-fanout-bench gen DIR                 write the event files (1, 100, 1,000, 10,000 records) into DIR
//! score-fanout-bench stub                    the stub sink alone (prints its port; ends when stdin closes)
//! score-fanout-bench run [--ours BIN] [--python PYTHON] [--events DIR] [--rounds N]
//! score-fanout-bench lambda [the same] [--memory 128,256,...] [--latency-ms 20] [--jitter-ms 5]
//!                           [--max-in-flight 8] [--svg FILE]   each function under a MemorySize's CPU and memory
//! ```

mod cgroup;
mod files;
mod gen;
mod lambda;
mod options;
mod procfs;
mod report;
mod session;
mod stub;

use std::io;
use std::path::Path;

/// Process lives per function and round for the 1-record event, where cold starts are measured.
const COLD_STARTS_PER_ROUND: usize = 5;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("stub") => stub::main(&args[1..]),
        Some("gen") => files::write_events(Path::new(args.get(1).map_or("bench/events", String::as_str))).map(drop),
        Some("run") => run(&args[1..]),
        Some("lambda") => options::parse(&args[1..]).and_then(|options| lambda::run(&options)),
        _ => Err(io::Error::other(
            "usage: score-fanout-bench gen DIR | stub | run|lambda [--ours BIN] [--python PY] [--events DIR] [--rounds N]",
        )),
    };
    if let Err(error) = result {
        eprintln!("score-fanout-bench: {error}");
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> io::Result<()> {
    let options = options::parse(args)?;
    let machine = procfs::machine();
    let files = files::write_events(&options.events)?;
    let stub = stub::Stub::start(stub::Latency::default())?;
    let mut functions = options::functions(&options, &stub.endpoint());
    functions.retain(|function| options.only.as_ref().is_none_or(|only| function.name.contains(only.as_str())));
    let files: Vec<_> =
        files.into_iter().filter(|(records, ..)| options.sizes.as_ref().is_none_or(|s| s.contains(records))).collect();
    let mut results = report::Results::new();
    let started = std::time::Instant::now();
    for round in 0..options.rounds {
        for (records, events, _) in &files {
            let warm = options.warm.unwrap_or(files::SIZES.iter().find(|(n, _)| n == records).map_or(1, |(_, w)| *w));
            let batches = files::batches(*records, warm + 1);
            // Each round starts with another function, so that none always runs first. A cold start is one
            // sample per process: the smallest event starts each function several times a round.
            let lives = if *records == 1 { COLD_STARTS_PER_ROUND } else { 1 };
            for life in 0..lives * functions.len() {
                let function = &functions[(round + life) % functions.len()];
                eprintln!("round {}/{}: {} records: {}", round + 1, options.rounds, records, function.name);
                let measured = session::run(function, &batches, &stub)?;
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

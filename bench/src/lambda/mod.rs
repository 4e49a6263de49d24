//! Lambda mode (`score-fanout-bench lambda`, `make bench`): each function under the CPU share and memory limit of a
//! MemorySize (cgroup v1), against the stub answering after an AWS-like latency; billed durations, billed init,
//! cost per million records, the floor set by the requests in flight, and a chart.

mod chart;
mod report;
mod targets;
#[cfg(test)]
mod tests;

use crate::cgroup::Cgroup;
use crate::options::{self, Options};
use crate::session::{self, Function};
use crate::stub::Stub;
use report::Results;
use std::io;
use std::sync::Arc;

/// Records per event and warm invocations per process life at that size.
const SIZES: [(usize, usize); 3] = [(100, 5), (1_000, 3), (10_000, 2)];
/// 10,000 records run for score-fanout alone, under the smallest MemorySize only: there they show its peak RSS under
/// the memory limit. The Python baselines run 100 and 1,000 records: at 10,000 they need 100-140 MiB (the table of
/// `run`), more than 128 MB holds, and at one request at a time they would wait over 35 s per invocation.
const OURS_ONLY_FROM: usize = 10_000;
/// The boto3 baseline under a CPU share this small (128 MB: 7% of a core) takes seconds per invocation and per
/// init: it runs in the first round only (the table says so in its rounds column).
const SLOW_BELOW_MB: u64 = 256;
const SLOW_ROUNDS: usize = 1;

pub fn run(options: &Options) -> io::Result<()> {
    let groups: Result<Vec<Arc<Cgroup>>, String> =
        options.memory.iter().map(|&mb| Cgroup::create(mb).map(Arc::new)).collect();
    let groups = match groups {
        Ok(groups) if !groups.is_empty() => groups,
        Ok(_) => return Err(io::Error::other("--memory: no MemorySize")),
        Err(reason) => {
            println!("\nLambda mode skipped: {reason}");
            return Ok(());
        }
    };
    let machine = crate::procfs::machine();
    let files = crate::files::write_events(&options.events)?;
    let stub = Stub::start(options.latency)?;
    let mut functions = options::functions(options, &stub.endpoint());
    functions.retain(|function| options.only.as_ref().is_none_or(|only| function.name.contains(only.as_str())));
    let sizes = options.sizes.clone().unwrap_or_else(|| SIZES.iter().map(|(records, _)| *records).collect());
    let mut results = Results::new(options.latency, options.max_in_flight);
    let started = std::time::Instant::now();
    for round in 0..options.rounds {
        for group in &groups {
            for (records, events, _) in files.iter().filter(|(records, ..)| sizes.contains(records)) {
                let warm = options.warm.unwrap_or(SIZES.iter().find(|(n, _)| n == records).map_or(1, |(_, w)| *w));
                let batches = crate::files::batches(*records, warm + 1);
                // Each round and each size starts with another function, so that none always runs first.
                for k in 0..functions.len() {
                    let function = &functions[(round + k) % functions.len()];
                    if !planned(function.name, group.memory_mb, *records, round, groups[0].memory_mb) {
                        continue;
                    }
                    eprintln!(
                        "lambda round {}/{}: {} MB: {records} records: {}",
                        round + 1,
                        options.rounds,
                        group.memory_mb,
                        function.name
                    );
                    let confined = confine(function, group);
                    let measured = session::run(&confined, &batches, &stub)?;
                    results.add(function.name, group, *records, *events, measured);
                }
            }
        }
    }
    let mut text = results.table(&machine, options.rounds, started.elapsed());
    targets::write(&results, &mut text);
    println!("{text}");
    if let Some(svg) = &options.svg {
        std::fs::write(svg, chart::svg(&results))?;
        println!("chart: {}", svg.display());
    }
    match results.failures() {
        failures if failures.is_empty() => Ok(()),
        failures => Err(io::Error::other(failures.join("\n"))),
    }
}

/// Whether `name` runs `records` under `memory_mb` in `round` (see the constants above).
fn planned(name: &str, memory_mb: u64, records: usize, round: usize, smallest_mb: u64) -> bool {
    if records >= OURS_ONLY_FROM {
        return !name.starts_with("python") && memory_mb == smallest_mb;
    }
    !(name == "python boto3" && memory_mb < SLOW_BELOW_MB && round >= SLOW_ROUNDS)
}

/// `function` as Lambda would run it at `group`'s MemorySize: confined to it, and told its size.
fn confine(function: &Function, group: &Arc<Cgroup>) -> Function {
    let mut confined = function.clone();
    confined.env.retain(|(key, _)| key != "AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    confined.env.push(("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), group.memory_mb.to_string()));
    confined.cgroup = Some(Arc::clone(group));
    confined
}

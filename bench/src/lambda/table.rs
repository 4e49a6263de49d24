//! Lambda mode's table: per MemorySize and function, billed init (the destination checks' round trip apart), the
//! first and the later warm invocations' billed durations and what they cost per million records.

use super::report::{cost_per_million, dollars, Results, Warm, FUNCTIONS, GB_SECOND_USD, PRICES_DATE};
use crate::cgroup::cpu_percent;
use crate::options::HELLO;
use std::fmt::Write;
use std::time::Duration;

/// The heading: where, against what, how long.
pub fn heading(results: &Results, machine: &str, rounds: usize, took: Duration) -> String {
    let latency = &results.latency;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "\nLambda mode: {machine}; each process in cgroups of its own; sinks answer after a log-normal latency, median \
         {:.0} ms, mean {:.1} ms, p99 {:.0} ms ({}x the median); score-fanout with MAX_REQUESTS_IN_FLIGHT={}; \
         {rounds} rounds, interleaved; {:.0} s in all\n\
         Billed: wall time rounded up to the ms, median; first warm: the first invocation after the cold one, later \
         warm: every one after it. Init: process start to the first `next`, the destination checks' round trip \
         (first arrival at the stub to its last answer) apart. Cost: Lambda arm64, us-east-1, ${GB_SECOND_USD} per \
         GB-second and $0.20 per million requests (prices of {PRICES_DATE}), later warm invocations.\n",
        ms(latency.median),
        ms(latency.mean()),
        ms(latency.p99()),
        latency.p99_ratio,
        results.max_in_flight,
        took.as_secs_f64()
    )
}

pub fn write(results: &Results, out: &mut String) {
    let _ = writeln!(
        out,
        "| MemorySize (CPU) | function | billed init (ms) | of it, the checks (ms) | 100 records: first warm / \
         later warm (ms) | 1,000 records: first warm / later warm (ms) | $ per million records, batches of 100 | \
         of 1,000 | process lives (100 + 1,000) |"
    );
    let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for memory_mb in results.memory_sizes() {
        for name in FUNCTIONS {
            let Some((init, checks)) = results.billed_init(name, memory_mb) else { continue };
            let cost =
                |records| cell(results, name, memory_mb, records, |v| dollars(cost_per_million(v, memory_mb, records)));
            let lives = |records| results.lives(name, memory_mb, records).len();
            // The hello-world function is there for its init: its invocations do nothing worth billing.
            let hello = name == HELLO;
            let (hundred, thousand) = if hello {
                ("-".to_owned(), "-".to_owned())
            } else {
                (warm_pair(results, name, memory_mb, 100), warm_pair(results, name, memory_mb, 1_000))
            };
            let cost = |records| if hello { "-".to_owned() } else { cost(records) };
            let checks = if checks > 0.0 { format!("{checks:.0}") } else { "-".into() };
            let _ = writeln!(
                out,
                "| {memory_mb} MB ({:.1}%) | {name} | {init:.0} | {checks} | {hundred} | {thousand} | {} | {} | {} + {} |",
                cpu_percent(memory_mb),
                cost(100),
                cost(1_000),
                lives(100),
                lives(1_000)
            );
        }
    }
}

/// "first / later" billed ms of `records`-record batches.
fn warm_pair(results: &Results, name: &str, memory_mb: u64, records: usize) -> String {
    let lives = results.lives(name, memory_mb, records);
    if lives.is_empty() {
        return "-".into();
    }
    let show = |warm| results.billed_warm(name, memory_mb, records, warm).map_or("-".into(), |v| format!("{v:.0}"));
    let killed = lives.iter().filter(|life| life.oom_killed).count();
    let over = lives.iter().any(|life| life.peak_rss > memory_mb << 20);
    let mut cell = format!("{} / {}", show(Warm::First), show(Warm::Later));
    if killed > 0 {
        let _ = write!(cell, " ({killed} of {} out of memory)", lives.len());
    }
    if over {
        cell.push_str(" (peak RSS over MemorySize)");
    }
    cell
}

/// A figure of the later warm invocations, or why there is none. The kernel charges a group only for the pages it
/// brings in, not for files another process already had in the page cache (the interpreter, the libraries, our
/// binary), so a peak RSS above the MemorySize is marked too: on Lambda it would not fit.
fn cell(results: &Results, name: &str, memory_mb: u64, records: usize, figure: impl Fn(f64) -> String) -> String {
    let lives = results.lives(name, memory_mb, records);
    let killed = lives.iter().filter(|life| life.oom_killed).count();
    match results.billed(name, memory_mb, records) {
        _ if lives.is_empty() => "-".into(),
        None if killed > 0 => format!("out of memory ({killed} of {})", lives.len()),
        None => "-".into(),
        Some(billed) => figure(billed),
    }
}

//! `score-fanout-bench stages FOLDED`: where a profile's CPU goes by stage of an invocation, from perf's cpu-clock
//! samples folded into stacks (`inferno-collapse-perf --kernel`: a kernel frame marked `_[k]`, each stack's count
//! the nanoseconds its samples stand for), user and kernel apart, per invocation, per record and per request
//! (`make profile` prints it; docs/performance.md quotes it).
//!
//! A sample belongs to the first stage in [`STAGES`] any frame of its stack names: logging before decoding (a
//! record's log line is written while it is decoded), signing and answers before the HTTP that carries them. A
//! kernel sample goes to the stage whose code made the system call.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::io;

/// Each stage and the frame names (substrings) that put a sample in it, most specific first. A name is matched
/// against a frame without its generic arguments; one starting with `*` against the whole frame, where only a type
/// argument tells what a frame is for (the task of a sink's connection, of the Runtime API's).
const STAGES: [(&str, &[&str]); 12] = [
    ("logging (the demo's line per record, the batch line)", &["tracing", "logging::", "demo_lines", "stdout::"]),
    ("signing (SigV4, SHA-256 of each body)", &["sigv4", "sha2::", "hmac::", "wire::signed"]),
    ("response parsing (PutEvents JSON, PublishBatch XML)", &["read_answer", "aws_smithy_xml", "error_answer"]),
    ("event JSON (each event's document)", &["sqs_text::"]),
    ("entry building (request bodies, sizes)", &["to_entry", "request_body", "append_encoded", "Sink>::"]),
    (
        "decode (records read, parsed, classified)",
        &["score_fanout::decode", "serde_dynamo", "aws_lambda_events", "score_fanout::event::", "handler::batch"],
    ),
    (
        "HTTP and connections (the sinks' requests)",
        &["publish::wire", "*aws_smithy_http_client::client::connect::Conn"],
    ),
    ("retry engine and acceptance memory", &["publish::retry", "accepted::", "FanOut", "publish::combine"]),
    ("the handler's own (settling the batch, the answer)", &["score_fanout::handler", "Handler"]),
    ("Runtime API (event in, answer out)", &["lambda_runtime", "*lambda_runtime_api_client", "hyper"]),
    ("runtime (tokio: scheduling, timers, I/O readiness)", &["tokio::", "mio::"]),
    ("other (allocator outside a stage, process)", &[""]),
];

/// Whether `frame` (`bare`: without its generic arguments) has `name` ([`STAGES`]).
fn names(frame: &str, bare: &str, name: &str) -> bool {
    match name.strip_prefix('*') {
        Some(whole) => frame.contains(whole),
        None => bare.contains(name),
    }
}

/// What one invocation is made of, to give the figures per record and per request.
pub struct Shape {
    pub invocations: f64,
    pub records: f64,
    pub requests: f64,
}

/// A frame's name without generic arguments, which name every type the future holds (`poll<score_fanout::...>`),
/// so that a frame matches by what it is. A `<` that starts a path (`<A as B>::f`) stays.
fn bare(frame: &str) -> String {
    let mut bare = String::with_capacity(frame.len());
    let mut depth = 0;
    for c in frame.chars() {
        let opens_arguments = c == '<' && bare.ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == '}');
        match c {
            '<' if depth > 0 || opens_arguments => depth += 1,
            '>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c => bare.push(c),
        }
    }
    bare
}

/// CPU time per stage, user and kernel, in the folded file's unit (inferno sums perf's periods: nanoseconds).
fn tally(folded: &str) -> BTreeMap<usize, (u64, u64)> {
    let mut stages: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    for line in folded.lines() {
        let Some((stack, count)) = line.rsplit_once(' ') else { continue };
        let Ok(count) = count.parse::<u64>() else { continue };
        let frames: Vec<(&str, String)> = stack.split(';').map(|frame| (frame, bare(frame))).collect();
        let has = |name: &&str| frames.iter().any(|(frame, bare)| names(frame, bare, name));
        let stage = STAGES.iter().position(|(_, stage_names)| stage_names.iter().any(has));
        let kernel = frames.last().is_some_and(|(leaf, _)| leaf.ends_with("_[k]"));
        let entry = stages.entry(stage.unwrap_or(STAGES.len() - 1)).or_default();
        if kernel {
            entry.1 += count;
        } else {
            entry.0 += count;
        }
    }
    stages
}

/// The table of `folded` for invocations of `shape`.
pub fn table(folded: &str, shape: &Shape) -> String {
    let stages = tally(folded);
    let ms = |nanos: u64| nanos as f64 / 1e6 / shape.invocations;
    let us_per = |nanos: u64, n: f64| nanos as f64 / 1e3 / shape.invocations / n;
    let (user, kernel): (u64, u64) = stages.values().fold((0, 0), |(u, k), (su, sk)| (u + su, k + sk));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| stage | user (ms per invocation) | kernel (ms) | user + kernel per record (us) | per request (us) | share |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (index, (name, _)) in STAGES.iter().enumerate() {
        let (u, k) = stages.get(&index).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "| {name} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1}% |",
            ms(u),
            ms(k),
            us_per(u + k, shape.records),
            us_per(u + k, shape.requests),
            100.0 * (u + k) as f64 / (user + kernel).max(1) as f64
        );
    }
    let _ = writeln!(
        out,
        "| **all** | **{:.2}** | **{:.2}** | {:.2} | {:.1} | 100% |",
        ms(user),
        ms(kernel),
        us_per(user + kernel, shape.records),
        us_per(user + kernel, shape.requests)
    );
    out
}

/// `stages FOLDED --invocations N --records N --requests N`.
pub fn main(args: &[String]) -> io::Result<()> {
    let path = args.first().ok_or_else(|| io::Error::other("stages FOLDED [--invocations N] ..."))?;
    let mut shape = Shape { invocations: 1.0, records: 1_000.0, requests: 182.0 };
    for pair in args[1..].chunks(2) {
        let value: f64 = pair.get(1).and_then(|v| v.parse().ok()).ok_or_else(|| io::Error::other("a number"))?;
        match pair[0].as_str() {
            "--invocations" => shape.invocations = value,
            "--records" => shape.records = value,
            "--requests" => shape.requests = value,
            other => return Err(io::Error::other(format!("stages: unknown option {other}"))),
        }
    }
    print!("{}", table(&std::fs::read_to_string(path)?, &shape));
    Ok(())
}

#[cfg(test)]
#[path = "stages_tests.rs"]
mod tests;

//! Lambda mode's summary: score-fanout against the floor and the boto3 baseline at every MemorySize, and the
//! Lambda-mode targets under the 128 MB share (docs/performance.md).

use super::report::{Results, BOTO3, OURS};
use std::fmt::Write;

/// The MemorySize the targets are set at.
const TARGET_MB: u64 = 128;
/// The targets: per warm 100-record batch at most 1/10 of boto3's and 1.3x the floor; per 1,000 at most 1/15 of
/// boto3's; peak RSS at 10,000 records at most 32 MiB.
const BOTO3_DIVISOR_100: f64 = 10.0;
const FLOOR_FACTOR_100: f64 = 1.3;
const BOTO3_DIVISOR_1000: f64 = 15.0;
const PEAK_RSS_MIB: f64 = 32.0;

/// "1/12.3" when `ours` is smaller, "1.4x" when larger.
fn ratio(ours: f64, other: f64) -> String {
    if ours <= other {
        format!("1/{:.1}", other / ours)
    } else {
        format!("{:.1}x", ours / other)
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

pub fn write(results: &Results, out: &mut String) {
    let (floor_100, floor_1000) = (results.floor_ms(100), results.floor_ms(1_000));
    let show = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0}"));
    let _ = writeln!(
        out,
        "\nscore-fanout against the floor (ceil(requests per sink / {}) x the mean latency: {} ms at 100 records, {} \
         ms at 1,000) and against boto3:\n",
        results.max_in_flight(),
        show(floor_100),
        show(floor_1000)
    );
    let _ = writeln!(
        out,
        "| MemorySize | 100 records: ours / floor | ours vs boto3 | 1,000 records: ours / floor | ours vs boto3 | \
         most requests in flight per sink |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for memory_mb in results.memory_sizes() {
        let against = |records: usize, floor: Option<f64>| {
            let ours = results.billed(OURS, memory_mb, records);
            let of_floor = ours.zip(floor).map_or("-".into(), |(o, f)| format!("{:.2}x", o / f));
            let of_boto3 = ours.zip(results.billed(BOTO3, memory_mb, records)).map_or("-".into(), |(o, b)| ratio(o, b));
            format!("{of_floor} | {of_boto3}")
        };
        let _ = writeln!(
            out,
            "| {memory_mb} MB | {} | {} | {} |",
            against(100, floor_100),
            against(1_000, floor_1000),
            results.peak_in_flight(memory_mb)
        );
    }
    targets(results, out);
}

fn targets(results: &Results, out: &mut String) {
    let _ = writeln!(out, "\nTargets (issue 18), under the {TARGET_MB} MB share:");
    let billed = |name, records| results.billed(name, TARGET_MB, records);
    match (billed(OURS, 100), billed(BOTO3, 100), results.floor_ms(100)) {
        (Some(ours), Some(boto3), Some(floor)) => {
            let _ = writeln!(
                out,
                "- billed per warm 100-record batch <= 1/10 of boto3's: {ours:.0} / {boto3:.0} ms = {} ({})",
                ratio(ours, boto3),
                verdict(ours * BOTO3_DIVISOR_100 <= boto3)
            );
            let _ = writeln!(
                out,
                "- billed per warm 100-record batch <= 1.3x the floor: {ours:.0} / {floor:.0} ms = {:.2}x ({})",
                ours / floor,
                verdict(ours <= FLOOR_FACTOR_100 * floor)
            );
        }
        _ => {
            let _ = writeln!(out, "- 100-record batches: not measured at {TARGET_MB} MB for both functions");
        }
    }
    match (billed(OURS, 1_000), billed(BOTO3, 1_000)) {
        (Some(ours), Some(boto3)) => {
            let _ = writeln!(
                out,
                "- billed per warm 1,000-record batch <= 1/15 of boto3's: {ours:.0} / {boto3:.0} ms = {} ({})",
                ratio(ours, boto3),
                verdict(ours * BOTO3_DIVISOR_1000 <= boto3)
            );
        }
        _ => {
            let _ = writeln!(out, "- 1,000-record batches: not measured at {TARGET_MB} MB for both functions");
        }
    }
    match results.peak_rss_mib(TARGET_MB, 10_000) {
        Some((peak, killed)) => {
            let billed = billed(OURS, 10_000).map_or("-".into(), |v| format!("{v:.0}"));
            let _ = writeln!(
                out,
                "- peak RSS at 10,000 records <= {PEAK_RSS_MIB:.0} MiB: {peak:.1} MiB over the process's invocations \
                 under the {TARGET_MB} MB limit ({}); billed {billed} ms per warm 10,000-record batch",
                verdict(peak <= PEAK_RSS_MIB && !killed)
            );
        }
        None => {
            let _ = writeln!(out, "- peak RSS at 10,000 records: see the table of `run` (not measured here)");
        }
    }
}

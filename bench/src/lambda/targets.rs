//! Lambda mode's summary: score-fanout against the floor, the boto3 baseline and a hello-world `lambda_runtime`
//! function at every MemorySize, and the targets under the 128 MB share (docs/performance.md).

use super::report::{Results, Warm, BOTO3, OURS};
use crate::options::HELLO;
use std::fmt::Write;

/// The MemorySize the targets are set at.
const TARGET_MB: u64 = 128;
/// The targets: billed per later warm batch at most these times the floor (100 and 1,000 records); init without
/// the destination checks at most this times a hello-world function's; peak RSS at 10,000 records.
const FLOOR_FACTOR_100: f64 = 1.15;
const FLOOR_FACTOR_1000: f64 = 1.2;
const HELLO_FACTOR: f64 = 1.5;
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
        "\nscore-fanout against the floor ({} requests per sink in flight, each sent as one is answered, the latency \
         above, simulated: {} ms at 100 records, {} ms at 1,000), boto3 and a hello-world function's init:\n",
        results.max_in_flight,
        show(floor_100),
        show(floor_1000)
    );
    let _ = writeln!(
        out,
        "| MemorySize | 100 records: later warm / floor | first warm / floor | vs boto3 | 1,000 records: later warm \
         / floor | first warm / floor | vs boto3 | CPU per later warm 1,000 (ms) | of its wall, held back for the CPU quota (ms) | init without the checks: ours / \
         hello-world (ms) | most requests in flight per sink |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for memory_mb in results.memory_sizes() {
        let against = |records: usize, floor: Option<f64>| {
            let of_floor = |warm| {
                let ours = results.billed_warm(OURS, memory_mb, records, warm);
                ours.zip(floor).map_or("-".into(), |(o, f)| format!("{:.2}x", o / f))
            };
            let boto3 = results.billed(OURS, memory_mb, records).zip(results.billed(BOTO3, memory_mb, records));
            format!(
                "{} | {} | {}",
                of_floor(Warm::Later),
                of_floor(Warm::First),
                boto3.map_or("-".into(), |(o, b)| ratio(o, b))
            )
        };
        let init = |name| results.init_without_checks(name, memory_mb).map_or("-".into(), |v| format!("{v:.1}"));
        let _ = writeln!(
            out,
            "| {memory_mb} MB | {} | {} | {} | {} | {} / {} | {} |",
            against(100, floor_100),
            against(1_000, floor_1000),
            results.warm_cpu_ms(OURS, memory_mb, 1_000).map_or("-".into(), |v| format!("{v:.1}")),
            results.throttled_ms(OURS, memory_mb, 1_000).map_or("-".into(), |v| format!("{v:.0}")),
            init(OURS),
            init(HELLO),
            results.peak_in_flight(memory_mb)
        );
    }
    if let Some(stub) = results.stub_cpu_ms(TARGET_MB, 1_000) {
        let _ = writeln!(
            out,
            "\nThe stub (outside the groups): {stub:.1} ms CPU per warm 1,000-record invocation of ours."
        );
    }
    targets(results, out);
}

fn targets(results: &Results, out: &mut String) {
    let _ = writeln!(out, "\nTargets under the {TARGET_MB} MB share:");
    for (records, label, factor) in [(100, "100", FLOOR_FACTOR_100), (1_000, "1,000", FLOOR_FACTOR_1000)] {
        match (results.billed(OURS, TARGET_MB, records), results.floor_ms(records)) {
            (Some(ours), Some(floor)) => {
                let _ = writeln!(
                    out,
                    "- billed per later warm {label}-record batch <= {factor}x the floor: {ours:.0} / {floor:.0} ms = \
                     {:.2}x ({})",
                    ours / floor,
                    verdict(ours <= factor * floor)
                );
            }
            _ => {
                let _ = writeln!(out, "- {label}-record batches: not measured at {TARGET_MB} MB");
            }
        }
    }
    let init = |name| results.init_without_checks(name, TARGET_MB);
    if let (Some(ours), Some(hello)) = (init(OURS), init(HELLO)) {
        let checks = results.billed_init(OURS, TARGET_MB).map_or(0.0, |(_, checks)| checks);
        let _ = writeln!(
            out,
            "- init without the destination checks <= {HELLO_FACTOR}x a hello-world lambda_runtime function's: \
             {ours:.1} / {hello:.1} ms = {:.2}x ({}); the checks' round trip adds {checks:.0} ms",
            ours / hello,
            verdict(ours <= HELLO_FACTOR * hello)
        );
    }
    if let Some((peak, killed)) = results.peak_rss_mib(TARGET_MB, 10_000) {
        let billed = results.billed(OURS, TARGET_MB, 10_000).map_or("-".into(), |v| format!("{v:.0}"));
        let _ = writeln!(
            out,
            "- peak RSS at 10,000 records <= {PEAK_RSS_MIB:.0} MiB: {peak:.1} MiB over the process's invocations under \
             the {TARGET_MB} MB limit ({}); billed {billed} ms per later warm 10,000-record batch",
            verdict(peak <= PEAK_RSS_MIB && !killed)
        );
    }
}

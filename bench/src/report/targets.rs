//! The targets the table is read against (docs/performance.md), each with its verdict.

use super::{ms, Results, BOTO3, OURS, PRINT};
use crate::session::Measured;
use std::fmt::Write;

/// Peak RSS at 10,000 records at most this.
const PEAK_RSS_MIB: f64 = 32.0;
/// Init without the destination checks at most this times a hello-world function's.
const HELLO_FACTOR: f64 = 1.5;

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

impl Results {
    pub(super) fn targets(&self, out: &mut String) {
        let get = |name, records, metric: fn(&Measured) -> f64| self.get(name, records, metric);
        let _ = writeln!(out, "\nTargets:");
        let (ours, print) = (get(OURS, 1_000, super::warm_cpu_ms), get(PRINT, 1_000, super::warm_cpu_ms));
        let boto3 = get(BOTO3, 1_000, super::warm_cpu_ms);
        let _ = writeln!(
            out,
            "- CPU per warm 1,000-record invoke at most the print-only demo's: {ours:.2} / {print:.2} ms ({}); boto3 \
             spends {boto3:.2} ms",
            verdict(ours <= print)
        );
        let (ours, hello) = self.init_pair();
        let _ = writeln!(
            out,
            "- init without the destination checks at most {HELLO_FACTOR}x a hello-world lambda_runtime function's: \
             {ours:.2} / {hello:.2} ms = {:.2}x ({})",
            ours / hello,
            verdict(ours <= HELLO_FACTOR * hello)
        );
        let (ours, first) = (get(OURS, 10_000, super::peak_mib), get(OURS, 10_000, super::first_peak_mib));
        let _ = writeln!(
            out,
            "- peak RSS at 10,000 records <= {PEAK_RSS_MIB} MiB: {ours:.1} MiB over the process's invokes ({}); \
             {first:.1} MiB after the cold one",
            verdict(ours <= PEAK_RSS_MIB)
        );
        let failures = self.failures();
        let calls = if failures.is_empty() {
            "every invocation at ceil(events/10) per sink, every entry delivered (met)".to_owned()
        } else {
            failures.join("; ")
        };
        let _ = writeln!(out, "- API calls: {calls}");
        let stub: fn(&Measured) -> f64 = |m| ms(m.stub_cpu) / m.warm_wall.len().max(1) as f64;
        let (stub_cpu, ours_cpu) = (get(OURS, 1_000, stub), get(OURS, 1_000, super::warm_cpu_ms));
        let _ = writeln!(
            out,
            "\nThe stub: {stub_cpu:.2} ms CPU per warm 1,000-record invoke of score-fanout ({:.0}% of the function's own)",
            100.0 * stub_cpu / ours_cpu
        );
    }
}

//! Init against the floor of a Rust function: score-fanout beside a hello-world `lambda_runtime` function built the
//! same way, started as often and interleaved with it, and what score-fanout does that the other does not: the
//! destination checks' round trip is shown apart (a network wait, not work of its own).

use super::{median, ms, Results, HELLO, OURS};
use crate::session::Measured;
use std::fmt::Write;

/// A figure of one process life, in ms.
type Metric = fn(&Measured) -> f64;

impl Results {
    /// The median over process lives of `metric`, at 1 record (where every function starts most often).
    fn init_median(&self, name: &str, metric: Metric) -> f64 {
        self.get(name, 1, metric)
    }

    /// Init without the destination checks, in ms: the medians of `hello` and `ours`.
    pub(super) fn init_pair(&self) -> (f64, f64) {
        let own: Metric = |m| ms(m.init.saturating_sub(m.checks));
        (self.init_median(OURS, own), self.init_median(HELLO, own))
    }

    pub(super) fn write_init(&self, out: &mut String) {
        let rows: [(&str, Metric); 5] = [
            ("init: process start to the first `next` (ms)", |m| ms(m.init)),
            ("of it, the destination checks' round trip (ms)", |m| ms(m.checks)),
            ("init without the checks (ms)", |m| ms(m.init.saturating_sub(m.checks))),
            ("CPU during init (ms)", |m| ms(m.init_cpu)),
            ("first invoke, 1 record (ms)", |m| ms(m.first_wall)),
        ];
        if self.init_median(HELLO, |m| ms(m.init)).is_nan() {
            return;
        }
        let _ = writeln!(out, "\n| init, medians over process starts | {OURS} | {HELLO} | ours / hello-world |");
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        for (label, metric) in rows {
            let (ours, hello) = (self.init_median(OURS, metric), self.init_median(HELLO, metric));
            let ratio = if hello > 0.0 { format!("{:.2}x", ours / hello) } else { "-".into() };
            let _ = writeln!(out, "| {label} | {ours:.2} | {hello:.2} | {ratio} |");
        }
        let spread = |name| {
            let runs = self.runs.iter().filter(|((n, r), _)| *n == name && *r == 1).flat_map(|(_, runs)| runs);
            let mut inits: Vec<f64> = runs.map(|m| ms(m.init.saturating_sub(m.checks))).collect();
            inits.sort_by(f64::total_cmp);
            let quartile = |q: usize| inits.get(inits.len() * q / 4).copied().unwrap_or(f64::NAN);
            format!("{:.2}-{:.2} ms (quartiles; median {:.2})", quartile(1), quartile(3), median(inits.clone()))
        };
        let _ = writeln!(
            out,
            "\nInit without the checks, spread over process starts: ours {}, hello-world {}",
            spread(OURS),
            spread(HELLO)
        );
    }
}

//! Medians over the rounds, the ratios against the baselines, init against a hello-world function, the targets,
//! and the table.

mod init;
mod targets;

use crate::options::HELLO;
use crate::session::Measured;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

const OURS: &str = "score-fanout";
const PRINT: &str = "python print-only";
const BOTO3: &str = "python boto3";

/// Every process life measured, by function and records per event.
pub struct Results {
    runs: BTreeMap<(&'static str, usize), Vec<Measured>>,
    events: BTreeMap<usize, usize>,
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The measures the table and the targets share, per process life.
fn cold_ms(m: &Measured) -> f64 {
    ms(m.init + m.first_wall)
}

fn warm_wall_ms(m: &Measured) -> f64 {
    median(m.warm_wall.iter().map(|d| ms(*d)).collect())
}

fn warm_cpu_ms(m: &Measured) -> f64 {
    mean(&m.warm_cpu)
}

fn first_peak_mib(m: &Measured) -> f64 {
    m.first_peak_rss as f64 / 1024.0 / 1024.0
}

fn peak_mib(m: &Measured) -> f64 {
    m.peak_rss as f64 / 1024.0 / 1024.0
}

fn mean(values: &[Duration]) -> f64 {
    values.iter().map(|d| ms(*d)).sum::<f64>() / values.len().max(1) as f64
}

/// `ours` against `other`: "1/12.3" when smaller, "1.4x" when larger.
fn ratio(ours: f64, other: f64) -> String {
    if !(ours > 0.0 && other > 0.0) {
        "-".into()
    } else if ours <= other {
        format!("1/{:.1}", other / ours)
    } else {
        format!("{:.1}x", ours / other)
    }
}

impl Results {
    pub fn new() -> Self {
        Self { runs: BTreeMap::new(), events: BTreeMap::new() }
    }

    pub fn add(&mut self, name: &'static str, records: usize, events: usize, measured: Measured) {
        self.events.insert(records, events);
        self.runs.entry((name, records)).or_default().push(measured);
    }

    /// The median over rounds of `metric` for `name` at `records`.
    fn get(&self, name: &str, records: usize, metric: impl Fn(&Measured) -> f64) -> f64 {
        let runs = self.runs.iter().find(|((n, r), _)| *n == name && *r == records).map(|(_, runs)| runs);
        median(runs.map(|runs| runs.iter().map(metric).collect()).unwrap_or_default())
    }

    /// Correctness problems: API calls off the floor for score-fanout, undelivered events anywhere.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ((name, records), runs) in &self.runs {
            let events = self.events[records] as u64;
            let floor = events.div_ceil(10);
            if runs.iter().any(|run| !run.all_delivered) {
                failures.push(format!("{name}, {records} records: an invocation did not deliver everything"));
            }
            let publishes = *name == OURS || *name == BOTO3;
            let off_floor = runs.iter().flat_map(|run| &run.calls).any(|calls| {
                let expected = if publishes { (floor, events) } else { (0, 0) };
                (calls.eventbridge_calls, calls.eventbridge_entries) != expected
                    || (calls.sns_calls, calls.sns_entries) != expected
            });
            if off_floor {
                failures.push(format!("{name}, {records} records: API calls or entries differ from ceil(events/10)"));
            }
        }
        failures
    }

    /// A row: the metric for each function, its ratios against both baselines, and the target's verdict.
    fn row(&self, out: &mut String, label: &str, records: usize, metric: impl Fn(&Measured) -> f64 + Copy) {
        let [ours, print, boto3] = [OURS, PRINT, BOTO3].map(|name| self.get(name, records, metric));
        if ours.is_nan() && print.is_nan() && boto3.is_nan() {
            return;
        }
        let cell = |v: f64| if v.is_nan() { "-".to_owned() } else { format!("{v:.2}") };
        let _ = write!(out, "| {label} | {} | {} | {} ", cell(ours), cell(print), cell(boto3));
        let _ = writeln!(out, "| {} | {} |", ratio(ours, print), ratio(ours, boto3));
    }

    pub fn table(&self, machine: &str, rounds: usize, took: Duration) -> String {
        let mut out = String::new();
        let sizes: Vec<usize> = self.events.keys().copied().collect();
        let cold_starts = self.runs.values().map(Vec::len).max().unwrap_or(0);
        let _ = writeln!(
            out,
            "\n{machine}; {rounds} rounds, interleaved, medians ({cold_starts} process starts per function for the \
             1-record rows); {:.0} s in all\n",
            took.as_secs_f64()
        );
        let _ = writeln!(out, "| measure | {OURS} | {PRINT} | {BOTO3} | ours vs print-only | ours vs boto3 |");
        let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: |");
        self.row(&mut out, "cold start + first invoke, 1 record (ms)", 1, cold_ms);
        self.row(&mut out, "init: process start to first `next` (ms)", 1, |m| ms(m.init));
        self.row(&mut out, "CPU during init (ms)", 1, |m| ms(m.init_cpu));
        self.row(&mut out, "first invoke, 1 record (ms)", 1, |m| ms(m.first_wall));
        for &records in &sizes {
            let label = format!("warm invoke, {records} records (ms)");
            self.row(&mut out, &label, records, warm_wall_ms);
        }
        for &records in &sizes {
            let label = format!("CPU per warm invoke, {records} records (ms)");
            self.row(&mut out, &label, records, warm_cpu_ms);
        }
        for &records in &sizes {
            let label = format!("peak RSS after the cold invoke, {records} records (MiB)");
            self.row(&mut out, &label, records, first_peak_mib);
        }
        for &records in &sizes {
            let warm =
                self.runs.iter().find(|((_, r), _)| *r == records).map_or(0, |(_, runs)| runs[0].warm_wall.len());
            let label = format!("peak RSS after {} invokes, {records} records (MiB)", warm + 1);
            self.row(&mut out, &label, records, peak_mib);
        }
        for &records in &sizes {
            let label = format!(
                "API calls per invoke, {records} records ({} events; floor {} + {})",
                self.events[&records],
                self.events[&records].div_ceil(10),
                self.events[&records].div_ceil(10)
            );
            self.row(&mut out, &label, records, |m| {
                m.calls.iter().map(|c| (c.eventbridge_calls + c.sns_calls) as f64).sum::<f64>()
                    / m.calls.len().max(1) as f64
            });
        }
        self.write_init(&mut out);
        self.targets(&mut out);
        out
    }
}

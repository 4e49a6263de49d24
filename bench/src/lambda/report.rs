//! Lambda mode's figures: billed durations (warm invocations), billed init, cost per million records, the floor,
//! the targets, and the table.

use crate::cgroup::Cgroup;
use crate::session::Measured;
use crate::stub::Latency;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

pub const OURS: &str = "score-fanout";
pub const BOTO3: &str = "python boto3";
pub const FUNCTIONS: [&str; 3] = [OURS, "python print-only", BOTO3];
/// Lambda's arm64 prices in us-east-1 (first tier), as of PRICES_DATE.
const GB_SECOND_USD: f64 = 0.000_013_333_4;
const REQUEST_USD: f64 = 0.20 / 1e6;
pub const PRICES_DATE: &str = "2026-12-03";

/// Every process life, by function, MemorySize and records per event.
pub struct Results {
    runs: BTreeMap<(&'static str, u64, usize), Vec<Measured>>,
    events: BTreeMap<usize, usize>,
    cpu_percent: BTreeMap<u64, f64>,
    latency: Latency,
    max_in_flight: usize,
}

/// Lambda bills a phase's wall time rounded up to the millisecond.
fn billed_ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e3).ceil()
}

pub fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    (n > 0).then(|| if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 })
}

/// What `records` records cost per million at `billed` ms an invocation under `memory_mb`.
pub fn cost_per_million(billed: f64, memory_mb: u64, records: usize) -> f64 {
    let invocation = billed / 1e3 * memory_mb as f64 / 1024.0 * GB_SECOND_USD + REQUEST_USD;
    invocation * 1e6 / records as f64
}

/// The least a batch can take however fast the function: its requests per sink (ceil(events / 10)) go out
/// `max_in_flight` at a time, and each round waits the mean latency.
pub fn floor_ms(events: usize, max_in_flight: usize, latency: Duration) -> f64 {
    let rounds = events.div_ceil(10).div_ceil(max_in_flight.max(1));
    rounds as f64 * latency.as_secs_f64() * 1e3
}

impl Results {
    pub fn new(latency: Latency, max_in_flight: usize) -> Self {
        let (runs, events, cpu_percent) = Default::default();
        Self { runs, events, cpu_percent, latency, max_in_flight }
    }

    pub fn add(&mut self, name: &'static str, group: &Cgroup, records: usize, events: usize, measured: Measured) {
        self.events.insert(records, events);
        self.cpu_percent.insert(group.memory_mb, group.cpu_percent());
        self.runs.entry((name, group.memory_mb, records)).or_default().push(measured);
    }

    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }

    pub fn cpu_percent(&self, memory_mb: u64) -> f64 {
        self.cpu_percent.get(&memory_mb).copied().unwrap_or(f64::NAN)
    }

    pub fn memory_sizes(&self) -> Vec<u64> {
        self.cpu_percent.keys().copied().collect()
    }

    fn lives(&self, name: &str, memory_mb: u64, records: usize) -> &[Measured] {
        let key = |(n, mb, r): &(&str, u64, usize)| *n == name && *mb == memory_mb && *r == records;
        self.runs.iter().find(|(k, _)| key(k)).map_or(&[], |(_, lives)| lives.as_slice())
    }

    /// The median billed duration of the warm invocations (every life pooled); None where none ran or all were
    /// killed for their memory.
    pub fn billed(&self, name: &str, memory_mb: u64, records: usize) -> Option<f64> {
        let lives = self.lives(name, memory_mb, records);
        median(lives.iter().flat_map(|life| &life.warm_wall).map(|wall| billed_ms(*wall)).collect())
    }

    /// The median billed init over every process life of `name` under `memory_mb`.
    fn billed_init(&self, name: &str, memory_mb: u64) -> Option<f64> {
        let lives = self.runs.iter().filter(|((n, mb, _), _)| *n == name && *mb == memory_mb);
        let inits = lives.flat_map(|(_, lives)| lives).filter(|life| life.init > Duration::ZERO);
        median(inits.map(|life| billed_ms(life.init)).collect())
    }

    /// The floor of a batch of `records` records (see [`floor_ms`]).
    pub fn floor_ms(&self, records: usize) -> Option<f64> {
        let events = *self.events.get(&records)?;
        Some(floor_ms(events, self.max_in_flight, self.latency.mean))
    }

    /// Problems with what the functions did (not with how fast): undelivered entries, API calls off the floor.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ((name, memory_mb, records), lives) in &self.runs {
            let lives = lives.iter().filter(|life| !life.oom_killed);
            if lives.clone().any(|life| !life.all_delivered) {
                failures.push(format!("{name}, {memory_mb} MB, {records} records: not everything was delivered"));
            }
            let events = self.events[records] as u64;
            let expected = if name.contains("print-only") { (0, 0) } else { (events.div_ceil(10), events) };
            let calls = lives.flat_map(|life| &life.calls);
            if calls.clone().any(|c| (c.eventbridge_calls, c.eventbridge_entries) != expected)
                || calls.clone().any(|c| (c.sns_calls, c.sns_entries) != expected)
            {
                failures
                    .push(format!("{name}, {memory_mb} MB, {records} records: API calls differ from ceil(events/10)"));
            }
        }
        failures
    }

    /// A cell: the figure, or why there is none. The kernel charges a group only for the pages it brings in, not
    /// for files another process already had in the page cache (the interpreter, the libraries, our binary), so a
    /// peak RSS above the MemorySize is marked too: on Lambda it would not fit.
    fn cell(&self, name: &str, memory_mb: u64, records: usize, figure: impl Fn(f64) -> String) -> String {
        let lives = self.lives(name, memory_mb, records);
        let killed = lives.iter().filter(|life| life.oom_killed).count();
        let over = lives.iter().any(|life| life.peak_rss > memory_mb << 20);
        let figure =
            |billed| if over { format!("{} (peak RSS over MemorySize)", figure(billed)) } else { figure(billed) };
        match self.billed(name, memory_mb, records) {
            _ if lives.is_empty() => "-".into(),
            None if killed > 0 => format!("out of memory ({killed} of {})", lives.len()),
            None => "-".into(),
            Some(billed) if killed > 0 => format!("{} ({killed} of {} out of memory)", figure(billed), lives.len()),
            Some(billed) => figure(billed),
        }
    }

    pub fn table(&self, machine: &str, rounds: usize, took: Duration) -> String {
        let mut out = String::new();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let _ = writeln!(
            out,
            "\nLambda mode: {machine}; sinks answer after {:.0} ms +- {:.0} ms; score-fanout with \
             MAX_REQUESTS_IN_FLIGHT={}; {rounds} rounds, interleaved; {:.0} s in all",
            ms(self.latency.mean),
            ms(self.latency.jitter),
            self.max_in_flight,
            took.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "Billed: wall time rounded up to the ms, median of the warm invocations; init: process start to the first \
             `next`. Cost: Lambda arm64, us-east-1, ${GB_SECOND_USD} per GB-second and $0.20 per million requests \
             (prices of {PRICES_DATE}), warm invocations only.\n"
        );
        let _ = writeln!(
            out,
            "| MemorySize (CPU) | function | billed init (ms) | billed, 100 records (ms) | billed, 1,000 records (ms) \
             | $ per million records, batches of 100 | of 1,000 | process lives (100 + 1,000) |"
        );
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (&memory_mb, cpu) in &self.cpu_percent {
            for name in FUNCTIONS {
                let init = self.billed_init(name, memory_mb).map_or("-".into(), |v| format!("{v:.0}"));
                let billed = |records| self.cell(name, memory_mb, records, |v| format!("{v:.0}"));
                let cost =
                    |records| self.cell(name, memory_mb, records, |v| dollars(cost_per_million(v, memory_mb, records)));
                let lives = |records| self.lives(name, memory_mb, records).len();
                let _ = writeln!(
                    out,
                    "| {memory_mb} MB ({cpu:.1}%) | {name} | {init} | {} | {} | {} | {} | {} + {} |",
                    billed(100),
                    billed(1_000),
                    cost(100),
                    cost(1_000),
                    lives(100),
                    lives(1_000)
                );
            }
        }
        out
    }

    /// The most requests score-fanout had in flight per sink at once, over every invocation at `memory_mb`.
    pub fn peak_in_flight(&self, memory_mb: u64) -> u64 {
        let lives = self.runs.iter().filter(|((n, mb, _), _)| *n == OURS && *mb == memory_mb);
        let calls = lives.flat_map(|(_, lives)| lives).flat_map(|life| &life.calls);
        calls.map(|c| c.eventbridge_peak.max(c.sns_peak)).max().unwrap_or(0)
    }

    /// Peak RSS of score-fanout over its process lives at `records` under `memory_mb` (MiB), and whether any was
    /// killed for its memory.
    pub fn peak_rss_mib(&self, memory_mb: u64, records: usize) -> Option<(f64, bool)> {
        let lives = self.lives(OURS, memory_mb, records);
        let peak = lives.iter().map(|life| life.peak_rss).max()?;
        Some((peak as f64 / 1024.0 / 1024.0, lives.iter().any(|life| life.oom_killed)))
    }
}

/// Dollars with four significant digits.
pub fn dollars(value: f64) -> String {
    let digits = (3 - value.abs().log10().floor() as i32).max(0) as usize;
    format!("${value:.digits$}")
}

//! Lambda mode's figures: billed durations of the first and the later warm invocations of a process, billed init and
//! the destination checks' share of it, cost per million records, the floor, and the failures.

use super::floor;
use crate::options::HELLO;
use crate::session::Measured;
use crate::stub::Latency;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub const OURS: &str = "score-fanout";
pub const BOTO3: &str = "python boto3";
pub const FUNCTIONS: [&str; 4] = [OURS, "python print-only", BOTO3, HELLO];
/// Lambda's arm64 prices in us-east-1 (first tier), as of PRICES_DATE.
pub const GB_SECOND_USD: f64 = 0.000_013_333_4;
const REQUEST_USD: f64 = 0.20 / 1e6;
pub const PRICES_DATE: &str = "2026-12-03";

/// Every process life, by function, MemorySize and records per event.
pub struct Results {
    runs: BTreeMap<(&'static str, u64, usize), Vec<Measured>>,
    events: BTreeMap<usize, usize>,
    memory_sizes: BTreeSet<u64>,
    pub latency: Latency,
    pub max_in_flight: usize,
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

/// Which warm invocations of a process life a figure is of.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Warm {
    /// The first after the cold one: the adaptive windows may still be growing.
    First,
    /// Every one after that: the steady state of a busy shard.
    Later,
}

impl Results {
    pub fn new(latency: Latency, max_in_flight: usize) -> Self {
        let (runs, events, memory_sizes) = Default::default();
        Self { runs, events, memory_sizes, latency, max_in_flight }
    }

    pub fn add(&mut self, name: &'static str, memory_mb: u64, records: usize, events: usize, measured: Measured) {
        self.events.insert(records, events);
        self.memory_sizes.insert(memory_mb);
        self.runs.entry((name, memory_mb, records)).or_default().push(measured);
    }

    pub fn memory_sizes(&self) -> Vec<u64> {
        self.memory_sizes.iter().copied().collect()
    }

    pub fn lives(&self, name: &str, memory_mb: u64, records: usize) -> &[Measured] {
        let key = |(n, mb, r): &(&str, u64, usize)| *n == name && *mb == memory_mb && *r == records;
        self.runs.iter().find(|(k, _)| key(k)).map_or(&[], |(_, lives)| lives.as_slice())
    }

    /// Every life of `name` under `memory_mb`, whatever its size.
    fn all_lives(&self, name: &str, memory_mb: u64) -> impl Iterator<Item = &Measured> + '_ {
        let name = name.to_owned();
        self.runs.iter().filter(move |((n, mb, _), _)| *n == name && *mb == memory_mb).flat_map(|(_, lives)| lives)
    }

    /// The median billed duration of `warm` invocations (every life pooled); None where none ran or all were killed
    /// for their memory.
    pub fn billed_warm(&self, name: &str, memory_mb: u64, records: usize, warm: Warm) -> Option<f64> {
        let lives = self.lives(name, memory_mb, records).iter();
        let walls = lives.flat_map(|life| match warm {
            Warm::First => &life.warm_wall[..life.warm_wall.len().min(1)],
            Warm::Later => life.warm_wall.get(1..).unwrap_or_default(),
        });
        median(walls.map(|wall| billed_ms(*wall)).collect())
    }

    /// What a busy shard's invocations bill: the later warm ones.
    pub fn billed(&self, name: &str, memory_mb: u64, records: usize) -> Option<f64> {
        self.billed_warm(name, memory_mb, records, Warm::Later)
    }

    /// The median billed init over every process life of `name` under `memory_mb`, and the median of the
    /// destination checks' round trip within it.
    pub fn billed_init(&self, name: &str, memory_mb: u64) -> Option<(f64, f64)> {
        let lives: Vec<&Measured> = self.all_lives(name, memory_mb).filter(|life| life.init > Duration::ZERO).collect();
        let init = median(lives.iter().map(|life| billed_ms(life.init)).collect())?;
        let checks = median(lives.iter().map(|life| life.checks.as_secs_f64() * 1e3).collect()).unwrap_or(0.0);
        Some((init, checks))
    }

    /// The median of init without the destination checks' round trip, in ms.
    pub fn init_without_checks(&self, name: &str, memory_mb: u64) -> Option<f64> {
        let lives = self.all_lives(name, memory_mb).filter(|life| life.init > Duration::ZERO);
        median(lives.map(|life| life.init.saturating_sub(life.checks).as_secs_f64() * 1e3).collect())
    }

    /// The median CPU of the later warm invocations, in ms.
    pub fn warm_cpu_ms(&self, name: &str, memory_mb: u64, records: usize) -> Option<f64> {
        let lives = self.lives(name, memory_mb, records).iter();
        median(
            lives.flat_map(|life| life.warm_cpu.get(1..).unwrap_or_default()).map(|d| d.as_secs_f64() * 1e3).collect(),
        )
    }

    /// The median time the later warm invocations were held back for the CPU quota, in ms.
    pub fn throttled_ms(&self, name: &str, memory_mb: u64, records: usize) -> Option<f64> {
        let lives = self.lives(name, memory_mb, records).iter();
        let held = lives.flat_map(|life| life.warm_throttled.get(1..).unwrap_or_default());
        median(held.map(|d| d.as_secs_f64() * 1e3).collect())
    }

    /// The floor of a batch of `records` records ([`floor::floor_ms`]).
    pub fn floor_ms(&self, records: usize) -> Option<f64> {
        let requests = self.events.get(&records)?.div_ceil(10);
        Some(floor::floor_ms(requests, self.max_in_flight, &self.latency))
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
            let publishes = *name == OURS || *name == BOTO3;
            let expected = if publishes { (events.div_ceil(10), events) } else { (0, 0) };
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

    /// The most requests score-fanout had in flight per sink at once, over every invocation at `memory_mb`.
    pub fn peak_in_flight(&self, memory_mb: u64) -> u64 {
        let calls = self.all_lives(OURS, memory_mb).flat_map(|life| &life.calls);
        calls.map(|c| c.eventbridge_peak.max(c.sns_peak)).max().unwrap_or(0)
    }

    /// Peak RSS of score-fanout over its process lives at `records` under `memory_mb` (MiB), and whether any was
    /// killed for its memory.
    pub fn peak_rss_mib(&self, memory_mb: u64, records: usize) -> Option<(f64, bool)> {
        let lives = self.lives(OURS, memory_mb, records);
        let peak = lives.iter().map(|life| life.peak_rss).max()?;
        Some((peak as f64 / 1024.0 / 1024.0, lives.iter().any(|life| life.oom_killed)))
    }

    /// The stub's CPU per warm invocation of score-fanout at `records` under `memory_mb`, in ms.
    pub fn stub_cpu_ms(&self, memory_mb: u64, records: usize) -> Option<f64> {
        let lives = self.lives(OURS, memory_mb, records);
        let invocations: usize = lives.iter().map(|life| life.warm_wall.len()).sum();
        let cpu: f64 = lives.iter().map(|life| life.stub_cpu.as_secs_f64() * 1e3).sum();
        (invocations > 0).then(|| cpu / invocations as f64)
    }
}

/// Dollars with four significant digits.
pub fn dollars(value: f64) -> String {
    let digits = (3 - value.abs().log10().floor() as i32).max(0) as usize;
    format!("${value:.digits$}")
}

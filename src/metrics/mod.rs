//! What one invocation did to its records, counted once ([`Tally`]), and its metrics line: a CloudWatch Embedded
//! Metric Format document ([`emf`]) written with the log, which CloudWatch Logs turns into metrics without any API
//! call.

use crate::config::{Config, LogLevel};
use crate::publish::BatchOutcome;
use crate::stdout;
use score_fanout_events::{DomainEvent, EVENT_NAMES};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

mod emf;

/// The target of the one log event per invocation that carries its metrics document.
pub(crate) const LINE_TARGET: &str = "score_fanout::metrics";
/// The field of that event holding the document.
pub(crate) const LINE_FIELD: &str = "emf";

/// The counts of one invocation: what its caller learns of it, and what its metrics are written from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records received.
    pub records: u64,
    /// Events decoded from them (a MODIFY with an equal score has none).
    pub events: u64,
    /// Events of the records Lambda will not hand back: every record before the checkpoint, all of them without
    /// one. Summed over a stream's invocations, each record's event counts once.
    pub settled_events: u64,
    /// Events delivered, by (sink, event type); every event type of every sink published to, zeros included.
    pub published: BTreeMap<(&'static str, &'static str), u64>,
    /// Entries that had to be sent again (each extra send counted).
    pub entries_retried: u64,
    /// Entries not sent because their sink had accepted them in an earlier invocation of this environment.
    pub entries_already_accepted: u64,
    /// With a Custom Event Bus: entries it answered `DEDUPLICATED` (sent again within its 300 s window; stored once).
    pub entries_deduplicated: Option<u64>,
    /// Records not delivered to every sink (Lambda retries from the first of them).
    pub held: u64,
    /// Records (or their events) parked in the dead-letter queue.
    pub parked: u64,
    /// Age of the oldest record of the batch, from its ApproximateCreationDateTime.
    pub oldest_record_age_ms: Option<u64>,
}

impl Tally {
    /// Counts what publishing `events` came to: an event counts as published to each sink that has no error for it.
    pub(crate) fn count_deliveries(&mut self, events: &[DomainEvent], outcome: &BatchOutcome) {
        self.entries_retried = outcome.resent;
        self.entries_already_accepted = outcome.already_accepted;
        self.entries_deduplicated = outcome.deduplicated;
        self.count_sinks(&outcome.sinks);
        for (event, delivery) in events.iter().zip(&outcome.deliveries) {
            for sink in outcome.sinks.iter().filter(|sink| !delivery.errors().iter().any(|e| e.sink() == **sink)) {
                *self.published.entry((sink, event.name())).or_default() += 1;
            }
        }
    }

    /// Notes the sinks published to, so that each reports every event type, zero when none went out: an alarm on
    /// "nothing published" then sees zeros, not missing data.
    fn count_sinks(&mut self, sinks: &[&'static str]) {
        for sink in sinks {
            for event_type in EVENT_NAMES {
                self.published.entry((sink, event_type)).or_default();
            }
        }
    }

    /// Events delivered to `sink`.
    pub fn published_to(&self, sink: &str) -> u64 {
        self.published.iter().filter(|((name, _), _)| *name == sink).map(|(_, count)| count).sum()
    }
}

/// Where metric documents go: the log in Lambda, in order with its lines (Lambda's log capture hands them to
/// CloudWatch), a buffer in tests.
pub type MetricsOutput = Box<dyn Fn(&str) + Send + Sync>;

/// Each invocation's metrics line: where its document goes, and the function's name for its dimension.
pub struct Metrics {
    /// Where each document is written.
    pub output: MetricsOutput,
    /// `AWS_LAMBDA_FUNCTION_NAME`: the dimension that keeps two stacks' metrics apart.
    pub function_name: Option<String>,
    /// Destinations init could not verify, not yet reported.
    unverified_destinations: AtomicU64,
}

impl Metrics {
    /// Metrics written to `output`, with the dimension `function_name` when known.
    pub fn new(output: MetricsOutput, function_name: Option<String>) -> Self {
        Self { output, function_name, unverified_destinations: AtomicU64::new(0) }
    }

    /// Notes the destinations init could not verify: the next document reports them (`DestinationsUnverified`), once,
    /// so that an alarm sees the first invocation after a cold start that could not check its destinations.
    pub(crate) fn note_unverified_destinations(&self, count: u64) {
        self.unverified_destinations.store(count, Ordering::Relaxed);
    }

    /// Writes `tally`'s document, timestamped now.
    pub(crate) fn write(&self, tally: &Tally) {
        let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        let unverified = Some(self.unverified_destinations.swap(0, Ordering::Relaxed)).filter(|&count| count > 0);
        (self.output)(&tally.document(now_ms, self.function_name.as_deref(), unverified));
    }
}

/// The function's metrics line: as JSON logs, one line of the log's own shape (`timestamp`, `level`, `message`,
/// `requestId`, then the document's members, which CloudWatch reads as EMF); as text, the document itself on a line
/// of its own.
pub fn metrics_output(config: &Config) -> Metrics {
    let output: MetricsOutput = if config.json_logs {
        Box::new(|document| tracing::info!(target: LINE_TARGET, emf = document))
    } else {
        Box::new(stdout::write_line)
    };
    Metrics::new(output, config.function_name.clone())
}

/// The `level` of the metrics line: the configured threshold, or INFO when the threshold is below INFO, so that
/// Lambda's log-level filter forwards it at every threshold, FATAL included (where it forwards FATAL lines only).
pub(crate) fn line_level(threshold: Option<LogLevel>) -> &'static str {
    threshold.map_or(LogLevel::Info, |level| level.max(LogLevel::Info)).name()
}

#[cfg(test)]
mod tests;

//! CloudWatch Embedded Metric Format (EMF): what one invocation did, as one metric document written to stdout,
//! which CloudWatch Logs turns into metrics without any API call.
//!
//! A small typed serializer of our own rather than a crate: `metrics_cloudwatch_embedded` (the EMF backend of the
//! `metrics` facade) keeps its counters in a process-wide recorder, says its interface is not stable, and writes one
//! document per label set; `metrique` is a whole metrics framework. Here the set of metrics is small and fixed,
//! one document per invocation is built from plain counters, and tests assert it byte for byte.
//!
//! One document means one set of dimension values, so the breakdown by sink and event type is in the metric names
//! (`EventsPublished.SNS.ScoreChanged`) and the only dimension is the function's name, which keeps two stacks in one
//! account apart: 13 metrics per function, whatever the traffic, which keeps the custom-metric bill flat.

use crate::domain::{DomainEvent, EVENT_NAMES};
use crate::publish::BatchOutcome;
use serde::Serialize;
use std::collections::BTreeMap;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "ScoreFanout";
/// The dimension every metric carries: the function's name (`AWS_LAMBDA_FUNCTION_NAME`).
pub const FUNCTION_NAME: &str = "FunctionName";

/// Where metric documents go: the log in Lambda, in order with its lines (`logging::metrics_output`; Lambda's log
/// capture hands them to CloudWatch), a buffer in tests.
pub type MetricsOutput = Box<dyn Fn(&str) + Send + Sync>;

/// Each invocation's metrics: where the document goes, and the function's name for its dimension.
pub struct Metrics {
    pub output: MetricsOutput,
    pub function_name: Option<String>,
}

/// The counts of one invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchMetrics {
    pub records_received: u64,
    /// Events delivered, by (sink, event type); every event type of every sink published to, zeros included.
    pub published: BTreeMap<(&'static str, &'static str), u64>,
    /// Entries that had to be sent again (each extra send counted).
    pub entries_retried: u64,
    /// Records not delivered to every sink (Lambda retries from the first of them).
    pub records_failed: u64,
    /// Records (or their events) parked in the dead-letter queue.
    pub records_dead_lettered: u64,
    /// Age of the oldest record of the batch, from its ApproximateCreationDateTime.
    pub oldest_record_age_ms: Option<u64>,
}

/// What an invocation did to its records, as the handler tallied it.
#[derive(Clone, Copy, Debug)]
pub struct Tally<'a> {
    pub records: u64,
    /// The events published (or, in DRY_RUN, logged).
    pub events: &'a [DomainEvent],
    /// Records not delivered to every sink.
    pub failed: u64,
    pub dead_lettered: u64,
    pub oldest_record_age_ms: Option<u64>,
}

impl BatchMetrics {
    /// The one place an invocation's metrics are counted: from the handler's tally and what publishing came to
    /// (an event counts as published to each sink that has no error for it).
    pub fn count(tally: &Tally<'_>, outcome: &BatchOutcome) -> Self {
        let mut metrics = Self {
            records_received: tally.records,
            entries_retried: outcome.resent,
            records_failed: tally.failed,
            records_dead_lettered: tally.dead_lettered,
            oldest_record_age_ms: tally.oldest_record_age_ms,
            ..Self::default()
        };
        metrics.count_sinks(&outcome.sinks);
        for (event, delivery) in tally.events.iter().zip(&outcome.deliveries) {
            for sink in outcome.sinks.iter().filter(|sink| !delivery.errors().iter().any(|e| e.sink() == **sink)) {
                metrics.count_published(sink, event.name());
            }
        }
        metrics
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

    /// Counts one event delivered to one sink.
    fn count_published(&mut self, sink: &'static str, event_type: &'static str) {
        *self.published.entry((sink, event_type)).or_default() += 1;
    }

    /// The invocation's EMF document, one JSON line, with the dimension `FunctionName` when it is known: two stacks
    /// in one account publish to the same namespace, and only the dimension keeps their metrics (and alarms) apart.
    pub fn document(&self, timestamp_ms: u64, function_name: Option<&str>) -> String {
        let mut metrics = vec![
            (Metric::new("RecordsReceived", Unit::Count), self.records_received),
            (Metric::new("EntriesRetried", Unit::Count), self.entries_retried),
            (Metric::new("RecordsFailed", Unit::Count), self.records_failed),
            (Metric::new("RecordsDeadLettered", Unit::Count), self.records_dead_lettered),
        ];
        if let Some(age) = self.oldest_record_age_ms {
            metrics.push((Metric::new("OldestRecordAge", Unit::Milliseconds), age));
        }
        let mut by_sink = BTreeMap::<&str, u64>::new();
        for ((sink, _), count) in &self.published {
            *by_sink.entry(sink).or_default() += count;
        }
        for (sink, count) in by_sink {
            metrics.push((Metric::new(format!("EventsPublished.{sink}"), Unit::Count), count));
        }
        for ((sink, event_type), count) in &self.published {
            metrics.push((Metric::new(format!("EventsPublished.{sink}.{event_type}"), Unit::Count), *count));
        }
        let values = metrics.iter().map(|(metric, value)| (metric.name.clone(), *value)).collect();
        let dimensions = [function_name.map_or_else(Vec::new, |_| vec![FUNCTION_NAME])];
        let directive =
            Directive { namespace: NAMESPACE, dimensions, metrics: metrics.into_iter().map(|(m, _)| m).collect() };
        let metadata = Metadata { timestamp: timestamp_ms, cloud_watch_metrics: [directive] };
        let document = Document { aws: metadata, function_name, values };
        // Plain structs, string keys and integers: serializing cannot fail.
        serde_json::to_string(&document).unwrap_or_default()
    }
}

/// An EMF document: the metadata under `_aws`, the metric values at the root.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "_aws")]
    aws: Metadata,
    #[serde(rename = "FunctionName", skip_serializing_if = "Option::is_none")]
    function_name: Option<&'a str>,
    #[serde(flatten)]
    values: BTreeMap<String, u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    timestamp: u64,
    cloud_watch_metrics: [Directive; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Directive {
    namespace: &'static str,
    /// One dimension set: `FunctionName`, or none (the metrics are the totals of whatever published them).
    dimensions: [Vec<&'static str>; 1],
    metrics: Vec<Metric>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metric {
    name: String,
    unit: Unit,
}

impl Metric {
    fn new(name: impl Into<String>, unit: Unit) -> Self {
        Self { name: name.into(), unit }
    }
}

#[derive(Clone, Copy, Serialize)]
enum Unit {
    Count,
    Milliseconds,
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;

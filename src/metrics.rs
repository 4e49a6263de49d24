//! CloudWatch Embedded Metric Format (EMF): what one invocation did, as one metric document written to stdout,
//! which CloudWatch Logs turns into metrics without any API call.
//!
//! A small typed serializer of our own rather than a crate: `metrics_cloudwatch_embedded` (the EMF backend of the
//! `metrics` facade) keeps its counters in a process-wide recorder, says its interface is not stable, and writes one
//! document per label set; `metrique` is a whole metrics framework. Here the set of metrics is small and fixed,
//! one document per invocation is built from plain counters, and tests assert it byte for byte.
//!
//! One document means one set of dimension values, so the breakdown by sink and event type is in the metric names
//! (`EventsPublished.SNS.ScoreChanged`) and the document declares no dimensions: 13 metrics in all, whatever the
//! traffic, which keeps the custom-metric bill flat.

use crate::domain::EVENT_NAMES;
use serde::Serialize;
use std::collections::BTreeMap;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "ScoreFanout";

/// Where metric documents go: stdout in Lambda, in order with the log (`logging::write_line`; its log capture hands
/// them to CloudWatch), a buffer in tests.
pub type MetricsOutput = Box<dyn Fn(&str) + Send + Sync>;

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

impl BatchMetrics {
    /// Notes the sinks published to, so that each reports every event type, zero when none went out: an alarm on
    /// "nothing published" then sees zeros, not missing data.
    pub fn count_sinks(&mut self, sinks: &[&'static str]) {
        for sink in sinks {
            for event_type in EVENT_NAMES {
                self.published.entry((sink, event_type)).or_default();
            }
        }
    }

    /// Counts one event delivered to one sink.
    pub fn count_published(&mut self, sink: &'static str, event_type: &'static str) {
        *self.published.entry((sink, event_type)).or_default() += 1;
    }

    /// The invocation's EMF document, one JSON line.
    pub fn document(&self, timestamp_ms: u64) -> String {
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
        let directive = Directive {
            namespace: NAMESPACE,
            dimensions: [[]],
            metrics: metrics.into_iter().map(|(m, _)| m).collect(),
        };
        let document = Document { aws: Metadata { timestamp: timestamp_ms, cloud_watch_metrics: [directive] }, values };
        // Plain structs, string keys and integers: serializing cannot fail.
        serde_json::to_string(&document).unwrap_or_default()
    }
}

/// An EMF document: the metadata under `_aws`, the metric values at the root.
#[derive(Serialize)]
struct Document {
    #[serde(rename = "_aws")]
    aws: Metadata,
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
    /// One dimension set, empty: the metrics are the function's totals.
    dimensions: [[&'static str; 0]; 1],
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
mod tests {
    use super::*;

    #[test]
    fn an_invocation_gives_one_document_with_every_count() {
        let mut metrics = BatchMetrics {
            records_received: 8,
            entries_retried: 2,
            records_failed: 1,
            records_dead_lettered: 1,
            oldest_record_age_ms: Some(1500),
            ..Default::default()
        };
        metrics.count_sinks(&["EventBridge", "SNS"]);
        metrics.count_published("SNS", "ScoreChanged");
        metrics.count_published("SNS", "ScoreChanged");
        metrics.count_published("EventBridge", "PlayerAdded");
        let expected = concat!(
            r#"{"_aws":{"Timestamp":1795510800000,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[[]],"Metrics":["#,
            r#"{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},"#,
            r#"{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"},"#,
            r#"{"Name":"OldestRecordAge","Unit":"Milliseconds"},"#,
            r#"{"Name":"EventsPublished.EventBridge","Unit":"Count"},{"Name":"EventsPublished.SNS","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.EventBridge.PlayerAdded","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.EventBridge.PlayerRemoved","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.EventBridge.ScoreChanged","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.SNS.PlayerAdded","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.SNS.PlayerRemoved","Unit":"Count"},"#,
            r#"{"Name":"EventsPublished.SNS.ScoreChanged","Unit":"Count"}]}]},"#,
            r#""EntriesRetried":2,"EventsPublished.EventBridge":1,"EventsPublished.EventBridge.PlayerAdded":1,"#,
            r#""EventsPublished.EventBridge.PlayerRemoved":0,"EventsPublished.EventBridge.ScoreChanged":0,"#,
            r#""EventsPublished.SNS":2,"EventsPublished.SNS.PlayerAdded":0,"EventsPublished.SNS.PlayerRemoved":0,"#,
            r#""EventsPublished.SNS.ScoreChanged":2,"OldestRecordAge":1500,"RecordsDeadLettered":1,"#,
            r#""RecordsFailed":1,"RecordsReceived":8}"#,
        );
        assert_eq!(metrics.document(1_795_510_800_000), expected);
    }

    #[test]
    fn a_batch_without_sinks_or_records_reports_its_counts_only() {
        let expected = concat!(
            r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[[]],"Metrics":["#,
            r#"{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},"#,
            r#"{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"}]}]},"#,
            r#""EntriesRetried":0,"RecordsDeadLettered":0,"RecordsFailed":0,"RecordsReceived":0}"#,
        );
        assert_eq!(BatchMetrics::default().document(1), expected);
    }
}

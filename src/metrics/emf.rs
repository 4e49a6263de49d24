//! CloudWatch Embedded Metric Format (EMF): one invocation's [`Tally`] as one metric document.
//!
//! A small typed serializer of our own rather than a crate: `metrics_cloudwatch_embedded` (the EMF backend of the
//! `metrics` facade) keeps its counters in a process-wide recorder, says its interface is not stable, and writes one
//! document per label set; `metrique` is a whole metrics framework. Here the set of metrics is small and fixed,
//! one document per invocation is built from plain counters, and tests assert it byte for byte.
//!
//! One document means one set of dimension values, so the breakdown by sink and event type is in the metric names
//! (`EventsPublished.SNS.ScoreChanged`) and the only dimension is the function's name, which keeps two stacks in one
//! account apart: 14 metrics per function, whatever the traffic, which keeps the custom-metric bill flat.

use super::Tally;
use serde::Serialize;
use std::collections::BTreeMap;

/// The CloudWatch namespace of every metric.
const NAMESPACE: &str = "ScoreFanout";
/// The dimension every metric carries: the function's name (`AWS_LAMBDA_FUNCTION_NAME`).
const FUNCTION_NAME: &str = "FunctionName";

impl Tally {
    /// The invocation's EMF document, one JSON line, with the dimension `FunctionName` when it is known: two stacks
    /// in one account publish to the same namespace, and only the dimension keeps their metrics (and alarms) apart.
    /// `unverified_destinations`, when init left some unchecked, is reported with it.
    pub(crate) fn document(
        &self,
        timestamp_ms: u64,
        function_name: Option<&str>,
        unverified_destinations: Option<u64>,
    ) -> String {
        let mut metrics = vec![
            (Metric::new("RecordsReceived", Unit::Count), self.records),
            (Metric::new("EntriesRetried", Unit::Count), self.entries_retried),
            (Metric::new("EntriesAlreadyAccepted", Unit::Count), self.entries_already_accepted),
            (Metric::new("RecordsFailed", Unit::Count), self.held),
            (Metric::new("RecordsDeadLettered", Unit::Count), self.parked),
        ];
        if let Some(deduplicated) = self.entries_deduplicated {
            metrics.push((Metric::new("EntriesDeduplicated", Unit::Count), deduplicated));
        }
        if let Some(age) = self.oldest_record_age_ms {
            metrics.push((Metric::new("OldestRecordAge", Unit::Milliseconds), age));
        }
        if let Some(count) = unverified_destinations {
            metrics.push((Metric::new("DestinationsUnverified", Unit::Count), count));
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

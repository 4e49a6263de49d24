//! CloudWatch Embedded Metric Format: what one invocation did, as metric documents written to stdout, which
//! CloudWatch turns into metrics without any API call. The EMF crates (metrics_cloudwatch_embedded) are built around
//! the process-wide `metrics` recorder; this set of metrics is small and fixed, and documents built per invocation
//! from plain counters can be asserted exactly.

use std::collections::BTreeMap;

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "ScoreFanout";

/// Where metric documents go: stdout in Lambda, a buffer in tests.
pub type MetricsOutput = Box<dyn Fn(&str) + Send + Sync>;

/// Metric documents printed to stdout, where Lambda's log capture hands them to CloudWatch.
pub fn stdout() -> MetricsOutput {
    Box::new(|document| println!("{document}"))
}

/// The counts of one invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchMetrics {
    pub records_received: u64,
    /// Events delivered, by (sink, event type).
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
    /// Counts one event delivered to one sink.
    pub fn count_published(&mut self, sink: &'static str, event_type: &'static str) {
        *self.published.entry((sink, event_type)).or_default() += 1;
    }

    /// The EMF documents: one with the batch's counts, one per (sink, event type) published.
    pub fn documents(&self, timestamp_ms: u64) -> Vec<String> {
        let mut metrics = vec![
            ("RecordsReceived", "Count", self.records_received),
            ("EntriesRetried", "Count", self.entries_retried),
            ("RecordsFailed", "Count", self.records_failed),
            ("RecordsDeadLettered", "Count", self.records_dead_lettered),
        ];
        metrics.extend(self.oldest_record_age_ms.map(|age| ("OldestRecordAge", "Milliseconds", age)));
        let mut batch =
            document(timestamp_ms, &[], &metrics.iter().map(|(name, unit, _)| (*name, *unit)).collect::<Vec<_>>());
        for (name, _, value) in &metrics {
            batch.insert((*name).to_owned(), (*value).into());
        }
        let mut documents = vec![serde_json::Value::Object(batch).to_string()];
        for ((sink, event_type), count) in &self.published {
            let mut published = document(timestamp_ms, &["Sink", "EventType"], &[("EventsPublished", "Count")]);
            published.insert("Sink".into(), (*sink).into());
            published.insert("EventType".into(), (*event_type).into());
            published.insert("EventsPublished".into(), (*count).into());
            documents.push(serde_json::Value::Object(published).to_string());
        }
        documents
    }
}

fn document(
    timestamp_ms: u64,
    dimensions: &[&str],
    metrics: &[(&str, &str)],
) -> serde_json::Map<String, serde_json::Value> {
    let definitions: Vec<serde_json::Value> =
        metrics.iter().map(|(name, unit)| serde_json::json!({"Name": name, "Unit": unit})).collect();
    let directive = serde_json::json!({"Namespace": NAMESPACE, "Dimensions": [dimensions], "Metrics": definitions});
    let mut map = serde_json::Map::new();
    map.insert("_aws".into(), serde_json::json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": [directive]}));
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_invocation_gives_one_batch_document_and_one_per_sink_and_event_type() {
        let mut metrics = BatchMetrics {
            records_received: 8,
            entries_retried: 2,
            records_failed: 1,
            records_dead_lettered: 1,
            oldest_record_age_ms: Some(1500),
            ..Default::default()
        };
        metrics.count_published("SNS", "ScoreChanged");
        metrics.count_published("SNS", "ScoreChanged");
        metrics.count_published("EventBridge", "PlayerAdded");
        let documents: Vec<serde_json::Value> =
            metrics.documents(1_795_510_800_000).iter().map(|d| serde_json::from_str(d).expect("JSON")).collect();
        assert_eq!(documents.len(), 3);
        assert_eq!(
            documents[0],
            json!({
                "_aws": {"Timestamp": 1_795_510_800_000u64, "CloudWatchMetrics": [{"Namespace": "ScoreFanout", "Dimensions": [[]],
                    "Metrics": [{"Name": "RecordsReceived", "Unit": "Count"}, {"Name": "EntriesRetried", "Unit": "Count"},
                        {"Name": "RecordsFailed", "Unit": "Count"}, {"Name": "RecordsDeadLettered", "Unit": "Count"},
                        {"Name": "OldestRecordAge", "Unit": "Milliseconds"}]}]},
                "RecordsReceived": 8, "EntriesRetried": 2, "RecordsFailed": 1, "RecordsDeadLettered": 1, "OldestRecordAge": 1500
            })
        );
        assert_eq!(
            documents[2],
            json!({
                "_aws": {"Timestamp": 1_795_510_800_000u64, "CloudWatchMetrics": [{"Namespace": "ScoreFanout",
                    "Dimensions": [["Sink", "EventType"]], "Metrics": [{"Name": "EventsPublished", "Unit": "Count"}]}]},
                "Sink": "SNS", "EventType": "ScoreChanged", "EventsPublished": 2
            })
        );
    }

    #[test]
    fn an_empty_batch_has_no_age_and_no_published_documents() {
        let documents = BatchMetrics::default().documents(1);
        assert_eq!(documents.len(), 1);
        assert!(!documents[0].contains("OldestRecordAge"));
    }
}

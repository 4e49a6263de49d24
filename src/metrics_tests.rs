//! The EMF document, byte for byte.

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
        r#"{"_aws":{"Timestamp":1795510800000,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[["FunctionName"]],"Metrics":["#,
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
        r#""FunctionName":"score-fanout-prod","EntriesRetried":2,"EventsPublished.EventBridge":1,"EventsPublished.EventBridge.PlayerAdded":1,"#,
        r#""EventsPublished.EventBridge.PlayerRemoved":0,"EventsPublished.EventBridge.ScoreChanged":0,"#,
        r#""EventsPublished.SNS":2,"EventsPublished.SNS.PlayerAdded":0,"EventsPublished.SNS.PlayerRemoved":0,"#,
        r#""EventsPublished.SNS.ScoreChanged":2,"OldestRecordAge":1500,"RecordsDeadLettered":1,"#,
        r#""RecordsFailed":1,"RecordsReceived":8}"#,
    );
    assert_eq!(metrics.document(1_795_510_800_000, Some("score-fanout-prod")), expected);
}

#[test]
fn a_batch_without_sinks_or_records_reports_its_counts_only() {
    let expected = concat!(
        r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[[]],"Metrics":["#,
        r#"{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},"#,
        r#"{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"}]}]},"#,
        r#""EntriesRetried":0,"RecordsDeadLettered":0,"RecordsFailed":0,"RecordsReceived":0}"#,
    );
    assert_eq!(BatchMetrics::default().document(1, None), expected);
}

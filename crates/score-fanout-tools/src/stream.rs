//! Reading a table's stream through the DynamoDB Streams API the way Lambda's event source mapping does, and
//! turning each record into exactly the JSON Lambda delivers.

use crate::mapping::{feed, Mapping, Report};
use crate::on_failure::{invocation_record, OnFailureBucket, OnFailureRecord, StreamBatchInfo};
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client;
use score_fanout::dead_letter::DeadLetter;
use score_fanout::errors::sdk_error_detail;
use score_fanout::publish::Publish;
use score_fanout::Handler;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// GetRecords returns at most this many records per call.
const MAX_GET_RECORDS: usize = 1000;

/// Why reading the stream failed.
#[derive(Debug, thiserror::Error)]
#[error("reading stream {stream_arn}: {operation} failed: {detail}")]
pub struct StreamError {
    stream_arn: String,
    operation: &'static str,
    detail: String,
}

/// Where reading a shard starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    TrimHorizon,
    Latest,
}

/// How to read a stream, like an event source mapping's settings.
pub struct Source<'a> {
    pub streams: &'a Client,
    pub stream_arn: &'a str,
    pub mapping: Mapping,
    pub start: StartingPosition,
    /// Keep polling for new records instead of returning once the stream is drained.
    pub follow: bool,
    /// Where skipped batches are kept whole (the template's `StreamFailureBucket`).
    pub on_failure: Option<&'a OnFailureBucket>,
}

/// Runs `handler` over every shard of the stream from `source.start`, in batches of `mapping.batch_size`. Returns
/// when a GetRecords call finds nothing new, or, with `follow`, keeps polling until the process is stopped.
pub async fn drive<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
) -> Result<Report, StreamError> {
    let stream_arn = source.stream_arn;
    let fail =
        |operation: &'static str, detail: String| StreamError { stream_arn: stream_arn.to_owned(), operation, detail };
    let client = source.streams;
    let description = client
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await
        .map_err(|e| fail("DescribeStream", sdk_error_detail(&e)))?;
    let shards: Vec<String> = description
        .stream_description()
        .map(|d| d.shards().iter().filter_map(|s| s.shard_id().map(str::to_owned)).collect())
        .unwrap_or_default();
    let iterator_type = match source.start {
        StartingPosition::TrimHorizon => ShardIteratorType::TrimHorizon,
        StartingPosition::Latest => ShardIteratorType::Latest,
    };
    let mut report = Report::default();
    for shard in shards {
        let request = client
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(&shard)
            .shard_iterator_type(iterator_type.clone());
        let mut iterator =
            request.send().await.map_err(|e| fail("GetShardIterator", sdk_error_detail(&e)))?.shard_iterator;
        while let Some(current) = iterator {
            let limit = source.mapping.batch_size.clamp(1, MAX_GET_RECORDS) as i32;
            let page = client
                .get_records()
                .shard_iterator(current)
                .limit(limit)
                .send()
                .await
                .map_err(|e| fail("GetRecords", sdk_error_detail(&e)))?;
            iterator = page.next_shard_iterator;
            if page.records.as_ref().is_none_or(Vec::is_empty) {
                if !source.follow {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            let records: Vec<Box<RawValue>> =
                page.records.unwrap_or_default().iter().map(|r| to_raw(r, stream_arn)).collect();
            let fed = feed(handler, records.clone(), source.mapping).await;
            record_skipped(source, &shard, &records, &fed).await?;
            report.extend(fed);
        }
    }
    Ok(report)
}

/// Writes an on-failure record, with the skipped records as its payload, for every batch the mapping skipped.
async fn record_skipped(
    source: &Source<'_>,
    shard: &str,
    records: &[Box<RawValue>],
    fed: &Report,
) -> Result<(), StreamError> {
    let Some(bucket) = source.on_failure else { return Ok(()) };
    for skipped in &fed.skipped {
        let arrival = |index: usize| arrival_of(&records[index]);
        let batch = StreamBatchInfo {
            shard_id: shard.to_owned(),
            start_sequence_number: skipped.first_sequence_number.clone().unwrap_or_default(),
            end_sequence_number: skipped.last_sequence_number.clone().unwrap_or_default(),
            approximate_arrival_of_first_record: arrival(skipped.from),
            approximate_arrival_of_last_record: arrival(skipped.to - 1),
            batch_size: skipped.records,
            stream_arn: source.stream_arn.to_owned(),
        };
        let invocations = source.mapping.max_retries as usize + 1;
        let payload = invocation_record(&records[skipped.from..skipped.to]);
        let now = chrono::Utc::now();
        let record = OnFailureRecord::retries_exhausted(batch, invocations, now, payload);
        bucket.put(&record, now).await.map_err(|e| StreamError {
            stream_arn: source.stream_arn.to_owned(),
            operation: "PutObject (on-failure destination)",
            detail: e.to_string(),
        })?;
    }
    Ok(())
}

/// A record's ApproximateCreationDateTime as RFC 3339, or "" when it has none.
fn arrival_of(record: &RawValue) -> String {
    let value: Value = serde_json::from_str(record.get()).unwrap_or(Value::Null);
    value["dynamodb"]["ApproximateCreationDateTime"]
        .as_f64()
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds as i64, 0))
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn to_raw(record: &Record, stream_arn: &str) -> Box<RawValue> {
    let json = lambda_record(record, stream_arn).to_string();
    // A serialized JSON value is always valid raw JSON.
    RawValue::from_string(json).unwrap_or_else(|_| unreachable!("serde_json output is JSON"))
}

/// The record as Lambda delivers it: the Streams API shape plus `eventSourceARN`, with absent fields left out.
pub fn lambda_record(record: &Record, stream_arn: &str) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("eventID", record.event_id().map(Value::from));
    put("eventName", record.event_name().map(|name| Value::from(name.as_str())));
    put("eventVersion", record.event_version().map(Value::from));
    put("eventSource", record.event_source().map(Value::from));
    put("awsRegion", record.aws_region().map(Value::from));
    put("dynamodb", record.dynamodb().map(stream_record));
    put(
        "userIdentity",
        record.user_identity().map(|id| json!({"type": id.r#type(), "principalId": id.principal_id()})),
    );
    put("eventSourceARN", Some(Value::from(stream_arn)));
    Value::Object(out)
}

fn stream_record(stream: &aws_sdk_dynamodbstreams::types::StreamRecord) -> Value {
    let mut out = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    };
    put("ApproximateCreationDateTime", stream.approximate_creation_date_time().map(|t| Value::from(t.secs())));
    put("Keys", stream.keys.as_ref().map(item));
    put("NewImage", stream.new_image.as_ref().map(item));
    put("OldImage", stream.old_image.as_ref().map(item));
    put("SequenceNumber", stream.sequence_number().map(Value::from));
    put("SizeBytes", stream.size_bytes().map(Value::from));
    put("StreamViewType", stream.stream_view_type().map(|view| Value::from(view.as_str())));
    Value::Object(out)
}

fn item(attributes: &HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(attributes.clone())).unwrap_or(Value::Null)
}

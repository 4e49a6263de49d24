//! Reading a table's stream through the DynamoDB Streams API the way Lambda's event source mapping does, and
//! turning each record into exactly the JSON Lambda delivers.

use crate::mapping::{feed, Mapping, Report};
use crate::on_failure::{invocation_record, OnFailureBucket, OnFailureRecord, StreamBatchInfo};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use aws_sdk_dynamodbstreams::Client;
use score_fanout::dead_letter::DeadLetter;
use score_fanout::errors::sdk_error_detail;
use score_fanout::publish::Publish;
use score_fanout::Handler;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

mod record;
mod shards;

pub use record::lambda_record;

/// GetRecords returns at most this many records per call.
const MAX_GET_RECORDS: usize = 1000;
/// Empty pages in a row that mean an open shard's tip: more than the few GetRecords may answer before the records
/// of a position.
const EMPTY_PAGES_AT_TIP: usize = 10;
/// How long `follow` waits at a tip, or for new shards, before asking again.
const FOLLOW_PAUSE: Duration = Duration::from_millis(250);

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

impl Source<'_> {
    fn fail(&self, operation: &'static str, detail: String) -> StreamError {
        StreamError { stream_arn: self.stream_arn.to_owned(), operation, detail }
    }
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

/// Runs `handler` over every shard of the stream from `source.start`, in batches of `mapping.batch_size`, the way
/// the event source mapping does: a parent shard to its end before its children (shards close and split), through
/// the empty pages GetRecords may answer before a position's records. Without `follow` it returns once every shard
/// is closed and read, or open and at its tip; with it, it keeps reading until the process is stopped.
pub async fn drive<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
) -> Result<Report, StreamError> {
    let mut report = Report::default();
    let mut done: HashSet<String> = HashSet::new();
    loop {
        let shards = shards::list(source).await?;
        let ready = shards::ready(&shards, &done);
        if ready.is_empty() {
            if !source.follow {
                return Ok(report);
            }
            // New shards appear when one closes and splits.
            tokio::time::sleep(FOLLOW_PAUSE).await;
            continue;
        }
        for shard in ready {
            report.extend(read_shard(source, handler, &shard).await?);
            done.insert(shard.id);
        }
    }
}

/// Reads one shard to its end (closed: no next iterator) or, without `follow`, to its tip (open: as many empty pages
/// in a row as [`EMPTY_PAGES_AT_TIP`]); runs the handler on every page's records.
async fn read_shard<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
    shard: &shards::Shard,
) -> Result<Report, StreamError> {
    let fail = |operation: &'static str, detail: String| source.fail(operation, detail);
    let iterator_type = match source.start {
        StartingPosition::TrimHorizon => ShardIteratorType::TrimHorizon,
        StartingPosition::Latest => ShardIteratorType::Latest,
    };
    let request = source.streams.get_shard_iterator().stream_arn(source.stream_arn).shard_id(&shard.id);
    let answer = request.shard_iterator_type(iterator_type).send().await;
    let mut iterator = answer.map_err(|e| fail("GetShardIterator", sdk_error_detail(&e)))?.shard_iterator;
    let (mut report, mut empty_pages) = (Report::default(), 0);
    let limit = source.mapping.batch_size.clamp(1, MAX_GET_RECORDS) as i32;
    while let Some(current) = iterator {
        let page = source.streams.get_records().shard_iterator(current).limit(limit).send().await;
        let page = page.map_err(|e| fail("GetRecords", sdk_error_detail(&e)))?;
        iterator = page.next_shard_iterator;
        let records: Vec<Box<RawValue>> =
            page.records.unwrap_or_default().iter().map(|r| record::to_raw(r, source.stream_arn)).collect();
        if records.is_empty() {
            empty_pages += 1;
            // "It might take multiple calls" (GetRecords): empty pages come before records, not only at the tip.
            if empty_pages >= EMPTY_PAGES_AT_TIP && !source.follow {
                break;
            }
            if empty_pages >= EMPTY_PAGES_AT_TIP {
                tokio::time::sleep(FOLLOW_PAUSE).await;
            }
            continue;
        }
        empty_pages = 0;
        let fed = feed(handler, records.clone(), source.mapping).await;
        record_skipped(source, &shard.id, &records, &fed).await?;
        report.extend(fed);
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

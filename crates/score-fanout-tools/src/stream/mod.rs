//! Reading a table's stream through the DynamoDB Streams API the way Lambda's event source mapping does, and
//! turning each record into exactly the JSON Lambda delivers.

use crate::mapping::{feed, Report};
use crate::on_failure::{invocation_record, OnFailureRecord, StreamBatchInfo};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use futures_util::stream::{FuturesUnordered, StreamExt};
use score_fanout::{sdk_error_detail, DeadLetter, Handler, Publish};
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::HashSet;
use std::time::Duration;

mod record;
mod shards;
mod source;

pub use record::lambda_record;
pub use source::{Source, StartingPosition, StreamError};

/// GetRecords returns at most this many records per call.
const MAX_GET_RECORDS: usize = 1000;
/// Empty pages in a row that mean an open shard's tip: more than the few GetRecords may answer before the records
/// of a position.
const EMPTY_PAGES_AT_TIP: usize = 10;
/// How long `follow` waits at a tip, or for new shards, before asking again.
const FOLLOW_PAUSE: Duration = Duration::from_millis(250);
/// How often `follow` lists the shards again while it reads, for the children of a split.
const RELIST_EVERY: Duration = Duration::from_secs(5);

/// Runs `handler` over every shard of the stream from `source.start`, in batches of `mapping.batch_size`, the way
/// the event source mapping does: a parent shard to its end before its children (shards close and split), through
/// the empty pages GetRecords may answer before a position's records. Without `follow` it reads the shards one
/// after another and returns once every shard is closed and read, or open and at its tip (whose children then wait
/// for another run); with it, it reads every open shard at once and keeps reading until the process is stopped.
pub async fn drive<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
) -> Result<Report, StreamError> {
    if source.follow {
        return follow(source, handler).await;
    }
    let mut report = Report::default();
    let (mut started, mut ended) = (HashSet::new(), HashSet::new());
    loop {
        let shards = shards::list(source).await?;
        let ready = shards::ready(&shards, &started, &ended);
        if ready.is_empty() {
            return Ok(report);
        }
        for shard in ready {
            started.insert(shard.id.clone());
            let (read, reached_end) = read_shard(source, handler, &shard).await?;
            report.extend(read);
            if reached_end {
                ended.insert(shard.id);
            }
        }
    }
}

/// Every open shard read at once, as the event source mapping does (one batch at a time per shard); the shard list
/// is read again whenever a shard ends and every [`RELIST_EVERY`], for the children of a split.
async fn follow<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
) -> Result<Report, StreamError> {
    let mut report = Report::default();
    let (mut started, mut ended) = (HashSet::new(), HashSet::new());
    let mut reading = FuturesUnordered::new();
    loop {
        let shards = shards::list(source).await?;
        for shard in shards::ready(&shards, &started, &ended) {
            started.insert(shard.id.clone());
            reading.push(async move { (read_shard(source, handler, &shard).await, shard.id) });
        }
        if reading.is_empty() {
            tokio::time::sleep(FOLLOW_PAUSE).await;
            continue;
        }
        if let Ok(Some((read, id))) = tokio::time::timeout(RELIST_EVERY, reading.next()).await {
            let (read, reached_end) = read?;
            report.extend(read);
            if reached_end {
                ended.insert(id);
            }
        }
    }
}

/// Reads one shard to its end (closed: no next iterator) or, for a shard open when listed and without `follow`, to
/// its tip (as many empty pages in a row as [`EMPTY_PAGES_AT_TIP`]); runs the handler on every page's records.
/// Also says whether the shard's end was reached.
async fn read_shard<P: Publish, D: DeadLetter>(
    source: &Source<'_>,
    handler: &Handler<P, D>,
    shard: &shards::Shard,
) -> Result<(Report, bool), StreamError> {
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
            // "It might take multiple calls" (GetRecords): empty pages come before records, not only at the tip. A
            // closed shard has no tip: it is read until it has no next iterator, however many pages are empty.
            empty_pages += 1;
            if empty_pages >= EMPTY_PAGES_AT_TIP && !shard.closed {
                if !source.follow {
                    return Ok((report, false));
                }
                tokio::time::sleep(FOLLOW_PAUSE).await;
            }
            continue;
        }
        empty_pages = 0;
        let fed = feed(handler, records.clone(), source.mapping).await;
        record_skipped(source, &shard.id, &records, &fed).await?;
        report.extend(fed);
    }
    Ok((report, true))
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
        let put = bucket.put(&record, now).await;
        put.map_err(|e| source.fail("PutObject (on-failure destination)", e.to_string()))?;
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

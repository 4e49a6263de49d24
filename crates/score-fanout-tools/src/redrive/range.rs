//! The stream redrive: each range recorded by the on-failure destination read again from the stream, exactly
//! those records, and run through the handler the way the event source mapping runs them.

use super::outcome::{Line, Outcome};
use super::queue::{Queue, RedriveError};
use crate::mapping::{feed, Mapping};
use crate::on_failure::{compare_sequence_numbers, OnFailureRecord, StreamBatchInfo};
use crate::stream::lambda_record;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use score_fanout::dead_letter::DeadLetter;
use score_fanout::decode::{decode, sequence_number_of};
use score_fanout::errors::sdk_error_detail;
use score_fanout::publish::Publish;
use score_fanout::Handler;
use serde_json::value::RawValue;
use std::cmp::Ordering;

/// Replays every range recorded in the on-failure queue from the stream through `handler`.
pub async fn redrive_stream<P: Publish, D: DeadLetter>(
    queue: &Queue<'_>,
    streams: &aws_sdk_dynamodbstreams::Client,
    handler: &Handler<P, D>,
    mapping: Mapping,
    dry_run: bool,
) -> Result<Vec<Line>, RedriveError> {
    queue
        .work_through(async |body| match serde_json::from_str::<OnFailureRecord>(body) {
            Err(error) => {
                Line { subject: "?".into(), outcome: Outcome::Kept(format!("not an on-failure record: {error}")) }
            }
            Ok(record) => redrive_range(&record.batch, streams, handler, mapping, dry_run).await,
        })
        .await
}

async fn redrive_range<P: Publish, D: DeadLetter>(
    batch: &StreamBatchInfo,
    streams: &aws_sdk_dynamodbstreams::Client,
    handler: &Handler<P, D>,
    mapping: Mapping,
    dry_run: bool,
) -> Line {
    let subject = format!("{} {}..{}", batch.shard_id, batch.start_sequence_number, batch.end_sequence_number);
    let records = match read_range(streams, batch).await {
        Ok(records) => records,
        Err(reason) => return Line { subject, outcome: Outcome::Kept(reason) },
    };
    let events = records.iter().filter(|r| decode(r).ok().and_then(|d| d.event).is_some()).count();
    if dry_run {
        return Line { subject, outcome: Outcome::WouldRedrive { records: records.len(), events } };
    }
    let count = records.len();
    let report = feed(handler, records, mapping).await;
    let outcome = match report.skipped.first() {
        None => Outcome::Redriven { records: count, events },
        Some(skipped) => Outcome::Kept(format!(
            "still failing from {}: {} record(s) not delivered (see the log)",
            skipped.first_sequence_number.as_deref().unwrap_or("?"),
            skipped.records
        )),
    };
    Line { subject, outcome }
}

/// Exactly the records of the range, as Lambda delivers them, or why they can no longer be read.
async fn read_range(
    streams: &aws_sdk_dynamodbstreams::Client,
    batch: &StreamBatchInfo,
) -> Result<Vec<Box<RawValue>>, String> {
    let iterator = streams
        .get_shard_iterator()
        .stream_arn(&batch.stream_arn)
        .shard_id(&batch.shard_id)
        .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
        .sequence_number(&batch.start_sequence_number)
        .send()
        .await;
    let mut iterator = match iterator {
        Ok(output) => output.shard_iterator,
        Err(error) => {
            let gone = error
                .as_service_error()
                .is_some_and(|e| e.is_trimmed_data_access_exception() || e.is_resource_not_found_exception());
            let why = if gone {
                "the range has left the stream (it keeps records 24 hours)"
            } else {
                "cannot read the stream"
            };
            return Err(format!("{why}: {}", sdk_error_detail(&error)));
        }
    };
    let mut records = Vec::new();
    let mut empty_pages = 0;
    while let Some(current) = iterator.take() {
        let page = streams.get_records().shard_iterator(current).limit(1000).send().await;
        let page = page.map_err(|e| format!("cannot read the stream: {}", sdk_error_detail(&e)))?;
        let stream_records = page.records.unwrap_or_default();
        empty_pages = if stream_records.is_empty() { empty_pages + 1 } else { 0 };
        for record in &stream_records {
            let sequence_number = record.dynamodb().and_then(|d| d.sequence_number()).unwrap_or_default();
            if compare_sequence_numbers(sequence_number, &batch.end_sequence_number) == Ordering::Greater {
                return first_checked(records, batch);
            }
            let json = lambda_record(record, &batch.stream_arn).to_string();
            records.extend(RawValue::from_string(json).ok());
        }
        // An open shard answers empty pages at its end; three in a row mean the range is all there is.
        if empty_pages < 3 {
            iterator = page.next_shard_iterator;
        }
    }
    first_checked(records, batch)
}

fn first_checked(records: Vec<Box<RawValue>>, batch: &StreamBatchInfo) -> Result<Vec<Box<RawValue>>, String> {
    let first = records.first().and_then(|r| sequence_number_of(r));
    if first.as_deref() == Some(batch.start_sequence_number.as_str()) {
        Ok(records)
    } else {
        Err(format!("record {} is no longer in the stream: the range has left it", batch.start_sequence_number))
    }
}

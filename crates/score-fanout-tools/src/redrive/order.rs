//! The order skipped batches are redriven in: stream order, which S3 keys do not give. Lambda names an object
//! `<time to the second>-<random UUID>`, so two objects of one shard written in the same second sort by chance. Within
//! a shard the order is the sequence numbers' (`DDBStreamBatchInfo.startSequenceNumber`, compared as the decimal
//! numbers they are: they grow in length). Across shards, only a parent and its children share keys: DynamoDB starts
//! writing to the children when the parent closes, so every record of a parent arrived before any of its children's.
//! The objects do not say which shard is whose parent, so shards are taken in the order their earliest skipped record
//! arrived (`approximateArrivalOfFirstRecord`), which puts a parent before its children; shards that are not related
//! hold different keys, and their relative order changes nothing a consumer sees.

use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// A skipped batch's object, placed in its stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placed {
    pub key: String,
    pub shard: String,
    /// `startSequenceNumber`.
    pub start: String,
    /// `approximateArrivalOfFirstRecord` (RFC 3339).
    pub first_arrival: String,
}

/// `objects` grouped by shard, in stream order: shards by their earliest record's arrival, then by id; each shard's
/// objects by sequence number, then by key.
pub fn in_stream_order(objects: Vec<Placed>) -> Vec<Vec<Placed>> {
    let mut shards: Vec<Vec<Placed>> = Vec::new();
    for object in objects {
        match shards.iter_mut().find(|shard| shard[0].shard == object.shard) {
            Some(shard) => shard.push(object),
            None => shards.push(vec![object]),
        }
    }
    for shard in &mut shards {
        shard.sort_by(|a, b| compare_sequence_numbers(&a.start, &b.start).then_with(|| a.key.cmp(&b.key)));
    }
    // An arrival time that does not parse sorts last: such an object was not written by Lambda.
    let earliest = |shard: &[Placed]| shard.iter().filter_map(|object| arrival(&object.first_arrival)).min();
    shards.sort_by_cached_key(|shard| {
        let earliest = earliest(shard);
        (earliest.is_none(), earliest, shard[0].shard.clone())
    });
    shards
}

/// Two sequence numbers compared as the decimal numbers they are (up to 40 digits: more than a `u128` holds).
pub fn compare_sequence_numbers(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn arrival(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
#[path = "order_tests.rs"]
mod tests;

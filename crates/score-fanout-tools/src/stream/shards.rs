//! A stream's shards and the order they are read in: shards close and split, and a child holds the records written
//! after its parent's, so a parent is read to its end before its children (as the event source mapping does).

use super::source::{Source, StreamError};
use score_fanout::sdk_error_detail;
use std::collections::HashSet;

/// One shard of the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Shard {
    pub(super) id: String,
    pub(super) parent: Option<String>,
    /// Closed when listed (it has an ending sequence number): it is read to its end, through any empty pages.
    pub(super) closed: bool,
}

/// Every shard of the stream, through DescribeStream's pages.
pub(super) async fn list(source: &Source<'_>) -> Result<Vec<Shard>, StreamError> {
    let mut shards = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let request = source.streams.describe_stream().stream_arn(source.stream_arn);
        let answer = request.set_exclusive_start_shard_id(after.take()).send().await;
        let description = answer.map_err(|e| source.fail("DescribeStream", sdk_error_detail(&e)))?.stream_description;
        let Some(description) = description else { return Ok(shards) };
        shards.extend(description.shards.unwrap_or_default().into_iter().filter_map(|shard| {
            let closed = shard.sequence_number_range.as_ref().and_then(|r| r.ending_sequence_number()).is_some();
            Some(Shard { id: shard.shard_id?, parent: shard.parent_shard_id, closed })
        }));
        match description.last_evaluated_shard_id {
            Some(last) => after = Some(last),
            None => return Ok(shards),
        }
    }
}

/// The shards to read next, in id order: not started yet, and whose parent was read to its end (closed) or is no
/// longer in the stream (its records have left it, or it was read in an earlier run).
pub(super) fn ready(shards: &[Shard], started: &HashSet<String>, ended: &HashSet<String>) -> Vec<Shard> {
    let listed: HashSet<&str> = shards.iter().map(|shard| shard.id.as_str()).collect();
    let mut ready: Vec<Shard> = shards
        .iter()
        .filter(|shard| !started.contains(&shard.id))
        .filter(|shard| shard.parent.as_deref().is_none_or(|parent| ended.contains(parent) || !listed.contains(parent)))
        .cloned()
        .collect();
    ready.sort_by(|a, b| a.id.cmp(&b.id));
    ready
}

#[cfg(test)]
#[path = "shards_tests.rs"]
mod tests;

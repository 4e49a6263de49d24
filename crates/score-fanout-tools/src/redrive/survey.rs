//! The first look at a skipped batch's object, before any is redriven: what its tag says was delivered, which sinks
//! it still lacks, whether it is this function's stream's, and where it belongs in the stream; so that the objects
//! can be redriven in stream order, and what needs nothing more is told at once.

use super::bucket::{Bucket, Tags};
use super::order::Placed;
use super::outcome::{Line, Outcome, RedriveError, Summary};
use super::redriver::Redriver;
use super::sinks::Sinks;
use crate::on_failure::{OnFailureRecord, KEY_PREFIX};
use indicatif::ProgressBar;
use std::collections::HashMap;

/// An object that still lacks some sinks, and what its tags say.
pub(super) struct Pending {
    pub(super) tags: Tags,
    pub(super) lacking: Sinks,
}

/// What a first look at an object found.
enum Survey {
    Done(Outcome),
    Pending(Placed, Pending),
    OtherStream,
}

/// What a first look at every object found.
#[derive(Default)]
pub(super) struct Surveyed {
    /// The objects to redrive, placed in their stream.
    pub(super) placed: Vec<Placed>,
    pub(super) pending: HashMap<String, Pending>,
    /// Shards with an object S3 could not serve, and its key: their other objects wait behind it.
    pub(super) unread: HashMap<String, String>,
    pub(super) other_streams: usize,
}

/// Looks at every object; what needs nothing more (done before, unreadable) gets its line now.
pub(super) async fn survey_all(
    bucket: &Bucket<'_>,
    keys: Vec<String>,
    redriver: &Redriver,
    summary: &mut Summary,
    progress: &ProgressBar,
) -> Surveyed {
    let mut surveyed = Surveyed::default();
    for key in keys {
        match survey(bucket, &key, redriver).await {
            Ok(Survey::Pending(object, lacks)) => {
                surveyed.pending.insert(object.key.clone(), lacks);
                surveyed.placed.push(object);
                continue;
            }
            Ok(Survey::OtherStream) => surveyed.other_streams += 1,
            Ok(Survey::Done(outcome)) => summary.lines.push(Line::new(&key, outcome)),
            Err(error) => {
                if let Some(shard) = shard_of_key(&key) {
                    surveyed.unread.entry(shard.to_owned()).or_insert_with(|| key.clone());
                }
                summary.lines.push(Line::new(&key, Outcome::Kept(format!("{error}: left as it was for a rerun"))));
            }
        }
        progress.inc(1);
    }
    surveyed
}

/// What an object needs, from its tags and its record's metadata.
async fn survey(bucket: &Bucket<'_>, key: &str, redriver: &Redriver) -> Result<Survey, RedriveError> {
    let tags = bucket.tags(key).await?;
    let config = redriver.config();
    let delivered = tags.redriven.as_ref().map(|redriven| redriven.delivered(config)).unwrap_or_default();
    let lacking = redriver.targets().without(delivered);
    if let (true, Some(redriven)) = (lacking.is_empty(), &tags.redriven) {
        let still = Sinks::of(config).without(delivered);
        let rest = if still.is_empty() { String::new() } else { format!("; {still} still lacks it") };
        let said = format!("already delivered to {delivered} {}: not sent again{rest}", redriven.at());
        return Ok(Survey::Done(Outcome::AlreadyRedriven(said)));
    }
    let record: OnFailureRecord = match serde_json::from_slice(&bucket.read(key).await?) {
        Ok(record) => record,
        Err(error) => {
            return Ok(Survey::Done(Outcome::Kept(format!(
                "not an on-failure record: {error}: kept for a human to read"
            ))))
        }
    };
    if bucket.stream_arn.is_some_and(|stream| stream != record.batch.stream_arn) {
        return Ok(Survey::OtherStream);
    }
    if record.payload.is_none() {
        let why = "no payload (an SQS or SNS destination's record holds none): kept for a human to read";
        return Ok(Survey::Done(Outcome::Kept(why.to_owned())));
    }
    let batch = record.batch;
    let placed = Placed {
        key: key.to_owned(),
        shard: batch.shard_id,
        start: batch.start_sequence_number,
        first_arrival: batch.approximate_arrival_of_first_record,
    };
    Ok(Survey::Pending(placed, Pending { tags, lacking }))
}

/// The shard an object's key names: `aws/lambda/<mapping UUID>/<shard id>/...`.
fn shard_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(KEY_PREFIX)?.split('/').nth(1)
}

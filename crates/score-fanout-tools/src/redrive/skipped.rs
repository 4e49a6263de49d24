//! The redrive of skipped batches: every object the event source mapping wrote to its S3 on-failure destination
//! holds its whole invocation record, so each of its records runs through the handler again, the way the mapping
//! runs them, whether or not the stream still holds them. A delivered object is tagged and never delivered again by
//! a rerun; an object without a readable payload, or one S3 cannot serve now, is kept and reported, never deleted.

use super::outcome::{Line, Outcome, RedriveError};
use super::Redriver;
use crate::mapping::{feed, Mapping};
use crate::on_failure::{OnFailureRecord, KEY_PREFIX};
use aws_sdk_s3::types::{Tag, Tagging};
use indicatif::ProgressBar;
use score_fanout::{sdk_error_detail, StreamEvent};

/// The tag an object gets once every record of it was delivered; its value is when.
pub const REDRIVEN_TAG: &str = "score-fanout-redriven";

/// The on-failure bucket (the template's `StreamFailureBucket`).
pub struct Bucket<'a> {
    pub s3: &'a aws_sdk_s3::Client,
    pub name: &'a str,
}

/// Redrives every skipped batch in `bucket` through `redriver` ([`Redriver::for_skipped`]), with a progress bar; a
/// dry run tags nothing.
pub async fn redrive_skipped(
    bucket: &Bucket<'_>,
    redriver: &Redriver,
    mapping: Mapping,
) -> Result<Vec<Line>, RedriveError> {
    let keys = bucket.keys().await?;
    let progress = ProgressBar::new(keys.len() as u64);
    let mut lines = Vec::with_capacity(keys.len());
    for key in keys {
        // One object S3 cannot serve now is reported, and the others are still redriven.
        let outcome = match bucket.redriven_at(&key).await {
            Ok(Some(at)) => Ok(Outcome::AlreadyRedriven(format!("already delivered {at}: not sent again"))),
            Ok(None) => redrive_object(bucket, &key, redriver, mapping).await,
            Err(error) => Err(error),
        };
        let outcome = outcome.unwrap_or_else(|error| Outcome::Kept(format!("{error}: left as it was for a rerun")));
        lines.push(Line { subject: key, outcome });
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(lines)
}

async fn redrive_object(
    bucket: &Bucket<'_>,
    key: &str,
    redriver: &Redriver,
    mapping: Mapping,
) -> Result<Outcome, RedriveError> {
    let records = match read_payload(&bucket.read(key).await?) {
        Ok(event) => event.records,
        Err(why) => return Ok(Outcome::Kept(format!("{why}: kept for a human to read"))),
    };
    let count = records.len();
    let report = feed(&redriver.handler, records, mapping).await;
    if let Some(skipped) = report.skipped.first() {
        let from = skipped.first_sequence_number.as_deref().unwrap_or("?");
        let why = format!("still failing from {from}: {} record(s) not delivered (see the log)", skipped.records);
        return Ok(Outcome::Kept(why));
    }
    let events = report.settled_events() as usize;
    if redriver.dry_run {
        return Ok(Outcome::WouldRedrive { records: count, events });
    }
    if let Err(error) = bucket.tag_redriven(key).await {
        return Ok(Outcome::Kept(format!("delivered, but not tagged ({error}): a rerun sends its events again")));
    }
    Ok(Outcome::Redriven { records: count, events })
}

/// The invocation record an on-failure object holds, or why there is none to redrive.
fn read_payload(body: &[u8]) -> Result<StreamEvent, String> {
    let record: OnFailureRecord = serde_json::from_slice(body).map_err(|e| format!("not an on-failure record: {e}"))?;
    let payload = record.payload.ok_or("no payload (an SQS or SNS destination's record holds none)")?;
    let event: StreamEvent = serde_json::from_str(&payload).map_err(|e| format!("payload is not an event: {e}"))?;
    if event.records.is_empty() {
        return Err("payload holds no records".to_owned());
    }
    Ok(event)
}

impl Bucket<'_> {
    fn fail(&self, operation: &'static str, detail: String) -> RedriveError {
        RedriveError { operation, resource: format!("s3://{}", self.name), detail }
    }

    /// Every object key Lambda's mappings wrote, in key order (by mapping, shard, then time).
    async fn keys(&self) -> Result<Vec<String>, RedriveError> {
        let mut keys = Vec::new();
        let mut pages = self.s3.list_objects_v2().bucket(self.name).prefix(KEY_PREFIX).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.fail("ListObjectsV2", sdk_error_detail(&e)))?;
            keys.extend(page.contents.unwrap_or_default().into_iter().filter_map(|object| object.key));
        }
        Ok(keys)
    }

    async fn read(&self, key: &str) -> Result<Vec<u8>, RedriveError> {
        let object = self.s3.get_object().bucket(self.name).key(key).send().await;
        let object = object.map_err(|e| self.fail("GetObject", format!("{key}: {}", sdk_error_detail(&e))))?;
        let body = object.body.collect().await.map_err(|e| self.fail("GetObject", format!("{key}: {e}")))?;
        Ok(body.into_bytes().to_vec())
    }

    /// When an earlier run redrove `key`, if one did.
    async fn redriven_at(&self, key: &str) -> Result<Option<String>, RedriveError> {
        let tags = self.s3.get_object_tagging().bucket(self.name).key(key).send().await;
        let tags = tags.map_err(|e| self.fail("GetObjectTagging", format!("{key}: {}", sdk_error_detail(&e))))?;
        Ok(tags.tag_set.into_iter().find(|tag| tag.key == REDRIVEN_TAG).map(|tag| tag.value))
    }

    async fn tag_redriven(&self, key: &str) -> Result<(), RedriveError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tag = Tag::builder().key(REDRIVEN_TAG).value(now).build();
        let tagging =
            Tagging::builder().tag_set(tag.map_err(|e| self.fail("PutObjectTagging", e.to_string()))?).build();
        let tagging = tagging.map_err(|e| self.fail("PutObjectTagging", e.to_string()))?;
        let request = self.s3.put_object_tagging().bucket(self.name).key(key).tagging(tagging);
        request.send().await.map_err(|e| self.fail("PutObjectTagging", format!("{key}: {}", sdk_error_detail(&e))))?;
        Ok(())
    }
}

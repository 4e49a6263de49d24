//! The redrive of skipped batches: every object the event source mapping wrote to its S3 on-failure destination
//! holds its whole invocation record, so each of its records runs through the handler again, the way the mapping
//! runs them, whether or not the stream still holds them, in stream order ([`super::order`]), to the sinks that
//! have not had them yet (the object's tag says which did: [`super::tag`]). An object without a readable payload,
//! or one S3 cannot serve now, is kept and reported, never deleted; and since a later batch of a shard must not
//! overtake an earlier one, every later object of a shard waits behind one that was not delivered.

use super::bucket::Bucket;
use super::order::in_stream_order;
use super::outcome::{Line, Outcome, Summary};
use super::redriver::Redriver;
use super::sinks::Sinks;
use super::survey::{survey_all, Pending, Surveyed};
use super::tag;
use crate::mapping::{feed, Mapping};
use crate::on_failure::OnFailureRecord;
use indicatif::ProgressBar;
use score_fanout::StreamEvent;

/// Redrives every skipped batch in `bucket` through `redriver` ([`Redriver::for_skipped`]), with a progress bar; a
/// dry run tags nothing.
pub async fn redrive_skipped(bucket: &Bucket<'_>, redriver: &Redriver, mapping: Mapping) -> Summary {
    let mut summary = Summary::default();
    let keys = match bucket.keys().await {
        Ok(keys) => keys,
        Err(error) => return Summary { stopped: Some(error), ..summary },
    };
    let progress = ProgressBar::new(keys.len() as u64);
    let surveyed = survey_all(bucket, keys, redriver, &mut summary, &progress).await;
    summary.notes.extend(notes(redriver, surveyed.other_streams, bucket.stream_arn));
    let Surveyed { placed, mut pending, unread, .. } = surveyed;
    for shard in in_stream_order(placed) {
        let mut held = unread.get(&shard[0].shard).cloned();
        for object in shard {
            let outcome = match (&held, pending.remove(&object.key)) {
                (Some(earlier), _) => Outcome::Kept(format!("held behind {earlier}, which was not delivered")),
                (None, Some(lacks)) => redrive_object(bucket, &object.key, &lacks, redriver, mapping).await,
                (None, None) => continue,
            };
            if matches!(outcome, Outcome::Kept(_)) {
                held.get_or_insert_with(|| object.key.clone());
            }
            summary.lines.push(Line::new(object.key, outcome));
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    summary
}

/// Delivers an object's records to the sinks it lacks, and tags it with them; or says why it is kept.
async fn redrive_object(
    bucket: &Bucket<'_>,
    key: &str,
    pending: &Pending,
    redriver: &Redriver,
    mapping: Mapping,
) -> Outcome {
    let records = match bucket.read(key).await.map(|body| read_payload(&body)) {
        Ok(Ok(event)) => event.records,
        Ok(Err(why)) => return Outcome::Kept(format!("{why}: kept for a human to read")),
        Err(error) => return Outcome::Kept(format!("{error}: left as it was for a rerun")),
    };
    let Some(handler) = redriver.handler(pending.lacking) else {
        return Outcome::Kept(format!("no handler for {}", pending.lacking));
    };
    let count = records.len();
    let report = feed(handler, records, mapping).await;
    if let Some(skipped) = report.skipped.first() {
        let from = skipped.first_sequence_number.as_deref().unwrap_or("?");
        return Outcome::Kept(format!(
            "still failing from {from}: {} record(s) not delivered (see the log)",
            skipped.records
        ));
    }
    let (events, to) = (report.settled_events() as usize, pending.lacking);
    if redriver.dry_run() {
        return Outcome::WouldRedrive { records: count, events, to };
    }
    let config = redriver.config();
    let before = pending.tags.redriven.as_ref().map(|redriven| redriven.delivered(config)).unwrap_or_default();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if let Err(error) = bucket.tag(key, &pending.tags, tag::value(before.union(to), config, &now)).await {
        return Outcome::Kept(format!("delivered to {to}, but not tagged ({error}): a rerun sends its events again"));
    }
    Outcome::Redriven { records: count, events, to }
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

fn notes(redriver: &Redriver, other_streams: usize, stream: Option<&str>) -> Vec<String> {
    let mut notes = Vec::new();
    if other_streams > 0 {
        let stream = stream.unwrap_or_default();
        notes
            .push(format!("{other_streams} object(s) of another stream than {stream} left alone: not this function's"));
    }
    let left_out = Sinks::of(redriver.config()).without(redriver.targets());
    if !left_out.is_empty() && !redriver.dry_run() {
        notes.push(format!(
            "--only {}: {left_out} did not get these events; a run without --only delivers them there, and only there",
            redriver.targets()
        ));
    }
    notes
}

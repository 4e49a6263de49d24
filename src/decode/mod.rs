//! Pure decoding: one raw stream record in, what happened to the player row out. No I/O, no logging.

use aws_lambda_events::dynamodb::{EventRecord, StreamViewType};
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use score_fanout_events::{
    DomainEvent, EventMeta, PlayerAdded, PlayerRemoved, PlayerScore, RemovalReason, ScoreChanged, SCHEMA_VERSION,
};
use serde::Deserialize;
use serde_json::value::RawValue;

mod error;
pub use error::{DecodeError, RecordName};

/// The principal DynamoDB's time to live deletes items as.
const TTL_PRINCIPAL: &str = "dynamodb.amazonaws.com";

/// What a stream record says happened to a player row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// INSERT: a new row.
    Added(PlayerScore),
    /// MODIFY with another score.
    ScoreChanged {
        /// The row before.
        old: PlayerScore,
        /// The row after.
        new: PlayerScore,
    },
    /// A MODIFY that left the score as it was: nothing to publish.
    ScoreUnchanged(PlayerScore),
    /// REMOVE: deleted, or expired by the table's time to live.
    Removed {
        /// The row as it was.
        old: PlayerScore,
        /// Deleted or expired.
        reason: RemovalReason,
    },
}

/// A decoded record: its checkpoint name, what changed, and the event to publish (if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The record's sequence number: what a checkpoint names.
    pub sequence_number: String,
    /// The record's ApproximateCreationDateTime.
    pub created: DateTime<Utc>,
    /// What happened to the row.
    pub change: Change,
    /// The event to publish; none for a MODIFY that left the score as it was.
    pub event: Option<DomainEvent>,
}

/// Decodes one record exactly as Lambda delivered it.
pub fn decode(raw: &RawValue) -> Result<Decoded, DecodeError> {
    // The plain deserializer first: serde_path_to_error allocates for every key it passes, and is only needed to
    // name the field of a record that does not parse (the same deserializer then fails the same way).
    let mut record: EventRecord = match serde_json::from_str(raw.get()) {
        Ok(record) => record,
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_str(raw.get());
            serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
                let field = field_path(&error.path().to_string(), &error.inner().to_string());
                let record = RecordName(sequence_number_of(raw));
                DecodeError::NotAStreamRecord { record, field, source: error.into_inner() }
            })?
        }
    };
    let name = RecordName(record.change.sequence_number.clone());
    let sequence_number = record
        .change
        .sequence_number
        .clone()
        .ok_or(DecodeError::MissingField { record: name.clone(), field: "dynamodb.SequenceNumber" })?;
    let change = classify(&mut record, raw, &name)?;
    let meta = event_meta(&record, &name)?;
    let event = to_event(&change, meta);
    let created = with_fraction_fixed(record.change.approximate_creation_date_time);
    Ok(Decoded { sequence_number, created, change, event })
}

/// Best-effort sequence number of a record, even one that does not parse as a stream record.
pub fn sequence_number_of(raw: &RawValue) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Partial {
        dynamodb: PartialStream,
    }
    #[derive(serde::Deserialize)]
    struct PartialStream {
        #[serde(rename = "SequenceNumber")]
        sequence_number: String,
    }
    serde_json::from_str::<Partial>(raw.get()).ok().map(|partial| partial.dynamodb.sequence_number)
}

/// Classifies the change; the images are taken out of `record` (they are not needed after).
fn classify(record: &mut EventRecord, raw: &RawValue, name: &RecordName) -> Result<Change, DecodeError> {
    match record.event_name.as_str() {
        "INSERT" => Ok(Change::Added(image(record, raw, name, Image::New, "INSERT")?)),
        "MODIFY" => {
            let old = image(record, raw, name, Image::Old, "MODIFY")?;
            let new = image(record, raw, name, Image::New, "MODIFY")?;
            if old.score == new.score {
                Ok(Change::ScoreUnchanged(new))
            } else {
                Ok(Change::ScoreChanged { old, new })
            }
        }
        "REMOVE" => {
            let old = image(record, raw, name, Image::Old, "REMOVE")?;
            Ok(Change::Removed { old, reason: removal_reason(record) })
        }
        other => Err(DecodeError::UnknownEventName { record: name.clone(), name: other.to_owned() }),
    }
}

#[derive(Clone, Copy)]
enum Image {
    Old,
    New,
}

fn image(
    record: &mut EventRecord,
    raw: &RawValue,
    name: &RecordName,
    which: Image,
    event_name: &'static str,
) -> Result<PlayerScore, DecodeError> {
    let (item, image) = match which {
        Image::Old => (&mut record.change.old_image, "OldImage"),
        Image::New => (&mut record.change.new_image, "NewImage"),
    };
    if item.is_empty() {
        let view =
            record.change.stream_view_type.as_ref().map_or_else(|| "not given".to_owned(), StreamViewType::to_string);
        return Err(DecodeError::MissingImage { record: name.clone(), image, event_name, view });
    }
    let item = serde_dynamo::AttributeValue::M(std::mem::take(item).into());
    // As for the record: the path is tracked only when the plain deserializer fails, on the image decoded again
    // from the raw record (the plain deserializer consumed this one).
    if let Ok(row) = PlayerScore::deserialize(serde_dynamo::Deserializer::from_attribute_value(item)) {
        return Ok(row);
    }
    let again: EventRecord = serde_json::from_str(raw.get()).map_err(|source| DecodeError::NotAStreamRecord {
        record: name.clone(),
        field: "dynamodb".into(),
        source,
    })?;
    let item = match which {
        Image::Old => again.change.old_image,
        Image::New => again.change.new_image,
    };
    let value = serde_dynamo::AttributeValue::M(item.into());
    serde_path_to_error::deserialize(serde_dynamo::Deserializer::from_attribute_value(value)).map_err(|error| {
        let field = field_path(&error.path().to_string(), &error.inner().to_string());
        DecodeError::BadImage { record: name.clone(), image, field, source: error.into_inner() }
    })
}

/// The dotted path of the field an error is about. serde reports a missing field at its parent's path (`.` for
/// the top), naming the field only in the message: put it back on the path.
fn field_path(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    match missing {
        Some(field) if parent.is_empty() => field.to_owned(),
        Some(field) => format!("{parent}.{field}"),
        None if parent.is_empty() => "(the record itself)".to_owned(),
        None => parent.to_owned(),
    }
}

fn removal_reason(record: &EventRecord) -> RemovalReason {
    let by_ttl = record.user_identity.as_ref().is_some_and(|identity| identity.principal_id == TTL_PRINCIPAL);
    if by_ttl {
        RemovalReason::Expired
    } else {
        RemovalReason::Deleted
    }
}

fn event_meta(record: &EventRecord, name: &RecordName) -> Result<EventMeta, DecodeError> {
    if record.event_id.is_empty() {
        return Err(DecodeError::MissingField { record: name.clone(), field: "eventID" });
    }
    let created = record.change.approximate_creation_date_time;
    // aws_lambda_events fills a missing timestamp with the epoch; no real stream record is that old.
    if created == DateTime::<Utc>::UNIX_EPOCH {
        return Err(DecodeError::MissingField { record: name.clone(), field: "dynamodb.ApproximateCreationDateTime" });
    }
    Ok(EventMeta {
        event_id: record.event_id.clone(),
        occurred_at: with_fraction_fixed(created).to_rfc3339_opts(SecondsFormat::AutoSi, true),
        schema_version: SCHEMA_VERSION.to_owned(),
    })
}

/// aws_lambda_events 1.2 reads a fractional timestamp's fraction as millionths but stores it as nanoseconds
/// (1.25 s becomes 1.00000025 s); scale it back to the microseconds it really is. A test pins this.
fn with_fraction_fixed(time: DateTime<Utc>) -> DateTime<Utc> {
    let misread_nanos = time.timestamp_subsec_nanos();
    time.with_nanosecond(misread_nanos.saturating_mul(1_000)).unwrap_or(time)
}

fn to_event(change: &Change, meta: EventMeta) -> Option<DomainEvent> {
    let event = match change {
        Change::Added(row) => DomainEvent::PlayerAdded(PlayerAdded {
            meta,
            player_id: row.player_id.clone(),
            date: row.date.clone(),
            score: row.score.get(),
        }),
        Change::ScoreChanged { old, new } => DomainEvent::ScoreChanged(ScoreChanged {
            meta,
            player_id: new.player_id.clone(),
            date: new.date.clone(),
            old_score: old.score.get(),
            new_score: new.score.get(),
            delta: new.score.get() - old.score.get(),
        }),
        Change::ScoreUnchanged(_) => return None,
        Change::Removed { old, reason } => DomainEvent::PlayerRemoved(PlayerRemoved {
            meta,
            player_id: old.player_id.clone(),
            date: old.date.clone(),
            score: old.score.get(),
            reason: *reason,
        }),
    };
    Some(event)
}

#[cfg(test)]
mod tests;

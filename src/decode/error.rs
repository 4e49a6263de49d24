//! Decode errors: each names the record (its sequence number) and the field.

use std::fmt;

/// A record's sequence number, when it has one; displayed as the record's name in errors and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordName(pub Option<String>);

impl fmt::Display for RecordName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(sequence_number) => write!(f, "record {sequence_number}"),
            None => f.write_str("record without SequenceNumber"),
        }
    }
}

/// Why a record can never become a domain event. Permanent: retrying cannot help.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The record does not have the shape of a DynamoDB stream record.
    #[error("{record}: not a DynamoDB stream record: field {field}: {source}")]
    NotAStreamRecord {
        /// The record.
        record: RecordName,
        /// The field at fault, as a dotted path.
        field: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A field every record of the table must have is missing.
    #[error("{record}: field {field} is missing")]
    MissingField {
        /// The record.
        record: RecordName,
        /// The missing field.
        field: &'static str,
    },
    /// `eventName` is none of INSERT, MODIFY and REMOVE.
    #[error("{record}: field eventName: unknown value {name:?} (expected INSERT, MODIFY or REMOVE)")]
    UnknownEventName {
        /// The record.
        record: RecordName,
        /// The value found.
        name: String,
    },
    /// The image the event type needs is missing (a KEYS_ONLY or NEW_IMAGE stream).
    #[error("{record}: field dynamodb.{image} is missing for {event_name} (stream view type {view})")]
    MissingImage {
        /// The record.
        record: RecordName,
        /// `OldImage` or `NewImage`.
        image: &'static str,
        /// The record's event name.
        event_name: &'static str,
        /// The stream view type the record names.
        view: String,
    },
    /// An image is not a `PlayerScore`.
    #[error("{record}: field dynamodb.{image}.{field}: {source}")]
    BadImage {
        /// The record.
        record: RecordName,
        /// `OldImage` or `NewImage`.
        image: &'static str,
        /// The attribute at fault.
        field: String,
        /// serde_dynamo's error.
        #[source]
        source: serde_dynamo::Error,
    },
}

impl DecodeError {
    /// The record the error is about.
    pub fn record(&self) -> &RecordName {
        match self {
            Self::NotAStreamRecord { record, .. }
            | Self::MissingField { record, .. }
            | Self::UnknownEventName { record, .. }
            | Self::MissingImage { record, .. }
            | Self::BadImage { record, .. } => record,
        }
    }
}

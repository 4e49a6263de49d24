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
    #[error("{record}: not a DynamoDB stream record: field {field}: {source}")]
    NotAStreamRecord {
        record: RecordName,
        field: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{record}: field {field} is missing")]
    MissingField { record: RecordName, field: &'static str },
    #[error("{record}: field eventName: unknown value {name:?} (expected INSERT, MODIFY or REMOVE)")]
    UnknownEventName { record: RecordName, name: String },
    #[error("{record}: field dynamodb.{image} is missing for {event_name} (stream view type {view})")]
    MissingImage { record: RecordName, image: &'static str, event_name: &'static str, view: String },
    #[error("{record}: field dynamodb.{image}.{field}: {source}")]
    BadImage {
        record: RecordName,
        image: &'static str,
        field: String,
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

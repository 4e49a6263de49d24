//! The SNS sink: one `PublishBatch` entry per domain event, with the attributes subscribers filter on.

use super::sns_query::{self, BatchResult, Failure};
use super::wire::{self, Service, SharedTransport};
use super::{EntryError, Prepared, Sink};
use crate::config::Topic;
use crate::domain::DomainEvent;
use sha2::{Digest, Sha256};

const SINK: &str = "SNS";
/// The name requests to SNS are signed for.
pub const SIGNING_NAME: &str = "sns";
/// SNS message group ids: 1-128 characters, letters, digits and ASCII punctuation.
const MAX_GROUP_ID_LEN: usize = 128;
/// Both message attributes are of SNS type `String`.
const STRING: &str = "String";

/// One `PublishBatch` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsEntry {
    /// Unique within the request: `e` and the event's index in the invocation.
    pub id: String,
    /// The event's JSON document.
    pub message: String,
    /// Attribute `eventType`.
    pub event_type: &'static str,
    /// Attribute `playerId`.
    pub player_id: String,
    /// FIFO topics only: the message group (the player) and the deduplication id (the eventId).
    pub group: Option<String>,
    pub deduplication_id: Option<String>,
}

/// Publishes to one topic, standard or FIFO.
pub struct SnsSink {
    transport: SharedTransport,
    service: Service,
    topic: Topic,
}

impl SnsSink {
    /// A sink for `topic`.
    pub fn new(transport: SharedTransport, service: Service, topic: Topic) -> Self {
        Self { transport, service, topic }
    }

    /// The `PublishBatch` entry for `event`; `index` makes its batch entry id unique within the invocation.
    pub fn to_entry(&self, event: &DomainEvent, index: usize) -> SnsEntry {
        let fifo = self.topic.fifo;
        SnsEntry {
            id: format!("e{index}"),
            message: event.to_json(),
            event_type: event.name(),
            player_id: event.player_id().to_owned(),
            group: fifo.then(|| message_group_id(event.player_id())),
            deduplication_id: fifo.then(|| event.meta().event_id.clone()),
        }
    }
}

/// The player id when SNS accepts it as a message group id, else its SHA-256 in hex (64 valid characters).
pub fn message_group_id(player_id: &str) -> String {
    let valid = (1..=MAX_GROUP_ID_LEN).contains(&player_id.len())
        && player_id.chars().all(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation());
    if valid {
        player_id.to_owned()
    } else {
        Sha256::digest(player_id.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The entry's share of the 256 KiB aggregate payload: the message plus its attributes' names, types and values.
pub fn entry_size(entry: &SnsEntry) -> usize {
    payload_size(entry.message.len(), entry.event_type, &entry.player_id)
}

fn payload_size(message_len: usize, event_type: &str, player_id: &str) -> usize {
    let attributes = "eventType".len() + STRING.len() + event_type.len();
    message_len + attributes + "playerId".len() + STRING.len() + player_id.len()
}

fn outcome(id: &str, result: &BatchResult) -> Result<(), EntryError> {
    if let Some(Failure { code, message, sender_fault, .. }) = result.failed.iter().find(|error| error.id == id) {
        let (code, message) = (code.clone(), message.clone());
        // SenderFault: the entry itself is at fault (invalid parameter, too large...): resending cannot help.
        return if *sender_fault {
            Err(EntryError::Rejected { sink: SINK, code, message })
        } else {
            Err(EntryError::Failed { sink: SINK, code, message })
        };
    }
    if result.successful.iter().any(|successful| successful == id) {
        Ok(())
    } else {
        Err(EntryError::Failed {
            sink: SINK,
            code: "NoResult".into(),
            message: "the response did not list the entry".into(),
        })
    }
}

impl Sink for SnsSink {
    type Entry = SnsEntry;

    fn name(&self) -> &'static str {
        SINK
    }

    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry> {
        let entry = self.to_entry(event, index);
        let group = entry.group.clone();
        Prepared { size: entry_size(&entry), entry, group }
    }

    fn measure(&self, event: &DomainEvent, json_len: usize, _index: usize) -> Prepared<()> {
        let size = payload_size(json_len, event.name(), event.player_id());
        Prepared { size, entry: (), group: self.topic.fifo.then(|| message_group_id(event.player_id())) }
    }

    async fn send(&self, entries: Vec<Self::Entry>) -> Vec<Result<(), EntryError>> {
        let body = sns_query::request_body(&self.topic.arn, &entries);
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let answer = wire::post(&self.transport, &self.service, &headers, body).await;
        match answer.and_then(sns_query::read_answer) {
            Ok(result) => entries.iter().map(|entry| outcome(&entry.id, &result)).collect(),
            Err(error) => vec![Err(EntryError::request(SINK, error)); entries.len()],
        }
    }
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;

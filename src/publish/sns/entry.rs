//! One SNS `PublishBatch` entry per event: the message, the attributes subscribers filter on, and on a FIFO topic
//! its message group and deduplication id; and the entry's share of the request's size limit.

use sha2::{Digest, Sha256};

/// SNS message group ids: 1-128 characters, letters, digits and ASCII punctuation.
const MAX_GROUP_ID_LEN: usize = 128;
/// Both message attributes are of SNS type `String`.
pub(super) const STRING: &str = "String";

/// One `PublishBatch` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnsEntry {
    /// Unique within the request: `e` and the event's index in the invocation.
    pub id: String,
    /// The event's JSON document.
    pub message: String,
    /// Attribute `eventType`.
    pub event_type: &'static str,
    /// Attribute `playerId`: the player id, each character SQS refuses as the six-character text `\uXXXX`.
    pub player_id: String,
    /// Attribute `schemaVersion`, so that a filter policy can pin the version a subscriber reads.
    pub schema_version: String,
    /// FIFO topics only: the message group (the player, [`message_group_id`] of the player id as stored).
    pub group: Option<String>,
    /// FIFO topics only: the deduplication id.
    pub deduplication_id: Option<String>,
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

impl SnsEntry {
    /// The entry's share of the 256 KiB aggregate payload: the message plus its attributes' names, types and values.
    pub fn size(&self) -> usize {
        payload_size(self.message.len(), self.event_type, &self.player_id, &self.schema_version)
    }
}

pub(super) fn payload_size(message_len: usize, event_type: &str, player_id: &str, schema_version: &str) -> usize {
    let attribute = |name: &str, value: &str| name.len() + STRING.len() + value.len();
    message_len
        + attribute("eventType", event_type)
        + attribute("playerId", player_id)
        + attribute("schemaVersion", schema_version)
}

//! The SNS sink: one `PublishBatch` entry per domain event, with the attributes subscribers filter on.

use super::{EntryError, Prepared, Sink};
use crate::config::Topic;
use crate::domain::DomainEvent;
use aws_sdk_sns::types::{
    BatchResultErrorEntry, MessageAttributeValue, PublishBatchRequestEntry, PublishBatchResultEntry,
};
use aws_sdk_sns::Client;
use sha2::{Digest, Sha256};

const SINK: &str = "SNS";
/// SNS message group ids: 1-128 characters, letters, digits and ASCII punctuation.
const MAX_GROUP_ID_LEN: usize = 128;

/// Publishes to one topic, standard or FIFO.
pub struct SnsSink {
    client: Client,
    topic: Topic,
}

impl SnsSink {
    /// A sink for `topic`.
    pub fn new(client: Client, topic: Topic) -> Self {
        Self { client, topic }
    }

    /// The `PublishBatch` entry for `event`; `index` makes its batch entry id unique within the invocation.
    pub fn to_entry(&self, event: &DomainEvent, index: usize) -> PublishBatchRequestEntry {
        let builder = PublishBatchRequestEntry::builder()
            .id(format!("e{index}"))
            .message(event.to_json())
            .message_attributes("eventType", string_attribute(event.name()))
            .message_attributes("playerId", string_attribute(event.player_id()));
        let builder = if self.topic.fifo {
            builder
                .message_group_id(message_group_id(event.player_id()))
                .message_deduplication_id(&event.meta().event_id)
        } else {
            builder
        };
        // Only `id` and `message` are required, and both are always set.
        builder.build().unwrap_or_else(|_| unreachable!("id and message are set"))
    }
}

fn string_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .unwrap_or_else(|_| unreachable!("data_type is set"))
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
pub fn entry_size(entry: &PublishBatchRequestEntry) -> usize {
    let attributes: usize = entry
        .message_attributes()
        .map(|attributes| {
            attributes
                .iter()
                .map(|(name, value)| name.len() + value.data_type().len() + value.string_value().map_or(0, str::len))
                .sum()
        })
        .unwrap_or(0);
    entry.message().len() + attributes
}

fn outcome(
    id: &str,
    successful: &[PublishBatchResultEntry],
    failed: &[BatchResultErrorEntry],
) -> Result<(), EntryError> {
    if let Some(error) = failed.iter().find(|error| error.id() == id) {
        let code = error.code().to_owned();
        let message = error.message().unwrap_or_default().to_owned();
        // SenderFault: the entry itself is at fault (invalid parameter, too large...): resending cannot help.
        return if error.sender_fault() {
            Err(EntryError::Rejected { sink: SINK, code, message })
        } else {
            Err(EntryError::Failed { sink: SINK, code, message })
        };
    }
    if successful.iter().any(|entry| entry.id() == Some(id)) {
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
    type Entry = PublishBatchRequestEntry;

    fn name(&self) -> &'static str {
        SINK
    }

    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry> {
        let entry = self.to_entry(event, index);
        let group = entry.message_group_id().map(str::to_owned);
        Prepared { size: entry_size(&entry), entry, group }
    }

    async fn send(&self, entries: Vec<Self::Entry>) -> Vec<Result<(), EntryError>> {
        let ids: Vec<String> = entries.iter().map(|entry| entry.id().to_owned()).collect();
        let request =
            self.client.publish_batch().topic_arn(&self.topic.arn).set_publish_batch_request_entries(Some(entries));
        match request.send().await {
            Ok(output) => ids.iter().map(|id| outcome(id, output.successful(), output.failed())).collect(),
            Err(error) => vec![Err(EntryError::request(SINK, error)); ids.len()],
        }
    }
}

#[cfg(test)]
#[path = "sns_tests.rs"]
mod tests;

//! The SNS sink: one `PublishBatch` entry per domain event, with the attributes subscribers filter on.

mod entry;
mod query;

pub use entry::{message_group_id, SnsEntry};

use super::sink::{Call, EntryError, Prepared, Sink};
use super::wire::{self, Service, SharedTransport, WireError};
use crate::sqs_text;
use entry::payload_size;
use query::{BatchResult, Failure};
use score_fanout_events::DomainEvent;

pub(crate) const SINK: &str = "SNS";
/// The name requests to SNS are signed for.
pub const SIGNING_NAME: &str = "sns";

/// Publishes to one topic, standard or FIFO.
pub struct SnsSink {
    transport: SharedTransport,
    service: Service,
    topic_arn: String,
    /// A FIFO topic orders each message group and deduplicates.
    fifo: bool,
}

impl SnsSink {
    /// A sink for the topic `topic_arn`, FIFO or not.
    pub fn new(transport: SharedTransport, service: Service, topic_arn: impl Into<String>, fifo: bool) -> Self {
        Self { transport, service, topic_arn: topic_arn.into(), fifo }
    }

    /// The topic, as `TOPIC_ARN` gives it.
    pub(crate) fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// Whether the topic is there: `GetTopicAttributes`, answered within `timeout`. Through the publishing transport,
    /// so that the connection it opens serves the first publish.
    pub(crate) async fn describe_topic(&self, timeout: std::time::Duration) -> Result<(), WireError> {
        let mut body = b"Action=GetTopicAttributes&Version=2010-03-31&TopicArn=".to_vec();
        query::append_encoded(&mut body, &self.topic_arn);
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let answer = wire::post(&self.transport, &self.service, &headers, body, timeout).await?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(query::error_answer(answer))
        }
    }

    /// The `PublishBatch` entry for `event`; `index` makes its batch entry id unique within the invocation. The
    /// message and the attributes are written as SQS accepts them ([`sqs_text`]), since SNS delivers to queues.
    pub fn to_entry(&self, event: &DomainEvent, index: usize) -> SnsEntry {
        let fifo = self.fifo;
        SnsEntry {
            id: format!("e{index}"),
            message: sqs_text::to_json(event),
            event_type: event.name(),
            player_id: sqs_text::attribute_text(event.player_id()).into_owned(),
            schema_version: sqs_text::attribute_text(&event.meta().schema_version).into_owned(),
            group: fifo.then(|| message_group_id(event.player_id())),
            deduplication_id: fifo.then(|| event.meta().event_id.clone()),
        }
    }
}

/// An entry's result: its error code's class ([`crate::publish::classify`]; `SenderFault` is true for permission
/// and KMS errors too, so it decides nothing), or delivered.
fn outcome(id: &str, result: &BatchResult) -> Result<(), EntryError> {
    let request_id = result.request_id.clone();
    if let Some(Failure { code, message, .. }) = result.failed.iter().find(|error| error.id == id) {
        return Err(EntryError::for_entry(SINK, code.clone(), message.clone(), request_id));
    }
    if result.successful.iter().any(|successful| successful == id) {
        Ok(())
    } else {
        let message = "the response did not list the entry".into();
        Err(EntryError::Failed { sink: SINK, code: "NoResult".into(), message, request_id })
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
        Prepared { size: entry.size(), entry, group }
    }

    fn measure(&self, event: &DomainEvent, json_len: usize, _index: usize) -> Prepared<()> {
        let player_id = sqs_text::attribute_text(event.player_id());
        let schema_version = sqs_text::attribute_text(&event.meta().schema_version);
        let size = payload_size(json_len, event.name(), &player_id, &schema_version);
        Prepared { size, entry: (), group: self.fifo.then(|| message_group_id(event.player_id())) }
    }

    async fn send(&self, entries: Vec<Self::Entry>, call: &Call<'_>) -> Vec<Result<(), EntryError>> {
        let body = query::request_body(&self.topic_arn, &entries);
        let content_type = ("content-type", "application/x-www-form-urlencoded");
        // SNS takes the X-Ray context from the publishing request's header and carries it on to its deliveries.
        let headers: Vec<(&str, &str)> = match call.trace_header {
            Some(trace) => vec![content_type, (wire::TRACE_HEADER, trace)],
            None => vec![content_type],
        };
        let answer = wire::post(&self.transport, &self.service, &headers, body, call.timeout).await;
        match answer.and_then(query::read_answer) {
            Ok(result) => entries.iter().map(|entry| outcome(&entry.id, &result)).collect(),
            Err(error) => vec![Err(EntryError::for_request(SINK, error, entries.len())); entries.len()],
        }
    }
}

#[cfg(test)]
mod tests;

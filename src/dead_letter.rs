//! Parking poison in the dead-letter queue: the record exactly as received (the characters SQS refuses escaped, so
//! that it parses to the same value), its event, and why.

use score_fanout_events::DomainEvent;
use serde::Serialize;
use serde_json::value::RawValue;
use std::future::Future;

/// The project's dead-letter message limit (the queue's `MaximumMessageSize`, SQS's own maximum).
pub const MAX_DEAD_LETTER_BYTES: usize = 256 * 1024;
/// Error texts are cut to this many bytes so the record keeps the room.
const MAX_ERROR_BYTES: usize = 8 * 1024;
/// What is kept of a record that is too large even without its images (not a stream record at all).
const MAX_RECORD_PREFIX_BYTES: usize = 200 * 1024;

/// A record that can never be delivered, and why: one that cannot be decoded, or whose event a sink refused for good.
#[derive(Clone, Debug)]
pub struct Poison {
    /// The record's index in its batch.
    pub index: usize,
    /// Its sequence number, when it has one.
    pub sequence_number: Option<String>,
    /// Its event, when it could be decoded.
    pub event: Option<DomainEvent>,
    /// Why it is poison.
    pub error: String,
    /// The variables of the sinks that refused its event (`EVENT_BUS_NAME`, `TOPIC_ARN`): a redrive sends it to
    /// those only. None for a record that could not be decoded.
    pub refused_by: Vec<&'static str>,
}

impl Poison {
    /// The contract's dead-letter message for this poison, whose record is `record` exactly as received.
    pub fn dead_letter_message(&self, record: &RawValue) -> String {
        let fields = Fields {
            event: self.event.as_ref(),
            error: cut(&self.error, MAX_ERROR_BYTES),
            refused_by: &self.refused_by,
        };
        message(record, &fields)
    }
}

/// What a dead-letter queue did with poison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parked {
    /// Stored in the queue: the shard moves on.
    InQueue,
    /// Logged and kept nowhere (DRY_RUN sends nothing anywhere): the shard moves on.
    Skipped,
}

/// Why a dead-letter message could not be sent.
#[derive(Debug, thiserror::Error)]
#[error("sending to the dead-letter queue failed: {detail}")]
pub struct DeadLetterError {
    detail: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl DeadLetterError {
    /// The send was abandoned to answer before the invocation's deadline.
    pub(crate) fn out_of_time() -> Self {
        Self::new("abandoned: the invocation's deadline is near")
    }

    /// An error of a dead-letter queue of the caller's own (a test's).
    pub fn new(detail: &str) -> Self {
        Self { detail: detail.to_owned(), source: detail.into() }
    }
}

/// Where poison is parked; the handler's seam for tests.
pub trait DeadLetter: Sync {
    /// Parks `poison`, whose record is `record` exactly as received.
    fn park(&self, poison: &Poison, record: &RawValue) -> impl Future<Output = Result<Parked, DeadLetterError>> + Send;
}

/// The SQS queue named by `DEAD_LETTER_QUEUE_URL`.
pub struct SqsDeadLetter {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsDeadLetter {
    /// The queue at `queue_url`, through `client`.
    pub fn new(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self { client, queue_url: queue_url.into() }
    }
}

impl SqsDeadLetter {
    /// The queue, as `DEAD_LETTER_QUEUE_URL` gives it.
    pub(crate) fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Whether the queue is there: `GetQueueAttributes` (its ARN only), through the client that later parks poison.
    /// The error's code and message when SQS refused, or what went wrong on the way.
    pub(crate) async fn describe_queue(&self) -> Result<(), (Option<String>, String)> {
        let request = self.client.get_queue_attributes().queue_url(&self.queue_url);
        let request = request.attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn);
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) => {
                let code = aws_sdk_sqs::error::ProvideErrorMetadata::code(&error).map(str::to_owned);
                Err((code, crate::errors::sdk_error_detail(&error)))
            }
        }
    }
}

impl DeadLetter for SqsDeadLetter {
    async fn park(&self, poison: &Poison, record: &RawValue) -> Result<Parked, DeadLetterError> {
        let body = poison.dead_letter_message(record);
        let request = self.client.send_message().queue_url(&self.queue_url).message_body(body);
        match request.send().await {
            Ok(_) => Ok(Parked::InQueue),
            Err(error) => {
                Err(DeadLetterError { detail: crate::errors::sdk_error_detail(&error), source: Box::new(error) })
            }
        }
    }
}

/// What a dead-letter message says beside the record.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a DomainEvent>,
    error: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    refused_by: &'a [&'static str],
}

#[derive(Serialize)]
struct Message<'a, R: Serialize> {
    record: R,
    #[serde(flatten)]
    fields: Fields<'a>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

/// The contract's dead-letter message `{"record", "event", "error", "refusedBy"}`. When it would exceed
/// [`MAX_DEAD_LETTER_BYTES`], the record's images are left out and `"truncated": true` says so; a record still too
/// large (it is not a stream record at all) is kept as the prefix of its text.
fn message(record: &RawValue, fields: &Fields<'_>) -> String {
    let fields = *fields;
    let full = to_json(&Message { record, fields, truncated: false });
    if full.len() <= MAX_DEAD_LETTER_BYTES {
        return full;
    }
    if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(record.get()) {
        if let Some(stream) = value.get_mut("dynamodb").and_then(serde_json::Value::as_object_mut) {
            stream.remove("NewImage");
            stream.remove("OldImage");
        }
        let without_images = to_json(&Message { record: &value, fields, truncated: true });
        if without_images.len() <= MAX_DEAD_LETTER_BYTES {
            return without_images;
        }
    }
    last_resort(record.get(), fields)
}

/// The record as a prefix of its text, a JSON string: cut until the whole message fits, since escaping can make
/// the prefix up to six times longer than it is (every byte a `\u00XX`).
fn last_resort(record: &str, fields: Fields<'_>) -> String {
    let mut keep = MAX_RECORD_PREFIX_BYTES.min(record.len());
    loop {
        let message = to_json(&Message { record: cut(record, keep), fields, truncated: true });
        if message.len() <= MAX_DEAD_LETTER_BYTES || keep == 0 {
            return message;
        }
        // Shrink by the overflow, scaled by how much escaping grew the prefix: a few rounds at most.
        let grown = message.len().div_ceil(keep.max(1));
        keep = keep.saturating_sub((message.len() - MAX_DEAD_LETTER_BYTES).div_ceil(grown.max(1)).max(1));
    }
}

/// The message as SQS accepts it: every character SQS refuses, in the record as in the other fields, escaped, so
/// that the record still parses to the value received.
fn to_json<R: Serialize>(message: &Message<'_, R>) -> String {
    crate::sqs_text::to_json(message)
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
#[path = "dead_letter_tests.rs"]
mod tests;

//! Reading what subscribers received: every message of an SQS queue, with its event type.

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName};
use aws_sdk_sqs::Client;
use score_fanout::sdk_error_detail;
use serde_json::Value;

/// One message a subscriber queue received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub body: String,
    /// `eventType` of an SNS message, or `detail-type` of an EventBridge envelope.
    pub event_type: Option<String>,
    /// The domain event: the SNS message itself, or the envelope's `detail`.
    pub event: Value,
}

/// Why a queue could not be read.
#[derive(Debug, thiserror::Error)]
#[error("reading queue {queue_url}: {detail}")]
pub struct InboxError {
    queue_url: String,
    detail: String,
}

/// Receives and deletes every message now in the queue, oldest first as far as SQS tells.
pub async fn drain(sqs: &Client, queue_url: &str) -> Result<Vec<Received>, InboxError> {
    let fail = |detail: String| InboxError { queue_url: queue_url.to_owned(), detail };
    let mut received = Vec::new();
    loop {
        let page = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| fail(sdk_error_detail(&e)))?;
        let messages = page.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(received);
        }
        let receipts: Vec<_> = messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.receipt_handle().map(|handle| (i, handle)))
            .filter_map(|(i, handle)| {
                DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(handle).build().ok()
            })
            .collect();
        sqs.delete_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(receipts))
            .send()
            .await
            .map_err(|e| fail(sdk_error_detail(&e)))?;
        for message in messages {
            let body = message.body().unwrap_or_default().to_owned();
            let attribute = message
                .message_attributes()
                .and_then(|attributes| attributes.get("eventType"))
                .and_then(|value| value.string_value())
                .map(str::to_owned);
            let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let envelope_type = parsed.get("detail-type").and_then(Value::as_str).map(str::to_owned);
            let event = parsed.get("detail").cloned().unwrap_or(parsed);
            received.push(Received { body, event_type: attribute.or(envelope_type), event });
        }
    }
}

//! The record Lambda's event source mapping writes to its on-failure destination when it skips a stream range
//! (retries or record age exhausted): only metadata, the records themselves stay in the stream for 24 hours.

use score_fanout::errors::sdk_error_detail;
use serde::{Deserialize, Serialize};

/// The whole on-failure message, as Lambda writes it for a DynamoDB stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnFailureRecord {
    #[serde(rename = "requestContext", default)]
    pub request_context: serde_json::Value,
    #[serde(rename = "responseContext", default)]
    pub response_context: serde_json::Value,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(rename = "DDBStreamBatchInfo")]
    pub batch: StreamBatchInfo,
}

/// Which records were skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamBatchInfo {
    pub shard_id: String,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    #[serde(default)]
    pub approximate_arrival_of_first_record: String,
    #[serde(default)]
    pub approximate_arrival_of_last_record: String,
    #[serde(default)]
    pub batch_size: usize,
    pub stream_arn: String,
}

impl OnFailureRecord {
    /// The record for a range skipped after `invocations` attempts, as the local event source mapping writes it.
    pub fn retries_exhausted(batch: StreamBatchInfo, invocations: usize, timestamp: String) -> Self {
        Self {
            request_context: serde_json::json!({
                "requestId": format!("local-{}-{}", batch.shard_id, batch.start_sequence_number),
                "functionArn": "arn:aws:lambda:local:000000000000:function:score-fanout",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations
            }),
            response_context: serde_json::json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": null}),
            version: "1.0".to_owned(),
            timestamp,
            batch,
        }
    }
}

/// Why an on-failure record could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing the on-failure record to {queue_url}: {detail}")]
pub struct OnFailureError {
    queue_url: String,
    detail: String,
}

/// An SQS queue as the on-failure destination (the template's `StreamFailureQueue`).
pub struct OnFailureQueue {
    pub sqs: aws_sdk_sqs::Client,
    pub queue_url: String,
}

impl OnFailureQueue {
    /// Sends one on-failure record.
    pub async fn send(&self, record: &OnFailureRecord) -> Result<(), OnFailureError> {
        let body = serde_json::to_string(record).unwrap_or_default();
        let request = self.sqs.send_message().queue_url(&self.queue_url).message_body(body);
        request
            .send()
            .await
            .map(|_| ())
            .map_err(|error| OnFailureError { queue_url: self.queue_url.clone(), detail: sdk_error_detail(&error) })
    }
}

/// Compares two sequence numbers (decimal strings of up to 40 digits) as numbers.
pub fn compare_sequence_numbers(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

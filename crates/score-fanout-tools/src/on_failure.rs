//! What Lambda's event source mapping writes to its on-failure destination when it skips a batch (retries or record
//! age exhausted), for an Amazon S3 destination (Lambda developer guide, "Retain discarded records for a DynamoDB
//! event source"): the metadata and `payload`, the whole invocation record as an escaped JSON string, one object
//! per skipped batch under `aws/lambda/<mapping UUID>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>`.

use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, SecondsFormat, Utc};
use score_fanout::sdk_error_detail;
use serde::{Deserialize, Serialize};

/// Where Lambda writes the objects of every mapping in a bucket.
pub const KEY_PREFIX: &str = "aws/lambda/";

/// The whole on-failure record, as Lambda writes it for a DynamoDB stream.
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
    /// S3 destinations only: the invocation record, `{"Records": [...]}`, as a JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
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
    /// The record of a batch skipped at `at` after `invocations` attempts, carrying `payload`.
    pub fn retries_exhausted(batch: StreamBatchInfo, invocations: usize, at: DateTime<Utc>, payload: String) -> Self {
        Self {
            request_context: serde_json::json!({
                "requestId": random_uuid(),
                "functionArn": "arn:aws:lambda:local:000000000000:function:score-fanout",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations
            }),
            response_context: serde_json::json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": null}),
            version: "1.0".to_owned(),
            timestamp: at.to_rfc3339_opts(SecondsFormat::Millis, true),
            batch,
            payload: Some(payload),
        }
    }
}

/// The invocation record of `records` as Lambda hands it to the function, `{"Records": [...]}`: the payload.
pub fn invocation_record(records: &[Box<serde_json::value::RawValue>]) -> String {
    #[derive(Serialize)]
    struct Invocation<'a> {
        #[serde(rename = "Records")]
        records: &'a [Box<serde_json::value::RawValue>],
    }
    // Raw JSON records: serializing cannot fail.
    serde_json::to_string(&Invocation { records }).unwrap_or_default()
}

/// The object key Lambda uses for a record of mapping `mapping_uuid` written at `at`.
pub fn object_key(mapping_uuid: &str, shard_id: &str, at: DateTime<Utc>) -> String {
    let day = at.format("%Y/%m/%d");
    let time = at.format("%Y-%m-%dT%H.%M.%S");
    format!("{KEY_PREFIX}{mapping_uuid}/{shard_id}/{day}/{time}-{}", random_uuid())
}

/// A random (version 4) UUID, as Lambda names mappings and objects.
pub fn random_uuid() -> String {
    let mut bytes: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Why an on-failure record could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing the on-failure record to s3://{bucket}/{key}: {detail}")]
pub struct OnFailureError {
    bucket: String,
    key: String,
    detail: String,
}

/// An S3 bucket as the mapping's on-failure destination (the template's `StreamFailureBucket`).
pub struct OnFailureBucket {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    /// The emulated event source mapping's UUID, the first part of every key.
    pub mapping_uuid: String,
}

impl OnFailureBucket {
    /// A destination in `bucket` for a mapping with a new UUID.
    pub fn new(s3: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { s3, bucket: bucket.into(), mapping_uuid: random_uuid() }
    }

    /// Writes `record` as Lambda does; returns its key.
    pub async fn put(&self, record: &OnFailureRecord, at: DateTime<Utc>) -> Result<String, OnFailureError> {
        let key = object_key(&self.mapping_uuid, &record.batch.shard_id, at);
        // Plain structs and strings: serializing cannot fail.
        let body = serde_json::to_vec(record).unwrap_or_default();
        let request = self.s3.put_object().bucket(&self.bucket).key(&key).body(ByteStream::from(body));
        match request.content_type("application/json").send().await {
            Ok(_) => Ok(key),
            Err(error) => Err(OnFailureError { bucket: self.bucket.clone(), key, detail: sdk_error_detail(&error) }),
        }
    }
}

#[cfg(test)]
#[path = "on_failure_tests.rs"]
mod tests;

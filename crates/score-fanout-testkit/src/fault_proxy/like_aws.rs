//! Real EventBridge answers `PutEvents` for a bus that does not exist with success: `FailedEntryCount` 0 and an
//! `EventId` per entry, delivering nothing (aws/aws-cli#9186, aws/aws-sdk#186; recorded against AWS in LocalStack's
//! `test_put_events_nonexistent_event_bus`). moto refuses the whole call (`ResourceNotFoundException`), so without
//! this no test could see what the function does on AWS with a wrong `EVENT_BUS_NAME`.

use super::upstream::Upstream;
use super::wire::{response, response_header, split_response, Request};
use serde_json::{json, Value};

/// Forwards `request`; a `ResourceNotFoundException` from the upstream is answered as AWS answers it.
pub(super) async fn for_missing_bus(
    upstream: &mut Upstream<'_>,
    request: &Request,
    rng: &mut fastrand::Rng,
) -> Vec<u8> {
    let answer = upstream.forward(request).await;
    if !names_missing_resource(&answer) {
        return answer;
    }
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let entries = body["Entries"].as_array().map_or(0, Vec::len);
    let ids: Vec<Value> = (0..entries).map(|_| json!({"EventId": made_up_event_id(rng)})).collect();
    let success = json!({"FailedEntryCount": 0, "Entries": ids});
    response(200, "application/x-amz-json-1.1", success.to_string().into_bytes())
}

/// Whether a raw answer is EventBridge's `ResourceNotFoundException` (in `__type`, maybe `namespace#`-prefixed, or
/// in `X-Amzn-ErrorType`, maybe with a `:suffix`).
fn names_missing_resource(answer: &[u8]) -> bool {
    const CODE: &str = "ResourceNotFoundException";
    let (status, _, body) = split_response(answer);
    if status != 400 {
        return false;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let in_body = body["__type"].as_str().is_some_and(|t| t.rsplit('#').next() == Some(CODE));
    let in_header = response_header(answer, "x-amzn-errortype").is_some_and(|h| h.split(':').next() == Some(CODE));
    in_body || in_header
}

/// An id in the shape EventBridge gives (`af4e8101-0d66-bba4-4f33-7f0af2c13327`).
fn made_up_event_id(rng: &mut fastrand::Rng) -> String {
    let hex = |digits: usize, rng: &mut fastrand::Rng| -> String {
        (0..digits).map(|_| char::from_digit(rng.u32(..16), 16).unwrap_or('0')).collect()
    };
    format!("{}-{}-{}-{}-{}", hex(8, rng), hex(4, rng), hex(4, rng), hex(4, rng), hex(12, rng))
}

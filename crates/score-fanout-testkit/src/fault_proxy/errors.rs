//! The errors `PutEvents` (EventBridge, JSON 1.1) and `PublishBatch` (SNS, query protocol) answer with, in each
//! service's own wire shape, and the fate the function must give the entries they name: the documented codes (the
//! APIs' references, the errors common to all AWS APIs) with their HTTP statuses; and SQS's errors, for the tools'
//! calls to a queue.

use super::wire::{response_with, Service};

/// What must become of the entries an error names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Parked in the dead-letter queue, never retried.
    Poison,
    /// A configuration outage: the shard holds at its checkpoint, nothing is parked.
    Outage,
    /// Retried; delivered once the sink recovers.
    Transient,
}

/// One documented error: the service, how it answers, and the fate of the entries it names.
#[derive(Clone, Copy, Debug)]
pub struct Documented {
    pub service: Service,
    pub status: u16,
    pub code: &'static str,
    pub fate: Fate,
}

const fn error(service: Service, status: u16, code: &'static str, fate: Fate) -> Documented {
    Documented { service, status, code, fate }
}

use Fate::{Outage, Poison, Transient};
use Service::{EventBridge as EB, Sns};

/// Errors answered for a whole request of one entry (several entries refused whole by a validation error are sent
/// again one by one first).
pub const WHOLE_REQUEST: &[Documented] = &[
    error(EB, 400, "ThrottlingException", Transient),
    error(EB, 500, "InternalException", Transient),
    error(EB, 503, "ServiceUnavailable", Transient),
    error(EB, 400, "ValidationException", Poison),
    error(EB, 413, "RequestEntityTooLargeException", Poison),
    error(EB, 400, "AccessDeniedException", Outage),
    error(EB, 403, "ExpiredTokenException", Outage),
    error(EB, 400, "UnrecognizedClientException", Outage),
    error(Sns, 400, "Throttling", Transient),
    error(Sns, 400, "ThrottlingException", Transient),
    error(Sns, 400, "KMSThrottling", Transient),
    error(Sns, 500, "InternalError", Transient),
    error(Sns, 503, "ServiceUnavailable", Transient),
    error(Sns, 400, "InvalidParameter", Poison),
    error(Sns, 400, "ParameterValueInvalid", Poison),
    error(Sns, 400, "BatchRequestTooLong", Poison),
    error(Sns, 413, "RequestEntityTooLarge", Poison),
    error(Sns, 403, "AuthorizationError", Outage),
    error(Sns, 400, "KMSDisabled", Outage),
    error(Sns, 400, "KMSInvalidState", Outage),
    error(Sns, 400, "KMSNotFound", Outage),
    error(Sns, 403, "KMSOptInRequired", Outage),
    error(Sns, 400, "KMSAccessDenied", Outage),
    error(Sns, 403, "ExpiredToken", Outage),
    error(Sns, 403, "InvalidClientTokenId", Outage),
    error(Sns, 404, "NotFound", Outage),
];

/// Per-entry error codes (EventBridge's `PutEventsResultEntry.ErrorCode`; SNS's `BatchResultErrorEntry.Code`, whose
/// `SenderFault` is true for the permission and KMS errors too).
pub const PER_ENTRY: &[Documented] = &[
    error(EB, 200, "InternalFailure", Transient),
    error(EB, 200, "ThrottlingException", Transient),
    error(EB, 200, "InvalidArgument", Poison),
    error(EB, 200, "MalformedDetail", Poison),
    error(EB, 200, "AccessDeniedException", Outage),
    error(EB, 200, "NotAuthorizedForSourceException", Outage),
    error(EB, 200, "NotAuthorizedForDetailTypeException", Outage),
    error(EB, 200, "InvalidAccountIdException", Outage),
    error(Sns, 200, "InternalError", Transient),
    error(Sns, 200, "KMSThrottling", Transient),
    error(Sns, 200, "InvalidParameter", Poison),
    error(Sns, 200, "ParameterValueInvalid", Poison),
    error(Sns, 200, "KMSDisabled", Outage),
    error(Sns, 200, "KMSAccessDenied", Outage),
    error(Sns, 200, "KMSNotFound", Outage),
    error(Sns, 200, "AuthorizationError", Outage),
];

/// Whether SNS marks an entry failing with `code` as the sender's fault (every documented code but its own
/// internal errors and throttling).
pub fn sender_fault(code: &str) -> bool {
    !matches!(code, "InternalError" | "Throttling" | "ThrottlingException" | "KMSThrottling")
}

/// The error answer `service` gives for a whole request: EventBridge's JSON `{"__type", "message"}` with the
/// `x-amzn-ErrorType` header, SNS's XML `ErrorResponse` with its `Type` and `RequestId`, SQS's JSON 1.0 ([`sqs`]);
/// all with `x-amzn-RequestId`.
pub fn whole_request(service: Service, status: u16, code: &str, request_id: &str) -> Vec<u8> {
    let message = format!("{code} injected by the fault proxy");
    match service {
        Service::Sqs => sqs(status, code, &message, request_id),
        Service::Sns => {
            let kind = if status >= 500 { "Receiver" } else { "Sender" };
            let xml = format!(
                "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>{kind}</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            );
            response_with(status, "text/xml", &[("x-amzn-RequestId", request_id)], xml.into_bytes())
        }
        _ => {
            let json = serde_json::json!({"__type": code, "message": message}).to_string();
            let headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)];
            response_with(status, "application/x-amz-json-1.1", &headers, json.into_bytes())
        }
    }
}

/// SQS's error answer (JSON 1.0): `__type` in SQS's namespace, and the query protocol's code in the
/// `x-amzn-query-error` header, which its SDKs report as the error's code (`AWS.SimpleQueueService.MessageNotInflight`
/// for `MessageNotInflight`, as the SQS API reference spells the legacy codes).
fn sqs(status: u16, code: &str, message: &str, request_id: &str) -> Vec<u8> {
    let short = code.strip_prefix("AWS.SimpleQueueService.").unwrap_or(code);
    let legacy = match short {
        "MessageNotInflight" | "NonExistentQueue" | "UnsupportedOperation" => format!("AWS.SimpleQueueService.{short}"),
        "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue".to_owned(),
        _ => short.to_owned(),
    };
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let json = serde_json::json!({"__type": format!("com.amazonaws.sqs#{short}"), "message": message}).to_string();
    let query_error = format!("{legacy};{kind}");
    let headers = [("x-amzn-RequestId", request_id), ("x-amzn-query-error", query_error.as_str())];
    response_with(status, "application/x-amz-json-1.0", &headers, json.into_bytes())
}

/// The service's throttling error, in its own spelling.
pub(super) fn throttle(service: Service, request_id: &str) -> Vec<u8> {
    let code = if service == Service::Sns { "Throttling" } else { "ThrottlingException" };
    whole_request(service, 400, code, request_id)
}

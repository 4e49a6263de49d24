//! What an error code of `PutEvents` or `PublishBatch` means for the entries it names, in three classes, by the
//! codes the services document (EventBridge's `PutEventsResultEntry`, SNS's `PublishBatch` errors, the errors
//! common to all AWS APIs), never by SNS's `SenderFault` alone (it is true for permission and KMS errors too):
//!
//! - **poison**: the entry itself is invalid; resending it can never help, so it is parked;
//! - **outage**: permissions, KMS and credentials. The services call them non-retryable, but a fix of the stack
//!   cures them: parking would empty the stream into the dead-letter queue during one IAM mistake, so the shard
//!   holds at its checkpoint (and `RecordsFailed` pages) until the fix;
//! - **transient**: throttling, internal errors, anything unknown: retried, and the shard holds if it persists.

/// What an error means for the entries it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Poison,
    Outage,
    Transient,
}

/// Per-entry codes meaning the entry is invalid (EventBridge's `InvalidArgument`, `MalformedDetail`; SNS's parameter
/// errors, whose wire code for an invalid value is `ParameterValueInvalid`).
const INVALID_ENTRY: &[&str] = &[
    "InvalidArgument",
    "MalformedDetail",
    "ValidationException",
    "ValidationError",
    "InvalidParameter",
    "InvalidParameterValue",
    "ParameterValueInvalid",
    "InvalidParameterException",
    "InvalidParameterValueException",
    // The Custom Event Bus's: a whole request's invalid input, and the one per-entry code it documents.
    "InvalidInputException",
    "VALIDATION_ERROR",
];

/// Permission, KMS and credential errors: the stack's configuration, not the entry.
const CONFIGURATION: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "NotAuthorizedForSourceException",
    "NotAuthorizedForDetailTypeException",
    "InvalidAccountIdException",
    "AuthorizationError",
    "InvalidSecurity",
    "KMSAccessDenied",
    "KMSDisabled",
    "KMSInvalidState",
    "KMSNotFound",
    "KMSOptInRequired",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "OptInRequired",
    "NotAuthorized",
    "NotFound",
    "ResourceNotFoundException",
    // A Custom Event Bus that is not ACTIVE (still being created) takes no events.
    "InvalidStateException",
];

/// Throttling, by every spelling the services use (SNS has been seen answering both `Throttling` and
/// `ThrottlingException`); `KMSThrottling` is KMS's.
const THROTTLING: &[&str] =
    &["ThrottlingException", "Throttling", "ThrottledException", "KMSThrottling", "TooManyRequestsException"];

/// What a per-entry error code means.
pub fn entry_code(code: &str) -> Class {
    if INVALID_ENTRY.contains(&code) {
        Class::Poison
    } else if CONFIGURATION.contains(&code) {
        Class::Outage
    } else {
        Class::Transient
    }
}

/// What a whole request's error means: for the request's `entries`, and whether they should be sent again one by
/// one first to find the entry that caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFate {
    /// The same for every entry of the request.
    All(Class),
    /// A non-throttling 400 (or a 413) naming no entry: send each entry alone, so that one bad entry cannot hold
    /// nine good neighbours until the retry bound.
    Isolate,
}

/// What an error answer (`status`, `code`, `message`) to a request of `entries` entries means.
pub fn request_answer(status: u16, code: &str, message: &str, entries: usize) -> RequestFate {
    if THROTTLING.contains(&code) || status >= 500 || status == 429 {
        return RequestFate::All(Class::Transient);
    }
    // SNS answers a topic of another region (or an ARN that is no topic) with a request's InvalidParameter naming
    // TopicArn: the stack's setting is wrong, not the entries, and parking them would empty the stream.
    if CONFIGURATION.contains(&code) || (code == "InvalidParameter" && message.contains("TopicArn")) {
        return RequestFate::All(Class::Outage);
    }
    let isolating = status == 400 || status == 413;
    match (isolating, entries) {
        (true, 2..) => RequestFate::Isolate,
        (true, _) if status == 413 || INVALID_ENTRY.contains(&code) || code.starts_with("BatchRequestTooLong") => {
            RequestFate::All(Class::Poison)
        }
        // Any other 4xx holds the shard (retried, and at the retry bound skipped and kept whole).
        _ => RequestFate::All(Class::Transient),
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;

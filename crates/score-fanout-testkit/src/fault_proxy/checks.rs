//! The destination checks a function makes at init (EventBridge `DescribeEventBus`, SNS `GetTopicAttributes`, SQS
//! `GetQueueAttributes`) and the errors each service answers them with, with the service's own message and what init
//! must make of them: only an answer saying the destination is wrong fails init; being refused, throttled or a
//! service's own failure only warns.

use super::fault::Fault;
use super::wire::Service;

pub use super::fault::{is_destination_check, DESTINATION_CHECKS};

/// What init must make of a check's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The destination is wrong (missing, or of another region): init fails, naming the variable.
    FailsInit,
    /// The check says nothing about the destination: a WARN, and the function goes on.
    Warns,
}

/// One documented error of a check, in its service's wire shape.
#[derive(Clone, Copy, Debug)]
pub struct CheckError {
    pub service: Service,
    pub status: u16,
    pub code: &'static str,
    /// The service's own message (`Invalid parameter: TopicArn` names the ARN, which tells it from a bad entry).
    pub message: &'static str,
    pub verdict: Verdict,
}

impl CheckError {
    /// The fault answering a call with this error.
    pub fn fault(&self) -> Fault {
        Fault::AnswerSaying { status: self.status, code: self.code, message: self.message }
    }
}

const fn check(
    service: Service,
    status: u16,
    code: &'static str,
    message: &'static str,
    verdict: Verdict,
) -> CheckError {
    CheckError { service, status, code, message, verdict }
}

use Service::{EventBridge as EB, Sns, Sqs};
use Verdict::{FailsInit, Warns};

/// The answers of the three checks that fail init and those that only warn (the APIs' references, the errors common
/// to all AWS APIs, and answers recorded from AWS; SQS's codes as its JSON `__type`, sent with the legacy
/// `x-amzn-query-error` code the SDK reports).
pub const CHECK_ERRORS: &[CheckError] = &[
    check(EB, 400, "ResourceNotFoundException", "Event bus score-events does not exist.", FailsInit),
    check(EB, 400, "AccessDeniedException", "User is not authorized to perform: events:DescribeEventBus", Warns),
    check(EB, 400, "ThrottlingException", "Rate exceeded", Warns),
    check(EB, 500, "InternalException", "Internal error", Warns),
    check(Sns, 404, "NotFound", "Topic does not exist", FailsInit),
    check(Sns, 400, "InvalidParameter", "Invalid parameter: TopicArn", FailsInit),
    check(Sns, 403, "AuthorizationError", "User is not authorized to perform: SNS:GetTopicAttributes", Warns),
    check(Sns, 400, "Throttling", "Rate exceeded", Warns),
    check(Sns, 500, "InternalError", "Internal error", Warns),
    check(Sqs, 400, "QueueDoesNotExist", "The specified queue does not exist.", FailsInit),
    check(Sqs, 403, "AccessDenied", "Access to the resource is denied.", Warns),
    check(Sqs, 400, "RequestThrottled", "Rate exceeded", Warns),
    check(Sqs, 500, "InternalFailure", "Internal error", Warns),
];

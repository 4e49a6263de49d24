//! What the proxy does with a call ([`Fault`]) and what a policy sees of it ([`Call`]).

use super::wire::Service;
use std::time::Duration;

/// What the proxy does with one call.
#[derive(Clone, Debug)]
pub enum Fault {
    Forward,
    /// The service's throttling error (HTTP 400 with its throttle code).
    Throttle,
    /// An HTTP 5xx with an empty body.
    Status(u16),
    /// The connection is closed without an answer.
    Drop,
    /// Forwarded after a pause.
    Delay(Duration),
    /// Never answered.
    Hang,
    /// Each entry of a `PutEvents` / `PublishBatch` fails with probability `probability` with `code`;
    /// `sender_fault` is SNS's flag for it. Any other call is forwarded.
    FailEntries {
        probability: f64,
        code: &'static str,
        sender_fault: bool,
    },
    /// The whole request is answered with the service's error `code` and `status`, in its wire shape.
    Answer {
        status: u16,
        code: &'static str,
    },
    /// As `Answer`, with the service's own `message` (see [`checks::CHECK_ERRORS`]).
    AnswerSaying {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    /// A request whose body holds `containing` (an eventId, say) is refused whole with `status` and `code`, as a
    /// service refuses a batch with one invalid entry; any other is forwarded.
    Refuse {
        containing: String,
        status: u16,
        code: &'static str,
    },
    /// Forwarded, and the connection closed halfway through the answer.
    ResetMidAnswer,
    /// Forwarded; a `ResourceNotFoundException` for the bus is answered as real EventBridge answers a `PutEvents`
    /// to a bus that does not exist: 200, `FailedEntryCount` 0, a made-up `EventId` per entry, nothing delivered.
    LikeAwsForMissingBus,
}

impl Fault {
    /// Whether the call may reach the upstream.
    pub(super) fn forwards(&self) -> bool {
        !matches!(
            self,
            Fault::Throttle
                | Fault::Status(_)
                | Fault::Drop
                | Fault::Hang
                | Fault::Answer { .. }
                | Fault::AnswerSaying { .. }
        )
    }
}

/// One intercepted call, as a policy sees it.
pub struct Call<'a> {
    pub service: Service,
    /// The operation: `PutEvents`, `PublishBatch`, `SendMessage`, a destination check (`DescribeEventBus`, ...).
    pub operation: &'a str,
    /// Calls to this service so far, this one included; destination checks are numbered apart, so that the
    /// publishing calls keep their numbers whether or not the function checked its destinations first.
    pub number: usize,
    /// The request's body, for a policy that picks its fault by what the request carries.
    pub body: &'a [u8],
    /// The request's headers, as sent.
    pub headers: &'a [(String, String)],
}

impl Call<'_> {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Whether the request carries `needle` (an eventId, say), as it is or form-encoded.
    pub fn carries(&self, needle: &str) -> bool {
        contains(self.body, needle)
    }

    /// Whether this is the service's destination check (`DescribeEventBus`, `GetTopicAttributes`,
    /// `GetQueueAttributes`).
    pub fn is_destination_check(&self) -> bool {
        is_destination_check(self.service, self.operation)
    }
}

pub(super) type Policy = dyn Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync;

/// Whether `body` holds `needle` (as it is, or form-encoded as SNS's query protocol sends it).
pub(super) fn contains(body: &[u8], needle: &str) -> bool {
    let text = String::from_utf8_lossy(body);
    text.contains(needle) || form_urlencoded::parse(body).any(|(_, value)| value.contains(needle))
}

/// The check operation of each service.
pub const DESTINATION_CHECKS: [(Service, &str); 3] = [
    (Service::EventBridge, "DescribeEventBus"),
    (Service::Sns, "GetTopicAttributes"),
    (Service::Sqs, "GetQueueAttributes"),
];

/// Whether `operation` of `service` is its destination check.
pub fn is_destination_check(service: Service, operation: &str) -> bool {
    DESTINATION_CHECKS.iter().any(|(s, o)| *s == service && *o == operation)
}

//! What every publishing target is to the retry engine: a [`Sink`] that prepares an entry per event and sends
//! requests of entries, and [`EntryError`], why one entry did not reach it.

use super::classify::{self, Class, RequestFate};
use super::wire::WireError;
use crate::errors::with_causes;
use score_fanout_events::DomainEvent;
use std::error::Error;
use std::future::Future;
use std::sync::Arc;

/// Why one entry did not reach one sink. A service's answer keeps its `x-amzn-RequestId`: AWS support asks for it.
#[derive(Clone, Debug, thiserror::Error)]
pub enum EntryError {
    /// The sink refused the entry as invalid: retrying can never help, so the event is poison.
    #[error("{sink} rejected the entry for good: {code}: {message}{}", request(request_id))]
    Rejected { sink: &'static str, code: String, message: String, request_id: Option<String> },
    /// The sink did not take the entry this time (throttled, internal error): worth retrying.
    #[error("{sink} did not take the entry: {code}: {message}{}", request(request_id))]
    Failed { sink: &'static str, code: String, message: String, request_id: Option<String> },
    /// The sink refuses the function itself (permissions, KMS, credentials): the shard holds until the stack is fixed.
    #[error(
        "{sink} refused the entry, a configuration outage (permissions, KMS or credentials): {code}: {message}{}",
        request(request_id)
    )]
    Outage { sink: &'static str, code: String, message: String, request_id: Option<String> },
    /// The entry's request of several was refused as a whole (a non-throttling 400 or a 413): it is sent again alone,
    /// to find the entry that caused it.
    #[error(
        "{sink} refused the entry's whole request: {code}: {message}{}; sending each entry alone",
        request(request_id)
    )]
    Isolate { sink: &'static str, code: String, message: String, request_id: Option<String> },
    /// The whole request failed (timeout, connection, 5xx, throttled call).
    #[error("{sink} request failed: {detail}")]
    Request {
        sink: &'static str,
        detail: String,
        #[source]
        source: Arc<dyn Error + Send + Sync>,
    },
    /// On a FIFO topic an earlier entry of the same message group was not delivered, so this one was not sent.
    #[error("{sink}: held back behind an undelivered earlier event of message group {group}")]
    HeldBack { sink: &'static str, group: String },
    /// The invocation's retry time ran out before the entry could be sent.
    #[error("{sink}: not sent, the invocation's retry time ran out")]
    OutOfTime { sink: &'static str },
}

/// ` (request ID)` when the answer named one.
fn request(request_id: &Option<String>) -> String {
    request_id.as_ref().map_or_else(String::new, |id| format!(" (request {id})"))
}

impl EntryError {
    /// A per-entry error answered with `code`, by what the code means ([`classify::entry_code`]).
    pub fn for_entry(sink: &'static str, code: String, message: String, request_id: Option<String>) -> Self {
        match classify::entry_code(&code) {
            Class::Poison => Self::Rejected { sink, code, message, request_id },
            Class::Outage => Self::Outage { sink, code, message, request_id },
            Class::Transient => Self::Failed { sink, code, message, request_id },
        }
    }

    /// The error of every entry of a request of `entries` that failed as a whole: by the service's answer
    /// ([`classify::request_answer`]), or for a transport failure (timeout, connection refused) a transient error
    /// with the full chain of causes.
    pub fn for_request(sink: &'static str, error: WireError, entries: usize) -> Self {
        let WireError::Service { status, code, message, request_id } = &error else {
            return Self::Request { sink, detail: with_causes(&error), source: Arc::new(error) };
        };
        let (code, message, request_id) = (code.clone(), message.clone(), request_id.clone());
        match classify::request_answer(*status, &code, &message, entries) {
            RequestFate::Isolate => Self::Isolate { sink, code, message, request_id },
            RequestFate::All(Class::Poison) => Self::Rejected { sink, code, message, request_id },
            RequestFate::All(Class::Outage) => Self::Outage { sink, code, message, request_id },
            RequestFate::All(Class::Transient) => {
                let detail = format!("{code}: {message}{}", request(&request_id));
                Self::Request { sink, detail, source: Arc::new(error) }
            }
        }
    }

    /// The sink the error comes from.
    pub fn sink(&self) -> &'static str {
        match self {
            Self::Rejected { sink, .. }
            | Self::Failed { sink, .. }
            | Self::Outage { sink, .. }
            | Self::Isolate { sink, .. }
            | Self::Request { sink, .. }
            | Self::HeldBack { sink, .. }
            | Self::OutOfTime { sink } => sink,
        }
    }

    /// Whether retrying can never help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }

    /// Whether the stack's configuration, not the entry, is at fault.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::Outage { .. })
    }
}

/// What one request goes out with: how long it may take, and the invocation's X-Ray trace header to carry on.
#[derive(Clone, Copy, Debug)]
pub struct Call<'a> {
    pub timeout: std::time::Duration,
    pub trace_header: Option<&'a str>,
}

/// An entry ready for a sink, with what batching needs to know about it.
#[derive(Clone, Debug)]
pub struct Prepared<E> {
    pub entry: E,
    /// Bytes the entry counts towards the sink's per-request size limit.
    pub size: usize,
    /// FIFO message group: entries of one group are sent one at a time, in order.
    pub group: Option<String>,
}

/// One publishing target (EventBridge bus, SNS topic).
pub trait Sink: Sync {
    type Entry: Clone + Send + Sync;

    /// The sink's name in logs and errors.
    fn name(&self) -> &'static str;

    /// The most entries one request may carry.
    fn max_entries(&self) -> usize {
        super::chunk::MAX_ENTRIES
    }

    /// The entry for `event`, the `index`-th event of the invocation.
    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry>;

    /// What batching needs of the entry [`Self::prepare`] would build (its size and group), without building it;
    /// `json_len` is the length of the event's JSON document.
    fn measure(&self, event: &DomainEvent, json_len: usize, index: usize) -> Prepared<()> {
        let Prepared { size, group, .. } = self.prepare(event, index);
        debug_assert_eq!(json_len, crate::sqs_text::to_json(event).len());
        Prepared { entry: (), size, group }
    }

    /// Sends one request of at most 10 entries within `call`; one outcome per entry, in order.
    fn send(
        &self,
        entries: Vec<Self::Entry>,
        call: &Call<'_>,
    ) -> impl Future<Output = Vec<Result<(), EntryError>>> + Send;
}

/// The length of `event`'s JSON document as the sinks send it ([`crate::sqs_text::to_json`]), written nowhere: both
/// sinks size their requests by it.
pub fn json_len(event: &DomainEvent) -> usize {
    crate::sqs_text::json_len(event)
}

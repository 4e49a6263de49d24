//! What every publishing target is to the retry engine: a [`Sink`] that prepares an entry per event and sends
//! requests of entries, and [`EntryError`], why one entry did not reach it.

use super::wire::WireError;
use crate::domain::DomainEvent;
use crate::errors::with_causes;
use std::error::Error;
use std::future::Future;
use std::sync::Arc;

/// Why one entry did not reach one sink.
#[derive(Clone, Debug, thiserror::Error)]
pub enum EntryError {
    /// The sink refused the entry as invalid: retrying can never help, so the event is poison.
    #[error("{sink} rejected the entry for good: {code}: {message}")]
    Rejected { sink: &'static str, code: String, message: String },
    /// The sink did not take the entry this time (throttled, internal error): worth retrying.
    #[error("{sink} did not take the entry: {code}: {message}")]
    Failed { sink: &'static str, code: String, message: String },
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

impl EntryError {
    /// A whole-request failure: the service's code and message, or for a transport failure (timeout,
    /// connection refused) the full chain of causes.
    pub fn request(sink: &'static str, error: WireError) -> Self {
        let detail = match &error {
            WireError::Service { code, message, .. } => format!("{code}: {message}"),
            other => with_causes(other),
        };
        Self::Request { sink, detail, source: Arc::new(error) }
    }

    /// The sink the error comes from.
    pub fn sink(&self) -> &'static str {
        match self {
            Self::Rejected { sink, .. }
            | Self::Failed { sink, .. }
            | Self::Request { sink, .. }
            | Self::HeldBack { sink, .. }
            | Self::OutOfTime { sink } => sink,
        }
    }

    /// Whether retrying can never help.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }
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

    /// The entry for `event`, the `index`-th event of the invocation.
    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry>;

    /// What batching needs of the entry [`Self::prepare`] would build (its size and group), without building it;
    /// `json_len` is the length of the event's JSON document.
    fn measure(&self, event: &DomainEvent, json_len: usize, index: usize) -> Prepared<()> {
        let Prepared { size, group, .. } = self.prepare(event, index);
        debug_assert_eq!(json_len, event.to_json().len());
        Prepared { entry: (), size, group }
    }

    /// Sends one request of at most 10 entries; one outcome per entry, in order.
    fn send(&self, entries: Vec<Self::Entry>) -> impl Future<Output = Vec<Result<(), EntryError>>> + Send;
}

/// The length of `event`'s JSON document, written nowhere: both sinks size their requests by it.
pub fn json_len(event: &DomainEvent) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // As DomainEvent::to_json: these plain structs always serialize.
    let _ = serde_json::to_writer(&mut count, event);
    count.0
}

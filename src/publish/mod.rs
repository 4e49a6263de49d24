//! Publishing domain events to every configured sink, and what became of each event.

pub mod chunk;
pub mod eventbridge;
pub mod retry;
pub mod sns;

use crate::domain::DomainEvent;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use retry::deliver;
pub use retry::RetryBudget;
use std::error::Error;
use std::future::Future;
use std::sync::Arc;

pub use eventbridge::EventBridgeSink;
pub use sns::SnsSink;

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
    pub fn request<E, R>(sink: &'static str, error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let detail = crate::aws::error_detail(&error);
        Self::Request { sink, detail, source: Arc::new(error) }
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

/// One publishing target (EventBridge bus, SNS topic) behind its SDK client.
pub trait Sink: Sync {
    type Entry: Clone + Send + Sync;

    /// The sink's name in logs and errors.
    fn name(&self) -> &'static str;

    /// The entry for `event`, the `index`-th event of the invocation.
    fn prepare(&self, event: &DomainEvent, index: usize) -> Prepared<Self::Entry>;

    /// Sends one request of at most 10 entries; one outcome per entry, in order.
    fn send(&self, entries: Vec<Self::Entry>) -> impl Future<Output = Vec<Result<(), EntryError>>> + Send;
}

/// What became of one event across every sink.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// Every sink has it.
    Delivered,
    /// Some sink does not have it yet: the record must be retried.
    Failed(Vec<EntryError>),
    /// Some sink refused it for good and no sink still needs a retry: the event is poison.
    Rejected(Vec<EntryError>),
}

/// Publishes a batch of events; the handler's seam for tests.
pub trait Publish: Sync {
    /// One [`Delivery`] per event, in order.
    fn publish(&self, events: &[DomainEvent], budget: &RetryBudget) -> impl Future<Output = Vec<Delivery>> + Send;
}

/// The configured sinks, published to at once.
pub struct FanOut {
    pub eventbridge: Option<EventBridgeSink>,
    pub sns: Option<SnsSink>,
}

impl Publish for FanOut {
    async fn publish(&self, events: &[DomainEvent], budget: &RetryBudget) -> Vec<Delivery> {
        let (eventbridge, sns) = tokio::join!(
            deliver_to(self.eventbridge.as_ref(), events, budget),
            deliver_to(self.sns.as_ref(), events, budget)
        );
        combine(events.len(), [eventbridge, sns].into_iter().flatten())
    }
}

async fn deliver_to<S: Sink>(
    sink: Option<&S>,
    events: &[DomainEvent],
    budget: &RetryBudget,
) -> Option<Vec<Result<(), EntryError>>> {
    match sink {
        Some(sink) => Some(deliver(sink, events, budget).await),
        None => None,
    }
}

/// Merges each sink's per-event outcomes into one [`Delivery`] per event.
pub fn combine(count: usize, per_sink: impl IntoIterator<Item = Vec<Result<(), EntryError>>>) -> Vec<Delivery> {
    let mut errors: Vec<Vec<EntryError>> = vec![Vec::new(); count];
    for outcomes in per_sink {
        for (index, outcome) in outcomes.into_iter().enumerate() {
            if let (Err(error), Some(slot)) = (outcome, errors.get_mut(index)) {
                slot.push(error);
            }
        }
    }
    errors
        .into_iter()
        .map(|errors| {
            if errors.is_empty() {
                Delivery::Delivered
            } else if errors.iter().all(EntryError::is_permanent) {
                Delivery::Rejected(errors)
            } else {
                Delivery::Failed(errors)
            }
        })
        .collect()
}

/// Joins errors for one log field or dead-letter message.
pub fn describe(errors: &[EntryError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

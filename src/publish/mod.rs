//! Publishing domain events to every configured sink, and what became of each event.

pub mod chunk;
pub mod eventbridge;
#[cfg(test)]
pub mod fake_service;
pub mod retry;
pub mod sns;
pub mod sns_query;
pub mod wire;

use crate::domain::DomainEvent;
pub use retry::RetryBudget;
use retry::{deliver_measured, Delivered};
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
    pub fn request(sink: &'static str, error: wire::WireError) -> Self {
        let detail = match &error {
            wire::WireError::Service { code, message, .. } => format!("{code}: {message}"),
            other => crate::aws::with_causes(other),
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

/// What publishing a batch came to.
#[derive(Clone, Debug, Default)]
pub struct Published {
    /// One [`Delivery`] per event, in order.
    pub deliveries: Vec<Delivery>,
    /// Entries sent more than once, over every sink.
    pub resent: u64,
    /// The sinks published to, by name.
    pub sinks: Vec<&'static str>,
}

impl Delivery {
    /// The errors behind a failed or rejected delivery (none when delivered).
    pub fn errors(&self) -> &[EntryError] {
        match self {
            Self::Delivered => &[],
            Self::Failed(errors) | Self::Rejected(errors) => errors,
        }
    }
}

/// Publishes a batch of events; the handler's seam for tests.
pub trait Publish: Sync {
    /// Publishes `events` to every sink, retrying failed entries within `budget`.
    fn publish(&self, events: &[DomainEvent], budget: &RetryBudget) -> impl Future<Output = Published> + Send;
}

/// The configured sinks, published to at once.
pub struct FanOut {
    pub eventbridge: Option<EventBridgeSink>,
    pub sns: Option<SnsSink>,
}

impl Publish for FanOut {
    async fn publish(&self, events: &[DomainEvent], budget: &RetryBudget) -> Published {
        // The sizes both sinks batch by, from one pass that keeps no document: keeping every event's JSON for
        // both sinks saved a second serialisation, but at 10,000 records its 2 MB set the peak (docs/performance.md).
        let json_lengths: Vec<usize> = events.iter().map(json_len).collect();
        let (eventbridge, sns) = tokio::join!(
            deliver_to(self.eventbridge.as_ref(), events, &json_lengths, budget),
            deliver_to(self.sns.as_ref(), events, &json_lengths, budget)
        );
        let delivered: Vec<(&'static str, Delivered)> = [eventbridge, sns].into_iter().flatten().collect();
        let resent = delivered.iter().map(|(_, d)| d.resent).sum();
        let sinks = delivered.iter().map(|(name, _)| *name).collect();
        let deliveries = combine(events.len(), delivered.into_iter().map(|(_, d)| d.outcomes));
        Published { deliveries, resent, sinks }
    }
}

async fn deliver_to<S: Sink>(
    sink: Option<&S>,
    events: &[DomainEvent],
    json_lengths: &[usize],
    budget: &RetryBudget,
) -> Option<(&'static str, Delivered)> {
    match sink {
        Some(sink) => Some((sink.name(), deliver_measured(sink, events, json_lengths, budget).await)),
        None => None,
    }
}

/// The length of `event`'s JSON document, written nowhere.
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

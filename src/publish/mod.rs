//! Publishing domain events to every configured sink, and what became of each event.

mod accepted;
mod chunk;
mod classify;
mod custom_bus;
pub(crate) mod eventbridge;
#[cfg(test)]
pub(crate) mod fake_service;
pub(crate) mod retry;
mod sigv4;
mod sink;
pub(crate) mod sns;
mod wire;

pub use accepted::Accepted;
pub use custom_bus::CustomBusSink;
pub use eventbridge::EventBridgeSink;
pub use retry::{Invocation, RetryBudget, SinkOutcome, Window, FIRST_CALL_TIMEOUT};
pub use sink::{json_len, EntryError, Sink};
pub use sns::SnsSink;
pub(crate) use wire::CONNECT_TIMEOUT;
pub use wire::{Service, Transport, WireError};

use retry::deliver;
use score_fanout_events::DomainEvent;
use std::future::Future;

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

impl Delivery {
    /// The errors behind a failed or rejected delivery (none when delivered).
    pub fn errors(&self) -> &[EntryError] {
        match self {
            Self::Delivered => &[],
            Self::Failed(errors) | Self::Rejected(errors) => errors,
        }
    }
}

/// What publishing a batch came to.
#[derive(Clone, Debug, Default)]
pub struct BatchOutcome {
    /// One [`Delivery`] per event, in order.
    pub deliveries: Vec<Delivery>,
    /// Entries sent more than once, over every sink.
    pub resent: u64,
    /// Entries not sent because their sink had accepted them in an earlier invocation, over every sink.
    pub already_accepted: u64,
    /// With a Custom Event Bus: the entries it answered `DEDUPLICATED` (delivered before; stored once).
    pub deduplicated: Option<u64>,
    /// The sinks published to, by name.
    pub sinks: Vec<&'static str>,
}

/// Publishes a batch of events; the handler's seam for tests.
pub trait Publish: Sync {
    /// Publishes `events` to every sink, retrying failed entries within the invocation's budget.
    fn publish(&self, events: &[DomainEvent], invocation: &Invocation) -> impl Future<Output = BatchOutcome> + Send;
}

/// The configured sinks, published to at once, each with its window of requests in flight and its memory of what it
/// accepted.
pub struct FanOut {
    eventbridge: Option<EventBridgeSink>,
    /// The Custom Event Bus, in `EVENT_BUS_NAME`'s place when its ARN names one (never with `eventbridge`).
    custom_bus: Option<CustomBusSink>,
    sns: Option<SnsSink>,
    /// The windows of EventBridge and SNS, kept across the warm invocations of this instance ...
    windows: [Window; 2],
    /// ... and what each accepted.
    accepted: [Accepted; 2],
}

impl FanOut {
    /// The sinks configured, each with up to `max_in_flight` requests at once (`MAX_REQUESTS_IN_FLIGHT`).
    pub(crate) fn new(eventbridge: Option<EventBridgeSink>, sns: Option<SnsSink>, max_in_flight: usize) -> Self {
        let windows = [Window::new(max_in_flight), Window::new(max_in_flight)];
        Self { eventbridge, custom_bus: None, sns, windows, accepted: Default::default() }
    }

    /// The sinks configured with the Custom Event Bus as `EVENT_BUS_NAME`'s sink.
    pub(crate) fn with_custom_bus(custom_bus: CustomBusSink, sns: Option<SnsSink>, max_in_flight: usize) -> Self {
        Self { custom_bus: Some(custom_bus), ..Self::new(None, sns, max_in_flight) }
    }

    /// The Custom Event Bus sink, when `EVENT_BUS_NAME` is one's ARN.
    pub fn custom_bus(&self) -> Option<&CustomBusSink> {
        self.custom_bus.as_ref()
    }

    /// The EventBridge sink, when `EVENT_BUS_NAME` is set.
    pub fn eventbridge(&self) -> Option<&EventBridgeSink> {
        self.eventbridge.as_ref()
    }

    /// The SNS sink, when `TOPIC_ARN` is set.
    pub fn sns(&self) -> Option<&SnsSink> {
        self.sns.as_ref()
    }
}

impl Publish for FanOut {
    async fn publish(&self, events: &[DomainEvent], invocation: &Invocation) -> BatchOutcome {
        // Both sinks size their requests by each event's JSON length: counted once for both, and kept as lengths,
        // not documents, so that a large batch does not hold every event's JSON twice.
        let json_lengths: Vec<usize> = events.iter().map(json_len).collect();
        let ([eventbridge_window, sns_window], [eventbridge_accepted, sns_accepted]) = (&self.windows, &self.accepted);
        // EVENT_BUS_NAME names one bus, classic or custom: the one that is set uses that sink's window and memory.
        let bus_memory = (eventbridge_window, eventbridge_accepted);
        let (eventbridge, custom_bus, sns) = tokio::join!(
            deliver_to(self.eventbridge.as_ref(), events, &json_lengths, invocation, bus_memory),
            deliver_to(self.custom_bus.as_ref(), events, &json_lengths, invocation, bus_memory),
            deliver_to(self.sns.as_ref(), events, &json_lengths, invocation, (sns_window, sns_accepted))
        );
        let deduplicated = self.custom_bus.as_ref().map(CustomBusSink::take_deduplicated);
        let per_sink: Vec<(&'static str, SinkOutcome)> = [eventbridge, custom_bus, sns].into_iter().flatten().collect();
        let resent = per_sink.iter().map(|(_, outcome)| outcome.resent).sum();
        let already_accepted = per_sink.iter().map(|(_, outcome)| outcome.already_accepted).sum();
        let sinks = per_sink.iter().map(|(name, _)| *name).collect();
        let deliveries = combine(events.len(), per_sink.into_iter().map(|(_, outcome)| outcome.outcomes));
        BatchOutcome { deliveries, resent, already_accepted, deduplicated, sinks }
    }
}

async fn deliver_to<S: Sink>(
    sink: Option<&S>,
    events: &[DomainEvent],
    json_lengths: &[usize],
    invocation: &Invocation,
    memory: (&Window, &Accepted),
) -> Option<(&'static str, SinkOutcome)> {
    match sink {
        Some(sink) => Some((sink.name(), deliver(sink, events, json_lengths, invocation, memory).await)),
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

/// The variable that configures the sink named `sink`: what a dead-letter message's `refusedBy` names, and what the
/// redrive reads back to send a parked event to the sinks that refused it, and to them only.
pub fn sink_variable(sink: &str) -> Option<&'static str> {
    match sink {
        eventbridge::SINK => Some("EVENT_BUS_NAME"),
        sns::SINK => Some("TOPIC_ARN"),
        _ => None,
    }
}

/// Joins errors for one log field or dead-letter message.
pub fn describe(errors: &[EntryError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

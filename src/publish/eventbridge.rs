//! The EventBridge sink: one `PutEvents` entry per domain event on the configured bus.

use super::{EntryError, Prepared, Sink};
use crate::domain::DomainEvent;
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use aws_sdk_eventbridge::Client;

const SINK: &str = "EventBridge";

/// Per-entry error codes that mean the entry itself is invalid: resending it can never succeed. Anything else
/// (throttling, internal failures, missing permissions that a deploy can fix) is retried.
const PERMANENT_CODES: &[&str] =
    &["InvalidArgument", "MalformedDetail", "ValidationException", "InvalidEventPatternException"];

/// Publishes to one event bus.
pub struct EventBridgeSink {
    client: Client,
    bus: String,
    source: String,
}

impl EventBridgeSink {
    /// A sink for `bus` (name or ARN) with events' `Source` set to `source`.
    pub fn new(client: Client, bus: impl Into<String>, source: impl Into<String>) -> Self {
        Self { client, bus: bus.into(), source: source.into() }
    }

    /// The `PutEvents` entry for `event`.
    pub fn to_entry(&self, event: &DomainEvent) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&self.source)
            .detail_type(event.name())
            .detail(event.to_json())
            .build()
    }
}

/// The entry's size as EventBridge counts it towards the 256 KiB request limit (no `Time`, no `Resources`).
pub fn entry_size(entry: &PutEventsRequestEntry) -> usize {
    [entry.source(), entry.detail_type(), entry.detail()].iter().map(|field| field.map_or(0, str::len)).sum()
}

fn outcome(result: Option<&PutEventsResultEntry>) -> Result<(), EntryError> {
    let Some(result) = result else {
        return Err(EntryError::Failed {
            sink: SINK,
            code: "NoResult".into(),
            message: "the response did not list the entry".into(),
        });
    };
    match result.error_code() {
        None => Ok(()),
        Some(code) => {
            let code = code.to_owned();
            let message = result.error_message().unwrap_or_default().to_owned();
            if PERMANENT_CODES.contains(&code.as_str()) {
                Err(EntryError::Rejected { sink: SINK, code, message })
            } else {
                Err(EntryError::Failed { sink: SINK, code, message })
            }
        }
    }
}

impl Sink for EventBridgeSink {
    type Entry = PutEventsRequestEntry;

    fn name(&self) -> &'static str {
        SINK
    }

    fn prepare(&self, event: &DomainEvent, _index: usize) -> Prepared<Self::Entry> {
        let entry = self.to_entry(event);
        Prepared { size: entry_size(&entry), entry, group: None }
    }

    async fn send(&self, entries: Vec<Self::Entry>) -> Vec<Result<(), EntryError>> {
        let count = entries.len();
        match self.client.put_events().set_entries(Some(entries)).send().await {
            // Results come back in request order; a non-zero FailedEntryCount shows up as entries with an error code.
            Ok(output) => (0..count).map(|i| outcome(output.entries().get(i))).collect(),
            Err(error) => vec![Err(EntryError::request(SINK, error)); count],
        }
    }
}

#[cfg(test)]
#[path = "eventbridge_tests.rs"]
mod tests;

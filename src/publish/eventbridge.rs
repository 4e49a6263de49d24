//! The EventBridge sink: one `PutEvents` entry per domain event on the configured bus, sent as the JSON 1.1
//! protocol's request and read from its answer.

use super::sink::{Call, EntryError, Prepared, Sink};
use super::wire::{self, Answer, Service, SharedTransport, WireError};
use score_fanout_events::DomainEvent;
use serde::{Deserialize, Serialize};

pub(crate) const SINK: &str = "EventBridge";
/// The name requests to EventBridge are signed for.
pub const SIGNING_NAME: &str = "events";

/// Characters of an unreadable error answer quoted in the error.
const MAX_QUOTED_ANSWER: usize = 300;

/// One `PutEvents` entry: what differs between events (bus and source are the sink's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventBridgeEntry {
    pub detail_type: &'static str,
    pub detail: String,
}

/// Publishes to one event bus.
pub struct EventBridgeSink {
    transport: SharedTransport,
    service: Service,
    bus: String,
    source: String,
}

impl EventBridgeSink {
    /// A sink for `bus` (name or ARN) with events' `Source` set to `source`.
    pub fn new(
        transport: SharedTransport,
        service: Service,
        bus: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        Self { transport, service, bus: bus.into(), source: source.into() }
    }

    /// Whether the bus is there: `DescribeEventBus`, answered within `timeout`. `PutEvents` cannot tell: EventBridge
    /// answers it for a bus that does not exist with success and delivers nothing. Through the publishing transport,
    /// so that the connection it opens serves the first publish.
    pub(crate) async fn describe_bus(&self, timeout: std::time::Duration) -> Result<(), WireError> {
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", "AWSEvents.DescribeEventBus")];
        // A string only: serializing cannot fail.
        let body = serde_json::to_vec(&serde_json::json!({ "Name": self.bus })).unwrap_or_default();
        let answer = wire::post(&self.transport, &self.service, &headers, body, timeout).await?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(read_error(answer))
        }
    }

    /// The bus, name or ARN, as `EVENT_BUS_NAME` gives it.
    pub(crate) fn bus(&self) -> &str {
        &self.bus
    }

    /// The `PutEvents` entry for `event`; its `Detail` written as SQS accepts it, since a rule may deliver it to a
    /// queue.
    pub fn to_entry(&self, event: &DomainEvent) -> EventBridgeEntry {
        EventBridgeEntry { detail_type: event.name(), detail: crate::sqs_text::to_json(event) }
    }

    /// The entry's size as EventBridge counts it towards the 256 KiB request limit (no `Time`, no `Resources`).
    pub fn entry_size(&self, entry: &EventBridgeEntry) -> usize {
        self.size(entry.detail_type, entry.detail.len())
    }

    fn size(&self, detail_type: &str, detail_len: usize) -> usize {
        self.source.len() + detail_type.len() + detail_len
    }

    /// The request body for `entries`, as the service reads it; each entry carries the invocation's X-Ray
    /// `trace_header` when there is one, so that the trace continues into the bus's targets.
    pub fn request_body(&self, entries: &[EventBridgeEntry], trace_header: Option<&str>) -> Vec<u8> {
        let entries = entries
            .iter()
            .map(|entry| RequestEntry {
                event_bus_name: &self.bus,
                source: &self.source,
                detail_type: entry.detail_type,
                detail: &entry.detail,
                trace_header,
            })
            .collect();
        // Strings only: serializing cannot fail.
        serde_json::to_vec(&PutEventsRequest { entries }).unwrap_or_default()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsRequest<'a> {
    entries: Vec<RequestEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RequestEntry<'a> {
    event_bus_name: &'a str,
    source: &'a str,
    detail_type: &'a str,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_header: Option<&'a str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsResponse {
    #[serde(default)]
    entries: Vec<ResultEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ResultEntry {
    error_code: Option<String>,
    error_message: Option<String>,
}

/// A JSON protocol error answer: `{"__type": "ThrottlingException", "message": "..."}` (the type may carry a
/// namespace before `#`, the header `x-amzn-errortype` a suffix after `:`).
#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(rename = "__type", alias = "code")]
    error_type: Option<String>,
    #[serde(alias = "Message")]
    message: Option<String>,
}

/// The per-entry results of an answer, in request order, with the answer's request id; or why there are none.
fn read_answer(answer: Answer) -> Result<(Vec<ResultEntry>, Option<String>), WireError> {
    if answer.is_success() {
        let response: PutEventsResponse = serde_json::from_slice(&answer.body)
            .map_err(|e| WireError::Unexpected(format!("PutEvents answer is not its JSON: {e}")))?;
        return Ok((response.entries, answer.request_id));
    }
    Err(read_error(answer))
}

/// The error of an answer that is not a success, from its JSON and headers.
fn read_error(answer: Answer) -> WireError {
    let parsed: Option<ErrorAnswer> = serde_json::from_slice(&answer.body).ok();
    let raw = answer.error_type.or_else(|| parsed.as_ref().and_then(|p| p.error_type.clone()));
    let code = match raw {
        Some(raw) => raw.rsplit('#').next().and_then(|code| code.split(':').next()).unwrap_or_default().to_owned(),
        None => format!("HTTP{}", answer.status),
    };
    // An answer that is not the protocol's JSON (a proxy's page) is quoted, so that the log says what came back.
    let message = match parsed {
        Some(parsed) => parsed.message.unwrap_or_default(),
        None => String::from_utf8_lossy(&answer.body).chars().take(MAX_QUOTED_ANSWER).collect(),
    };
    WireError::Service { status: answer.status, code, message, request_id: answer.request_id }
}

/// An entry's result: its error code's class ([`crate::publish::classify`]), or delivered.
fn outcome(result: Option<&ResultEntry>, request_id: &Option<String>) -> Result<(), EntryError> {
    let Some(result) = result else {
        let message = "the response did not list the entry".into();
        return Err(EntryError::Failed {
            sink: SINK,
            code: "NoResult".into(),
            message,
            request_id: request_id.clone(),
        });
    };
    match &result.error_code {
        None => Ok(()),
        Some(code) => {
            let message = result.error_message.clone().unwrap_or_default();
            Err(EntryError::for_entry(SINK, code.clone(), message, request_id.clone()))
        }
    }
}

impl Sink for EventBridgeSink {
    type Entry = EventBridgeEntry;

    fn name(&self) -> &'static str {
        SINK
    }

    fn prepare(&self, event: &DomainEvent, _index: usize) -> Prepared<Self::Entry> {
        let entry = self.to_entry(event);
        Prepared { size: self.entry_size(&entry), entry, group: None }
    }

    fn measure(&self, event: &DomainEvent, json_len: usize, _index: usize) -> Prepared<()> {
        Prepared { size: self.size(event.name(), json_len), entry: (), group: None }
    }

    async fn send(&self, entries: Vec<Self::Entry>, call: &Call<'_>) -> Vec<Result<(), EntryError>> {
        let count = entries.len();
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", "AWSEvents.PutEvents")];
        let body = self.request_body(&entries, call.trace_header);
        let answer = wire::post(&self.transport, &self.service, &headers, body, call.timeout).await;
        match answer.and_then(read_answer) {
            // Results come back in request order; a non-zero FailedEntryCount shows up as entries with an error code.
            Ok((results, request_id)) => (0..count).map(|i| outcome(results.get(i), &request_id)).collect(),
            Err(error) => vec![Err(EntryError::for_request(SINK, error, count)); count],
        }
    }
}

#[cfg(test)]
#[path = "eventbridge_tests.rs"]
mod tests;

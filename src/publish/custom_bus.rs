//! The Custom Event Bus sink (EventBridge's ordered bus, API `eventbridgev2`): one `PutEvents` entry per domain
//! event, its event group the player (a FIFO subscriber delivers a group in publish order) and its deduplication id
//! the event's `eventId` (the bus answers a repeat within 300 s `DEDUPLICATED`, a success, and stores it once), sent
//! in the smithy-rpc-v2-cbor protocol through the publishing transport. Its entries carry no trace header: the API
//! has none.

use super::sink::{Call, EntryError, Prepared, Sink};
use super::sns::message_group_id;
use super::wire::{self, Answer, Service, SharedTransport, WireError};
use score_fanout_events::DomainEvent;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// The same sink as the classic bus's to subscribers, metrics and the dead-letter message: `EVENT_BUS_NAME`'s.
pub(crate) use super::eventbridge::SINK;
/// The name requests to the Custom Event Bus are signed for: EventBridge's (`events:` in IAM).
pub const SIGNING_NAME: &str = "events";
/// The operations' paths: the protocol routes on the service's shape name and the operation.
const PUT_EVENTS: &str = "/service/AWSEventsV2/operation/PutEvents";
const DESCRIBE_EVENT_BUS: &str = "/service/AWSEventsV2/operation/DescribeEventBus";
/// Entries per request: the API takes 1 to 100 (the classic bus 10).
const MAX_ENTRIES: usize = 100;
const HEADERS: [(&str, &str); 3] =
    [("smithy-protocol", "rpc-v2-cbor"), ("content-type", "application/cbor"), ("accept", "application/cbor")];

/// One entry: what differs between events (bus and source are the sink's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomBusEntry {
    detail_type: &'static str,
    detail: String,
    group: String,
    deduplication_id: String,
}

/// Publishes to one Custom Event Bus.
pub struct CustomBusSink {
    transport: SharedTransport,
    /// The service's endpoint, without the operation's path.
    endpoint: String,
    bus_arn: String,
    source: String,
    /// Entries answered `DEDUPLICATED` since the fan-out last took the count (one invocation at a time).
    deduplicated: AtomicU64,
}

impl CustomBusSink {
    /// A sink for the bus `bus_arn` at `endpoint`, with events' `Source` set to `source`.
    pub fn new(
        transport: SharedTransport,
        endpoint: impl Into<String>,
        bus_arn: impl Into<String>,
        source: impl Into<String>,
    ) -> Self {
        let endpoint = endpoint.into().trim_end_matches('/').to_owned();
        Self { transport, endpoint, bus_arn: bus_arn.into(), source: source.into(), deduplicated: AtomicU64::new(0) }
    }

    /// The bus's ARN, as `EVENT_BUS_NAME` gives it.
    pub(crate) fn bus(&self) -> &str {
        &self.bus_arn
    }

    /// The entries answered `DEDUPLICATED` since the last call: already on the bus, stored once.
    pub(crate) fn take_deduplicated(&self) -> u64 {
        self.deduplicated.swap(0, Ordering::Relaxed)
    }

    fn service(&self, path: &str) -> Service {
        Service { url: format!("{}{path}", self.endpoint), signing_name: SIGNING_NAME }
    }

    /// The entry for `event`.
    pub fn to_entry(&self, event: &DomainEvent) -> CustomBusEntry {
        CustomBusEntry {
            detail_type: event.name(),
            detail: crate::sqs_text::to_json(event),
            group: message_group_id(event.player_id()),
            deduplication_id: event.meta().event_id.clone(),
        }
    }

    fn size(&self, detail_type: &str, detail_len: usize, group: &str, deduplication_id: &str) -> usize {
        self.source.len() + detail_type.len() + detail_len + group.len() + deduplication_id.len()
    }

    /// The request body for `entries`: CBOR, as the protocol takes it.
    pub fn request_body(&self, entries: &[CustomBusEntry]) -> Vec<u8> {
        let entries = entries
            .iter()
            .map(|entry| RequestEntry {
                source: &self.source,
                detail_type: entry.detail_type,
                detail: &entry.detail,
                system_metadata: SystemMetadata {
                    event_group_id: &entry.group,
                    deduplication_id: &entry.deduplication_id,
                },
            })
            .collect();
        cbor(&PutEventsRequest { event_bus_arn: &self.bus_arn, entries })
    }

    /// Whether the bus is there: `DescribeEventBus`, answered within `timeout`.
    pub(crate) async fn describe_bus(&self, timeout: std::time::Duration) -> Result<(), WireError> {
        let body = cbor(&DescribeEventBusRequest { event_bus_arn: &self.bus_arn });
        let answer = wire::post(&self.transport, &self.service(DESCRIBE_EVENT_BUS), &HEADERS, body, timeout).await?;
        if answer.is_success() {
            Ok(())
        } else {
            Err(read_error(answer))
        }
    }
}

fn cbor<T: Serialize>(value: &T) -> Vec<u8> {
    let mut body = Vec::new();
    // Strings in maps and lists, into a Vec: serializing cannot fail.
    let _ = ciborium::into_writer(value, &mut body);
    body
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PutEventsRequest<'a> {
    event_bus_arn: &'a str,
    entries: Vec<RequestEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeEventBusRequest<'a> {
    event_bus_arn: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RequestEntry<'a> {
    source: &'a str,
    detail_type: &'a str,
    detail: &'a str,
    system_metadata: SystemMetadata<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SystemMetadata<'a> {
    event_group_id: &'a str,
    deduplication_id: &'a str,
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
    success_code: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
}

/// The protocol's error body: the error's shape id in `__type` (`com.amazonaws.eventbridgev2#ThrottlingException`),
/// its message in `Message` (or `message`).
#[derive(Deserialize)]
struct ErrorAnswer {
    #[serde(rename = "__type")]
    error_type: Option<String>,
    #[serde(rename = "Message", alias = "message")]
    message: Option<String>,
}

fn read_error(answer: Answer) -> WireError {
    let parsed: Option<ErrorAnswer> = ciborium::from_reader(answer.body.as_ref()).ok();
    let (code, message) = parsed.map_or((None, None), |parsed| (parsed.error_type, parsed.message));
    let code = code
        .and_then(|raw| raw.rsplit('#').next().and_then(|code| code.split(':').next()).map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP{}", answer.status));
    WireError::Service {
        status: answer.status,
        code,
        message: message.unwrap_or_default(),
        request_id: answer.request_id,
    }
}

impl CustomBusSink {
    /// An entry's result: delivered (`PUBLISHED` or `DEDUPLICATED`), or its error code's class.
    fn outcome(&self, result: Option<&ResultEntry>, request_id: &Option<String>) -> Result<(), EntryError> {
        let Some(result) = result else {
            let message = "the response did not list the entry".into();
            return Err(EntryError::Failed {
                sink: SINK,
                code: "NoResult".into(),
                message,
                request_id: request_id.clone(),
            });
        };
        match (&result.error_code, result.success_code.as_deref()) {
            (Some(code), _) => {
                let message = result.error_message.clone().unwrap_or_default();
                Err(EntryError::for_entry(SINK, code.clone(), message, request_id.clone()))
            }
            (None, Some("DEDUPLICATED")) => {
                self.deduplicated.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            (None, _) => Ok(()),
        }
    }
}

impl Sink for CustomBusSink {
    type Entry = CustomBusEntry;

    fn name(&self) -> &'static str {
        SINK
    }

    fn max_entries(&self) -> usize {
        MAX_ENTRIES
    }

    fn prepare(&self, event: &DomainEvent, _index: usize) -> Prepared<Self::Entry> {
        let entry = self.to_entry(event);
        let size = self.size(entry.detail_type, entry.detail.len(), &entry.group, &entry.deduplication_id);
        let group = Some(entry.group.clone());
        Prepared { size, entry, group }
    }

    fn measure(&self, event: &DomainEvent, json_len: usize, _index: usize) -> Prepared<()> {
        let group = message_group_id(event.player_id());
        let size = self.size(event.name(), json_len, &group, &event.meta().event_id);
        Prepared { size, entry: (), group: Some(group) }
    }

    async fn send(&self, entries: Vec<Self::Entry>, call: &Call<'_>) -> Vec<Result<(), EntryError>> {
        let count = entries.len();
        let body = self.request_body(&entries);
        let answer = wire::post(&self.transport, &self.service(PUT_EVENTS), &HEADERS, body, call.timeout).await;
        let read = answer.and_then(|answer| {
            if !answer.is_success() {
                return Err(read_error(answer));
            }
            let response: PutEventsResponse = ciborium::from_reader(answer.body.as_ref())
                .map_err(|e| WireError::Unexpected(format!("PutEvents answer is not its CBOR: {e}")))?;
            Ok((response.entries, answer.request_id))
        });
        match read {
            Ok((results, request_id)) => (0..count).map(|i| self.outcome(results.get(i), &request_id)).collect(),
            Err(error) => vec![Err(EntryError::for_request(SINK, error, count)); count],
        }
    }
}

#[cfg(test)]
#[path = "custom_bus_tests.rs"]
mod tests;

//! Serving the two operations: the smithy-rpc-v2-cbor router (POST, `Smithy-Protocol: rpc-v2-cbor`, no
//! `X-Amz-Target`, the last four path segments `service/<AWSEventsV2 or its absolute shape id>/operation/<name>`),
//! the caller's account from its SigV4 credential scope, the faults on demand, then the operation. Besides,
//! `GET /stand-in/stats` answers the counters as JSON, for scripts (the demo) that cannot hold the handle.

use super::cbor::{self, structure};
use super::error::ServiceError;
use super::faults::Faults;
use super::ledger::{Ledger, Outcome};
use super::request::{describe_input, put_events_input};
use super::wire::{self, Request};
use ciborium::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpStream};

/// The service segment: the service shape's name, or its absolute shape id with `#` as `.` (which the protocol
/// says servers SHOULD accept).
const SERVICE_NAMES: [&str; 2] = ["AWSEventsV2", "com.amazonaws.eventbridgev2.AWSEventsV2"];

/// The stand-in's clock: the machine's, plus whatever a test skipped forward.
#[derive(Clone, Debug, Default)]
pub(super) struct Clock(Arc<Mutex<Duration>>);

impl Clock {
    /// Now, monotonic and in epoch seconds.
    pub fn now(&self) -> (Instant, f64) {
        let skipped = *self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + skipped;
        (Instant::now() + skipped, wall.as_secs_f64())
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
    }
}

pub(super) struct Shared {
    pub ledger: Arc<Mutex<Ledger>>,
    pub faults: Faults,
    pub clock: Clock,
    pub region: String,
    pub account: String,
    /// Access key id -> publishing account.
    pub publishers: Vec<(String, String)>,
    pub requests: AtomicU64,
}

impl Shared {
    pub fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(connection(client, shared.clone()));
    }
}

async fn connection(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(request) = wire::read(&mut client, &mut buffer).await {
        if request.method == "GET" && request.path == "/stand-in/stats" {
            let stats = stats_json(&shared.ledger().stats);
            if !wire::respond(&mut client, 200, &[("content-type", "application/json")], stats.as_bytes()).await {
                return;
            }
            continue;
        }
        let number = shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let request_id = format!("00000000-0000-4000-8000-{number:012x}");
        let (status, body) = match answer(&shared, &request).and_then(|value| Ok(cbor::encode(&value)?)) {
            Ok(body) => (200, body),
            Err(error) => (error.status(), cbor::error_body(&error).unwrap_or_default()),
        };
        let headers = [
            ("smithy-protocol", "rpc-v2-cbor"),
            ("content-type", "application/cbor"),
            ("x-amzn-requestid", &request_id),
        ];
        if !wire::respond(&mut client, status, &headers, &body).await {
            return;
        }
    }
}

impl From<std::io::Error> for ServiceError {
    fn from(error: std::io::Error) -> Self {
        Self::Internal(format!("encoding the answer: {error}"))
    }
}

fn answer(shared: &Shared, request: &Request) -> Result<Value, ServiceError> {
    let operation = route(request)?;
    let account = publisher(shared, request)?;
    match operation {
        "PutEvents" => {
            shared.ledger().stats.put_events_calls += 1;
            if let Some(fault) = shared.faults.call() {
                if fault == ServiceError::Throttling {
                    shared.ledger().stats.throttled_calls += 1;
                }
                return Err(fault);
            }
            let input = put_events_input(&cbor::decode(&request.body)?)?;
            let outcomes = shared.ledger().put_events(input, &account, shared.clock.now(), &shared.faults)?;
            Ok(put_events_output(&outcomes))
        }
        "DescribeEventBus" => shared.ledger().describe(&describe_input(&cbor::decode(&request.body)?)?),
        other => Err(ServiceError::UnknownOperation(format!("the stand-in does not serve {other}"))),
    }
}

/// The operation a request names, once it holds to the protocol.
fn route(request: &Request) -> Result<&str, ServiceError> {
    if request.method != "POST" {
        return Err(ServiceError::MethodNotAllowed(format!("{} is not POST", request.method)));
    }
    if request.header("x-amz-target").is_some() || request.header("x-amzn-target").is_some() {
        return Err(ServiceError::UnknownOperation("rpc-v2-cbor requests carry no X-Amz-Target".into()));
    }
    if request.header("smithy-protocol") != Some("rpc-v2-cbor") {
        return Err(ServiceError::UnknownOperation("no Smithy-Protocol: rpc-v2-cbor header".into()));
    }
    let path = request.path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.rsplit('/').take(4).collect();
    match segments[..] {
        [operation, "operation", service, "service"] if SERVICE_NAMES.contains(&service) => Ok(operation),
        _ => Err(ServiceError::UnknownOperation(format!("no operation at {path}"))),
    }
}

/// The publishing account: the one mapped to the SigV4 access key, else the buses' owner. The signature is not
/// checked (the stand-in has no secrets), but its scope is, as AWS does: service `events`, the stand-in's region.
fn publisher(shared: &Shared, request: &Request) -> Result<String, ServiceError> {
    let denied = |why: String| Err(ServiceError::AccessDenied(why));
    let Some(authorization) = request.header("authorization") else {
        return denied("the request is not signed (no SigV4 Authorization header)".into());
    };
    let credential = authorization.split("Credential=").nth(1).and_then(|rest| rest.split(',').next());
    let scope: Vec<&str> = credential.unwrap_or_default().trim().split('/').collect();
    let [access_key, _date, region, service, "aws4_request"] = scope[..] else {
        return denied(format!("no SigV4 credential scope in {authorization:?}"));
    };
    if service != "events" {
        return denied(format!("Credential should be scoped to correct service: 'events', not '{service}'"));
    }
    if region != shared.region {
        return denied(format!("Credential should be scoped to a valid region: '{}', not '{region}'", shared.region));
    }
    let mapped = shared.publishers.iter().find(|(key, _)| key == access_key);
    Ok(mapped.map_or_else(|| shared.account.clone(), |(_, account)| account.clone()))
}

fn stats_json(stats: &super::ledger::Stats) -> String {
    serde_json::json!({
        "put_events_calls": stats.put_events_calls, "throttled_calls": stats.throttled_calls,
        "published": stats.published, "deduplicated": stats.deduplicated, "failed_entries": stats.failed_entries,
        "delivered": stats.delivered, "undeliverable": stats.undeliverable,
    })
    .to_string()
}

fn put_events_output(outcomes: &[Outcome]) -> Value {
    let text = |s: &str| Value::Text(s.to_owned());
    let entries = outcomes.iter().map(|outcome| match outcome {
        Outcome::Published { event_id, sequence } | Outcome::Deduplicated { event_id, sequence } => {
            let code = if matches!(outcome, Outcome::Published { .. }) { "PUBLISHED" } else { "DEDUPLICATED" };
            let sequence = Value::Text(sequence.to_string());
            structure(vec![("EventId", text(event_id)), ("SequenceNumber", sequence), ("SuccessCode", text(code))])
        }
        Outcome::Failed { code, message } => {
            structure(vec![("ErrorCode", text(code)), ("ErrorMessage", text(message))])
        }
    });
    let failed = outcomes.iter().filter(|outcome| matches!(outcome, Outcome::Failed { .. })).count();
    structure(vec![("FailedEntryCount", Value::Integer(failed.into())), ("Entries", Value::Array(entries.collect()))])
}

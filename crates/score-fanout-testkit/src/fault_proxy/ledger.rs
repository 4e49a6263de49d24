//! The ledger of deliveries: every `PutEvents` / `PublishBatch` entry the proxy forwarded upstream, when its request
//! reached the proxy, whether the upstream accepted it, and what became of the answer on the way back. A sink that
//! accepted an entry more than once delivered it more than once; the fate of the copy before tells why the function
//! sent it again.

use super::upstream::Exchange;
use super::wire::{split_response, Service};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

/// What became of the answer to a forwarded request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerFate {
    /// The whole answer was written to a client that was still waiting for it: the function knew the outcome.
    Answered,
    /// The connection was reset halfway through the answer, or writing it failed.
    AnswerLost,
    /// The client closed the connection before the answer was ready: its call timed out.
    GivenUp,
}

/// One entry forwarded upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub service: Service,
    /// The domain event's `eventId`.
    pub event_id: String,
    /// When the request carrying it reached the proxy: the order the function sent its copies in, even when an
    /// earlier copy (delayed, or given up on) reached the upstream after a later one.
    pub arrived: Instant,
    /// Whether the upstream accepted it (a success in its answer): only then did a subscriber get it.
    pub accepted: bool,
    pub fate: AnswerFate,
}

/// The copies a sink accepted beyond the first of each event, by what became of the copy before each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DuplicateCauses {
    /// The copy before was answered: the function had the sink's acceptance and sent the entry again.
    pub rewind: usize,
    /// The function gave up on the call carrying the copy before.
    pub given_up: usize,
    /// The answer to the copy before was lost on the way.
    pub lost_answer: usize,
}

impl DuplicateCauses {
    /// Every copy beyond the first.
    pub fn total(&self) -> usize {
        self.rewind + self.given_up + self.lost_answer
    }
}

impl fmt::Display for DuplicateCauses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rewind {}, given-up call {}, lost answer {}", self.rewind, self.given_up, self.lost_answer)
    }
}

/// Each accepted copy after an event's first, attributed to the fate of the accepted copy before it. Copies the
/// upstream refused are left out: they delivered nothing, and the function was told so.
pub fn duplicate_causes(ledger: &[Delivery], service: Service) -> DuplicateCauses {
    let mut copies: HashMap<&str, Vec<&Delivery>> = HashMap::new();
    for delivery in ledger.iter().filter(|d| d.service == service && d.accepted) {
        copies.entry(&delivery.event_id).or_default().push(delivery);
    }
    let mut causes = DuplicateCauses::default();
    for mut copies in copies.into_values() {
        copies.sort_by_key(|d| d.arrived);
        for before in &copies[..copies.len() - 1] {
            match before.fate {
                AnswerFate::Answered => causes.rewind += 1,
                AnswerFate::GivenUp => causes.given_up += 1,
                AnswerFate::AnswerLost => causes.lost_answer += 1,
            }
        }
    }
    causes
}

/// How many copies of each event `service` accepted.
pub fn accepted_copies(ledger: &[Delivery], service: Service) -> HashMap<String, usize> {
    let mut copies = HashMap::new();
    for delivery in ledger.iter().filter(|d| d.service == service && d.accepted) {
        *copies.entry(delivery.event_id.clone()).or_default() += 1;
    }
    copies
}

/// The deliveries so far, shared by the proxy's connections.
#[derive(Default)]
pub(super) struct Ledger(Mutex<Vec<Delivery>>);

impl Ledger {
    /// Records the entries of every exchange of one request with its answer's fate.
    pub(super) fn record(&self, service: Service, exchanges: &[Exchange], arrived: Instant, fate: AnswerFate) {
        let deliveries: Vec<Delivery> = exchanges
            .iter()
            .flat_map(|exchange| entries(service, exchange))
            .map(|(event_id, accepted)| Delivery { service, event_id, arrived, accepted, fate })
            .collect();
        if !deliveries.is_empty() {
            self.0.lock().expect("ledger").extend(deliveries);
        }
    }

    pub(super) fn snapshot(&self) -> Vec<Delivery> {
        self.0.lock().expect("ledger").clone()
    }
}

/// The eventId of each entry `exchange` carried, and whether the upstream accepted it. A body of any other
/// operation carries none.
pub(super) fn entries(service: Service, exchange: &Exchange) -> Vec<(String, bool)> {
    let (status, _, answer) = split_response(&exchange.answer);
    let answered = status == 200;
    match service {
        Service::EventBridge => put_events(&exchange.body, answered.then_some(answer.as_slice())),
        Service::Sns => publish_batch(&exchange.body, answered.then_some(answer.as_slice())),
        _ => Vec::new(),
    }
}

/// `Entries[i].Detail` holds the event as a JSON string; the answer's `Entries[i]` has an `EventId` when accepted.
fn put_events(body: &[u8], answer: Option<&[u8]>) -> Vec<(String, bool)> {
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let answer: Value = answer.and_then(|a| serde_json::from_slice(a).ok()).unwrap_or(Value::Null);
    let results = answer["Entries"].as_array().map(Vec::as_slice).unwrap_or_default();
    let entries = request["Entries"].as_array().map(Vec::as_slice).unwrap_or_default();
    entries
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| {
            let event_id = event_id_in(entry["Detail"].as_str()?)?;
            let accepted = results.get(i).is_some_and(|r| r.get("EventId").is_some() && r.get("ErrorCode").is_none());
            Some((event_id, accepted))
        })
        .collect()
}

const MEMBER: &str = "PublishBatchRequestEntries.member.";

/// `PublishBatchRequestEntries.member.N.Message` holds the event; the answer's `<Successful>` names accepted `Id`s.
fn publish_batch(body: &[u8], answer: Option<&[u8]>) -> Vec<(String, bool)> {
    let mut members: Vec<(usize, Option<String>, Option<String>)> = Vec::new();
    for (key, value) in form_urlencoded::parse(body) {
        let Some((n, field)) = key.strip_prefix(MEMBER).and_then(|rest| rest.split_once('.')) else { continue };
        let Ok(n) = n.parse::<usize>() else { continue };
        let at = members.iter().position(|(m, ..)| *m == n).unwrap_or_else(|| {
            members.push((n, None, None));
            members.len() - 1
        });
        match field {
            "Id" => members[at].1 = Some(value.into_owned()),
            "Message" => members[at].2 = Some(value.into_owned()),
            _ => {}
        }
    }
    members.sort_by_key(|(n, ..)| *n);
    let successful = answer.map(successful_ids).unwrap_or_default();
    members
        .into_iter()
        .filter_map(|(_, id, message)| {
            let accepted = id.is_some_and(|id| successful.contains(&id));
            Some((event_id_in(&message?)?, accepted))
        })
        .collect()
}

/// The `<Id>`s inside `<Successful>` (SNS batch ids are letters, digits, `-` and `_`: nothing to unescape).
fn successful_ids(answer: &[u8]) -> Vec<String> {
    let xml = String::from_utf8_lossy(answer);
    let Some((_, rest)) = xml.split_once("<Successful>") else { return Vec::new() };
    let list = rest.split_once("</Successful>").map_or(rest, |(list, _)| list);
    list.split("<Id>").skip(1).filter_map(|part| part.split_once("</Id>").map(|(id, _)| id.to_owned())).collect()
}

fn event_id_in(event: &str) -> Option<String> {
    let event: Value = serde_json::from_str(event).ok()?;
    event["eventId"].as_str().map(str::to_owned)
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;

//! What the stand-in holds: its buses, the deduplication windows ([`super::dedup`]), the events it accepted in
//! ingestion order, and its counters. PutEvents is decided here, under one lock, so that the order events reach the
//! FIFO subscribers' lanes is the order of their sequence numbers.

use super::cbor::{structure, timestamp};
use super::config::{BusSpec, BusState, CustomBusConfig};
use super::dedup::{Key, Windows};
use super::error::ServiceError;
use super::event::{envelope_time, AcceptedEvent};
use super::faults::Faults;
use super::request::{EntryInput, PutEventsInput};
use ciborium::Value;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// What the stand-in got and did; each count since it started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// PutEvents calls received, answered or refused.
    pub put_events_calls: usize,
    /// PutEvents calls answered 429.
    pub throttled_calls: usize,
    /// Entries answered `PUBLISHED`.
    pub published: usize,
    /// Entries answered `DEDUPLICATED`.
    pub deduplicated: usize,
    /// Entries answered with an `ErrorCode` (counted in FailedEntryCount).
    pub failed_entries: usize,
    /// Messages the FIFO subscribers' queues took.
    pub delivered: usize,
    /// Events a FIFO subscriber gave up on (no EventGroupId for the queue's group, or SendMessage kept failing).
    pub undeliverable: usize,
}

/// One entry's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Published {
        event_id: String,
        sequence: u64,
    },
    /// The answer of the entry it repeats: its EventId and SequenceNumber.
    Deduplicated {
        event_id: String,
        sequence: u64,
    },
    Failed {
        code: String,
        message: String,
    },
}

pub(super) struct Bus {
    pub arn: String,
    pub spec: BusSpec,
    created: f64,
    next_sequence: u64,
    pub lanes: Vec<UnboundedSender<AcceptedEvent>>,
}

pub(super) struct Ledger {
    pub region: String,
    pub buses: Vec<Bus>,
    windows: Windows,
    pub accepted: Vec<AcceptedEvent>,
    pub stats: Stats,
    /// Messages handed to the FIFO lanes; each ends delivered or undeliverable.
    pub queued: usize,
    rng: fastrand::Rng,
}

impl Ledger {
    /// The buses of `config`, their ids minted from its seed, created at `wall` (epoch seconds).
    pub fn new(config: &CustomBusConfig, wall: f64) -> Self {
        let mut rng = fastrand::Rng::with_seed(config.seed);
        let buses = config.buses.iter().map(|spec| {
            let id = spec.id.clone().unwrap_or_else(|| mint(&mut rng));
            let arn = format!("arn:aws:events:{}:{}:event-busv2/{}/{id}", config.region, config.account, spec.name);
            let spec = BusSpec { id: Some(id), ..spec.clone() };
            Bus { arn, spec, created: wall, next_sequence: 1, lanes: Vec::new() }
        });
        let buses = buses.collect();
        let (windows, accepted, stats) = (Windows::default(), Vec::new(), Stats::default());
        Ledger { region: config.region.clone(), buses, windows, accepted, stats, queued: 0, rng }
    }

    fn bus(&self, arn: &str) -> Result<usize, ServiceError> {
        let found = self.buses.iter().position(|bus| bus.arn == arn);
        found.ok_or_else(|| ServiceError::ResourceNotFound(format!("Event bus {arn} does not exist.")))
    }

    /// DescribeEventBus' output.
    pub fn describe(&self, arn: &str) -> Result<Value, ServiceError> {
        let bus = &self.buses[self.bus(arn)?];
        let storage = structure(vec![
            ("RetentionPeriodInDays", Value::Integer(bus.spec.retention_days.into())),
            ("RetentionWindowStartTime", timestamp(bus.created)),
        ]);
        Ok(structure(vec![
            ("EventBusArn", Value::Text(bus.arn.clone())),
            ("Name", Value::Text(bus.spec.name.clone())),
            ("StorageConfiguration", storage),
            ("CreationTime", timestamp(bus.created)),
            ("LastModifiedTime", timestamp(bus.created)),
            ("State", Value::Text(bus.spec.state.as_str().to_owned())),
        ]))
    }

    /// Sets the state of bus `name`; false when there is none.
    pub fn set_state(&mut self, name: &str, state: BusState) -> bool {
        let bus = self.buses.iter_mut().find(|bus| bus.spec.name == name);
        bus.map(|bus| bus.spec.state = state).is_some()
    }

    /// PutEvents by `account` at `now` (`wall` in epoch seconds): one outcome per entry, in the request's order.
    pub fn put_events(
        &mut self,
        input: PutEventsInput,
        account: &str,
        (now, wall): (Instant, f64),
        faults: &Faults,
    ) -> Result<Vec<Outcome>, ServiceError> {
        let index = self.bus(&input.bus_arn)?;
        let state = self.buses[index].spec.state;
        if !state.accepts_events() {
            let message = format!("Event bus {} is {}: it cannot accept events.", input.bus_arn, state.as_str());
            return Err(ServiceError::InvalidState(message));
        }
        self.windows.close(now);
        // The per-entry ErrorCode vocabulary of PutEvents is undocumented (the model has a free string; the guide
        // documents only PutRawEvents' VALIDATION_ERROR): an entry off the model gets the name of the model's own
        // error for "a request parameter is missing or not valid".
        let outcomes = input.entries.into_iter().map(|entry| match entry {
            Err(message) => Outcome::Failed { code: "InvalidInputException".into(), message },
            Ok(entry) => match faults.entry() {
                Some(code) => Outcome::Failed { code, message: "Injected by the stand-in.".into() },
                None => self.ingest(index, entry, account, input.content_based, (now, wall)),
            },
        });
        let outcomes: Vec<Outcome> = outcomes.collect();
        for outcome in &outcomes {
            match outcome {
                Outcome::Published { .. } => self.stats.published += 1,
                Outcome::Deduplicated { .. } => self.stats.deduplicated += 1,
                Outcome::Failed { .. } => self.stats.failed_entries += 1,
            }
        }
        Ok(outcomes)
    }

    fn ingest(
        &mut self,
        index: usize,
        entry: EntryInput,
        account: &str,
        content_based: bool,
        at: (Instant, f64),
    ) -> Outcome {
        let key = Key::of(&self.buses[index].arn, account, &entry, content_based);
        if let Some((event_id, sequence)) = key.as_ref().and_then(|key| self.windows.find(key)) {
            return Outcome::Deduplicated { event_id, sequence };
        }
        let event_id = uuid(&mut self.rng);
        let bus = &mut self.buses[index];
        let sequence = bus.next_sequence;
        bus.next_sequence += 1;
        let event = AcceptedEvent {
            bus_arn: bus.arn.clone(),
            event_id: event_id.clone(),
            sequence_number: sequence,
            account: account.to_owned(),
            region: self.region.clone(),
            source: entry.source,
            detail_type: entry.detail_type,
            detail: entry.detail.unwrap_or_else(|| "{}".into()),
            resources: entry.resources,
            time: envelope_time(entry.time.unwrap_or(at.1)),
            event_group_id: entry.event_group_id,
            deduplication_id: entry.deduplication_id,
        };
        for lane in &bus.lanes {
            // A lane whose task is gone (its runtime ended) can take nothing more; that is the test's end anyway.
            if lane.send(event.clone()).is_ok() {
                self.queued += 1;
            }
        }
        if let Some(key) = key {
            self.windows.open(key, at.0, &event_id, sequence);
        }
        self.accepted.push(event);
        Outcome::Published { event_id, sequence }
    }
}

/// A bus id: 25 of `[a-z0-9]`, as the ARN pattern has it.
fn mint(rng: &mut fastrand::Rng) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..25).map(|_| char::from(ALPHABET[rng.usize(..ALPHABET.len())])).collect()
}

/// An EventId in the UUID form the classic bus answers with.
fn uuid(rng: &mut fastrand::Rng) -> String {
    let (a, b, c) = (rng.u32(..), rng.u16(..), rng.u16(..0x1000));
    format!("{a:08x}-{b:04x}-4{c:03x}-{:04x}-{:012x}", rng.u16(..0x4000) | 0x8000, rng.u64(..1 << 48))
}

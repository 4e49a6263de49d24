//! A stand-in for EventBridge's Custom Event Bus API (`eventbridgev2`, 2025-05-15), which moto does not serve:
//! `PutEvents` and `DescribeEventBus` over smithy-rpc-v2-cbor on 127.0.0.1, for `AWS_ENDPOINT_URL_EVENTBRIDGEV2`.
//! It holds what the API reference and the user guide document: the model's validation and error shapes, duplicate
//! suppression per (bus, publishing account, event group, DeduplicationId) within 300 s answered `DEDUPLICATED`,
//! sequence numbers that increase with ingestion, a bus still `CREATING` refusing events, and FIFO subscribers
//! delivering each event group in publish order to an SQS FIFO queue (on moto). Throttling and failed entries come
//! on demand ([`Faults`]); a test skips the 300 s with [`CustomBus::advance_clock`].
//!
//! ```no_run
//! # async fn demo(sqs: aws_sdk_sqs::Client, queue_url: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use score_fanout_testkit::custom_bus::CustomBusConfig;
//! let bus = CustomBusConfig::new().bus("scores").fifo_subscriber("scores", queue_url, sqs).start().await?;
//! let arn = bus.arn("scores").expect("configured"); // EVENT_BUS_NAME; bus.endpoint: AWS_ENDPOINT_URL_EVENTBRIDGEV2
//! bus.faults().throttle_next_calls(2);
//! # Ok(()) }
//! ```

mod cbor;
mod config;
mod dedup;
mod error;
mod event;
mod faults;
mod fifo;
mod ledger;
mod request;
mod server;
mod wire;

pub use config::{BusSpec, BusState, ConfigError, CustomBusConfig, FifoSubscriber};
pub use dedup::DEDUPLICATION_WINDOW;
pub use error::ServiceError;
pub use event::AcceptedEvent;
pub use faults::Faults;
pub use fifo::Delivery;
pub use ledger::Stats;
pub use request::{parse_bus_arn, BusArn};

use ledger::Ledger;
use server::{Clock, Shared};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A running stand-in; it serves until the runtime that started it ends.
pub struct CustomBus {
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_EVENTBRIDGEV2`.
    pub endpoint: String,
    shared: Arc<Shared>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
}

impl CustomBusConfig {
    /// Binds 127.0.0.1 and serves this configuration; the FIFO subscribers' lanes start with it.
    pub async fn start(self) -> Result<CustomBus, ConfigError> {
        self.check()?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|source| ConfigError::Bind { port: self.port, source })?;
        let address = listener.local_addr().map_err(|source| ConfigError::Bind { port: self.port, source })?;
        let clock = Clock::default();
        let ledger = Arc::new(Mutex::new(Ledger::new(&self, clock.now().1)));
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        for subscriber in self.subscribers {
            let bus = subscriber.bus.clone();
            let lane = fifo::start(subscriber, ledger.clone(), deliveries.clone());
            let mut held = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            held.buses.iter_mut().filter(|b| b.spec.name == bus).for_each(|b| b.lanes.push(lane.clone()));
        }
        let shared = Arc::new(Shared {
            ledger,
            faults: Faults::new(self.seed),
            clock,
            region: self.region,
            account: self.account,
            publishers: self.publishers,
            requests: Default::default(),
        });
        tokio::spawn(server::serve(listener, shared.clone()));
        Ok(CustomBus { endpoint: format!("http://{address}"), shared, deliveries })
    }
}

impl CustomBus {
    /// The ARN of bus `name` (what `EVENT_BUS_NAME` takes).
    pub fn arn(&self, name: &str) -> Option<String> {
        self.shared.ledger().buses.iter().find(|bus| bus.spec.name == name).map(|bus| bus.arn.clone())
    }

    /// The faults handle (shared: a clone still acts on this stand-in).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Skips the stand-in's clock forward (past the 300 s deduplication window, say); the envelope's default
    /// `time` moves with it.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.clock.advance(by);
    }

    /// Sets bus `name`'s state (`CREATING` to `ACTIVE`, say); false when there is no such bus.
    pub fn set_state(&self, name: &str, state: BusState) -> bool {
        self.shared.ledger().set_state(name, state)
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.ledger().stats
    }

    /// Every event accepted (`PUBLISHED`), on every bus, in ingestion order.
    pub fn accepted(&self) -> Vec<AcceptedEvent> {
        self.shared.ledger().accepted.clone()
    }

    /// The events accepted in event group `group` of any bus, in ingestion order.
    pub fn accepted_in_group(&self, group: &str) -> Vec<AcceptedEvent> {
        let ledger = self.shared.ledger();
        ledger.accepted.iter().filter(|event| event.event_group_id.as_deref() == Some(group)).cloned().collect()
    }

    /// The messages the FIFO subscribers' queues took, in the order they took them.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Waits until every accepted event has been delivered (or given up on) by every FIFO subscriber of its bus;
    /// false if that takes longer than `within`.
    pub async fn deliveries_done(&self, within: Duration) -> bool {
        let started = Instant::now();
        loop {
            let done = {
                let ledger = self.shared.ledger();
                ledger.stats.delivered + ledger.stats.undeliverable == ledger.queued
            };
            if done {
                return true;
            }
            if started.elapsed() > within {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests;

//! A fault-injecting HTTP proxy between the function and the local AWS server, doing what the real services do
//! and moto does not. It recognises EventBridge, SNS (`PublishBatch`, `GetTopicAttributes`) and SQS calls, and per
//! call either forwards it, answers with one of the services' documented errors in its wire shape ([`errors`],
//! [`checks`]), refuses a request holding a given entry, drops the connection, resets it in the middle of the
//! answer, answers late, never answers, fails some entries for real (they are removed before forwarding, so they are
//! not delivered, and reported failed in the response exactly as the service would), or answers a `PutEvents` for a
//! missing bus as AWS does. It keeps a ledger of the entries it forwarded and what became of each answer, which
//! tells every duplicate's cause. It also serves as a plain HTTP proxy (`HTTP_PROXY`): a request in absolute form is
//! forwarded as it came.

pub mod checks;
pub mod errors;
mod fault;
mod ledger;
mod like_aws;
mod partial;
mod serve;
mod upstream;
mod wire;

pub use fault::{Call, Fault};
pub use ledger::{accepted_copies, duplicate_causes, AnswerFate, Delivery, DuplicateCauses};
pub use wire::{response, Request, Service};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// A running proxy; requests go to `endpoint`.
pub struct FaultProxy {
    pub endpoint: String,
    /// Calls per service ([`Service`] as index), destination checks apart.
    pub counts: Arc<[AtomicUsize; 4]>,
    /// The targets of the `CONNECT` requests it received as an HTTPS proxy (it refuses to tunnel them).
    pub tunnels: Arc<Mutex<Vec<String>>>,
    shared: Arc<serve::Shared>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (host:port) whose faults come from `policy`, seeded for reproducible runs.
    pub async fn start(
        upstream: &str,
        seed: u64,
        policy: impl Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy port");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let shared = Arc::new(serve::Shared::new(upstream, seed, Box::new(policy)));
        let (counts, tunnels) = (shared.counts.clone(), shared.tunnels.clone());
        let serving = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve::serve(client, serving.clone()));
            }
        });
        Self { endpoint, counts, tunnels, shared }
    }

    /// Calls seen for `service`, its destination checks apart.
    pub fn calls(&self, service: Service) -> usize {
        self.counts[service as usize].load(Ordering::Relaxed)
    }

    /// Destination checks seen for `service`.
    pub fn checks(&self, service: Service) -> usize {
        self.shared.checks[service as usize].load(Ordering::Relaxed)
    }

    /// The longest the upstream took to answer a call for `service` that was forwarded as it came. A client that
    /// gave up on such a call before its answer may send its entries again: the upstream then has them twice.
    pub fn slowest_upstream_answer(&self, service: Service) -> Duration {
        self.shared.slowest.lock().expect("slowest")[service as usize]
    }

    /// Every `PutEvents` / `PublishBatch` entry forwarded upstream so far, in the order their calls finished.
    pub fn ledger(&self) -> Vec<Delivery> {
        self.shared.ledger.snapshot()
    }

    /// The copies `service` accepted beyond each event's first, by cause.
    pub fn duplicates(&self, service: Service) -> DuplicateCauses {
        duplicate_causes(&self.ledger(), service)
    }

    /// Waits until no call that may reach the upstream is being handled (a call never answered aside), so that
    /// the ledger and the upstream hold everything sent so far.
    pub async fn settled(&self) {
        while self.shared.forwarding.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests;

//! A fault-injecting HTTP proxy between the function and the local AWS server. It recognises EventBridge
//! `PutEvents`, SNS `PublishBatch` and SQS calls, and per call either forwards it, answers with an error, drops the
//! connection, stalls, or fails some entries for real (they are removed before forwarding, so they are not
//! delivered, and reported failed in the response exactly as the service would).

mod partial;
mod wire;

pub use wire::{response, Request, Service};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use wire::{forward, read_request};

/// What the proxy does with one call.
#[derive(Clone, Debug)]
pub enum Fault {
    Forward,
    /// The service's throttling error (HTTP 400 with its throttle code).
    Throttle,
    /// An HTTP 5xx with an empty body.
    Status(u16),
    /// The connection is closed without an answer.
    Drop,
    /// Forwarded after a pause.
    Delay(Duration),
    /// Never answered.
    Hang,
    /// Each entry fails with probability `probability` with `code`; `sender_fault` marks SNS entries invalid.
    FailEntries {
        probability: f64,
        code: &'static str,
        sender_fault: bool,
    },
}

/// One intercepted call, as a policy sees it.
pub struct Call {
    pub service: Service,
    /// Calls to this service so far, this one included.
    pub number: usize,
}

type Policy = dyn Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync;

/// A running proxy; requests go to `endpoint`.
pub struct FaultProxy {
    pub endpoint: String,
    pub counts: Arc<[AtomicUsize; 4]>,
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
        let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
        let shared = Arc::new(Shared {
            upstream: upstream.trim_start_matches("http://").to_owned(),
            policy: Box::new(policy),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            counts: counts.clone(),
        });
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, shared.clone()));
            }
        });
        Self { endpoint, counts }
    }

    /// Calls seen for `service`.
    pub fn calls(&self, service: Service) -> usize {
        self.counts[service as usize].load(Ordering::Relaxed)
    }
}

struct Shared {
    upstream: String,
    policy: Box<Policy>,
    rng: Mutex<fastrand::Rng>,
    counts: Arc<[AtomicUsize; 4]>,
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut client, &mut buffer).await {
        let service = request.service();
        let number = shared.counts[service as usize].fetch_add(1, Ordering::Relaxed) + 1;
        let fault = {
            let mut rng = shared.rng.lock().expect("rng");
            if service == Service::Other {
                Fault::Forward
            } else {
                (shared.policy)(&Call { service, number }, &mut rng)
            }
        };
        let response = match fault {
            Fault::Forward => forward(&shared.upstream, &request).await,
            Fault::Throttle => throttle(service),
            Fault::Status(status) => response(status, "text/plain", Vec::new()),
            Fault::Drop => return,
            Fault::Delay(pause) => {
                tokio::time::sleep(pause).await;
                forward(&shared.upstream, &request).await
            }
            Fault::Hang => {
                std::future::pending::<()>().await;
                return;
            }
            Fault::FailEntries { probability, code, sender_fault } => {
                let failed = |rng: &mut fastrand::Rng| rng.f64() < probability;
                let mut rng = shared.rng.lock().expect("rng").fork();
                partial::fail_entries(&shared.upstream, service, request, code, sender_fault, |_| failed(&mut rng))
                    .await
            }
        };
        if client.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn throttle(service: Service) -> Vec<u8> {
    match service {
        Service::Sns => {
            let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>";
            response(400, "text/xml", xml.as_bytes().to_vec())
        }
        _ => {
            let json = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
            response(400, "application/x-amz-json-1.1", json.as_bytes().to_vec())
        }
    }
}

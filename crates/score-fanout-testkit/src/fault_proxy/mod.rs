//! A fault-injecting HTTP proxy between the function and the local AWS server, doing what the real services do
//! and moto does not. It recognises EventBridge `PutEvents`, SNS `PublishBatch` and SQS calls, and per call either
//! forwards it, answers with one of the services' documented errors in its wire shape ([`errors`]), refuses a
//! request holding a given entry, drops the connection, resets it in the middle of the answer, answers late, never
//! answers, or fails some entries for real (they are removed before forwarding, so they are not delivered, and
//! reported failed in the response exactly as the service would). It also serves as a plain HTTP proxy
//! (`HTTP_PROXY`): a request in absolute form is forwarded as it came.

pub mod errors;
mod partial;
mod wire;

pub use wire::{response, Request, Service};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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
    /// Each entry fails with probability `probability` with `code`; `sender_fault` is SNS's flag for it.
    FailEntries {
        probability: f64,
        code: &'static str,
        sender_fault: bool,
    },
    /// The whole request is answered with the service's error `code` and `status`, in its wire shape.
    Answer {
        status: u16,
        code: &'static str,
    },
    /// A request whose body holds `containing` (an eventId, say) is refused whole with `status` and `code`, as a
    /// service refuses a batch with one invalid entry; any other is forwarded.
    Refuse {
        containing: String,
        status: u16,
        code: &'static str,
    },
    /// Forwarded, and the connection closed halfway through the answer.
    ResetMidAnswer,
}

/// One intercepted call, as a policy sees it.
pub struct Call<'a> {
    pub service: Service,
    /// Calls to this service so far, this one included.
    pub number: usize,
    /// The request's body, for a policy that picks its fault by what the request carries.
    pub body: &'a [u8],
    /// The request's headers, as sent.
    pub headers: &'a [(String, String)],
}

impl Call<'_> {
    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Whether the request carries `needle` (an eventId, say), as it is or form-encoded.
    pub fn carries(&self, needle: &str) -> bool {
        contains(self.body, needle)
    }
}

type Policy = dyn Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync;

/// A running proxy; requests go to `endpoint`.
pub struct FaultProxy {
    pub endpoint: String,
    pub counts: Arc<[AtomicUsize; 4]>,
    /// The targets of the `CONNECT` requests it received as an HTTPS proxy (it refuses to tunnel them).
    pub tunnels: Arc<Mutex<Vec<String>>>,
    slowest: Arc<Mutex<[Duration; 4]>>,
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
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let slowest: Arc<Mutex<[Duration; 4]>> = Arc::default();
        let shared = Arc::new(Shared {
            upstream: upstream.trim_start_matches("http://").to_owned(),
            policy: Box::new(policy),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            counts: counts.clone(),
            tunnels: tunnels.clone(),
            slowest: slowest.clone(),
        });
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, shared.clone()));
            }
        });
        Self { endpoint, counts, tunnels, slowest }
    }

    /// Calls seen for `service`.
    pub fn calls(&self, service: Service) -> usize {
        self.counts[service as usize].load(Ordering::Relaxed)
    }

    /// The longest the upstream took to answer a call for `service` that was forwarded as it came. A client that
    /// gave up on such a call before its answer may send its entries again: the upstream then has them twice.
    pub fn slowest_upstream_answer(&self, service: Service) -> Duration {
        self.slowest.lock().expect("slowest")[service as usize]
    }
}

struct Shared {
    upstream: String,
    policy: Box<Policy>,
    rng: Mutex<fastrand::Rng>,
    counts: Arc<[AtomicUsize; 4]>,
    tunnels: Arc<Mutex<Vec<String>>>,
    slowest: Arc<Mutex<[Duration; 4]>>,
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut client, &mut buffer).await {
        if let Some(target) = request.line.strip_prefix("CONNECT ") {
            let target = target.split_whitespace().next().unwrap_or_default().to_owned();
            shared.tunnels.lock().expect("tunnels").push(target);
            let _ = client.write_all(&response(502, "text/plain", b"no tunnels here".to_vec())).await;
            return;
        }
        let service = request.service();
        let number = shared.counts[service as usize].fetch_add(1, Ordering::Relaxed) + 1;
        let fault = {
            let mut rng = shared.rng.lock().expect("rng");
            if service == Service::Other {
                Fault::Forward
            } else {
                (shared.policy)(&Call { service, number, body: &request.body, headers: &request.head }, &mut rng)
            }
        };
        let request_id = format!("fault-proxy-{service:?}-{number}");
        let response = match fault {
            Fault::Forward => {
                let started = Instant::now();
                let answer = forward(&shared.upstream, &request).await;
                let slowest = &mut shared.slowest.lock().expect("slowest")[service as usize];
                *slowest = (*slowest).max(started.elapsed());
                answer
            }
            Fault::Throttle => errors::throttle(service, &request_id),
            Fault::Answer { status, code } => errors::whole_request(service, status, code, &request_id),
            Fault::Refuse { containing, status, code } => {
                if contains(&request.body, &containing) {
                    errors::whole_request(service, status, code, &request_id)
                } else {
                    forward(&shared.upstream, &request).await
                }
            }
            Fault::ResetMidAnswer => {
                let answer = forward(&shared.upstream, &request).await;
                let _ = client.write_all(&answer[..answer.len() / 2]).await;
                return;
            }
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

/// Whether `body` holds `needle` (as it is, or form-encoded as SNS's query protocol sends it).
fn contains(body: &[u8], needle: &str) -> bool {
    let text = String::from_utf8_lossy(body);
    text.contains(needle) || form_urlencoded::parse(body).any(|(_, value)| value.contains(needle))
}

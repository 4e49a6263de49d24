//! One client connection: each request is numbered, given its fault by the policy, acted on while watching whether
//! the client gives up, answered, and its forwarded entries entered in the ledger with the answer's fate.

use super::fault::{contains, Call, Fault, Policy};
use super::ledger::{AnswerFate, Ledger};
use super::upstream::Upstream;
use super::wire::{read_request, response, Request, Service};
use super::{checks, errors, like_aws, partial};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What every connection of one proxy shares.
pub(super) struct Shared {
    upstream: String,
    policy: Box<Policy>,
    rng: Mutex<fastrand::Rng>,
    pub(super) counts: Arc<[AtomicUsize; 4]>,
    pub(super) checks: [AtomicUsize; 4],
    pub(super) tunnels: Arc<Mutex<Vec<String>>>,
    pub(super) slowest: Mutex<[Duration; 4]>,
    pub(super) ledger: Ledger,
    /// Calls being handled that may reach the upstream.
    pub(super) forwarding: AtomicUsize,
}

impl Shared {
    pub(super) fn new(upstream: &str, seed: u64, policy: Box<Policy>) -> Self {
        Self {
            upstream: upstream.trim_start_matches("http://").to_owned(),
            policy,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            counts: Arc::default(),
            checks: Default::default(),
            tunnels: Arc::default(),
            slowest: Mutex::default(),
            ledger: Ledger::default(),
            forwarding: AtomicUsize::new(0),
        }
    }
}

/// What to send the client.
enum Reply {
    Whole(Vec<u8>),
    /// The first half, then the connection closed.
    Cut(Vec<u8>),
    Nothing,
}

pub(super) async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut client, &mut buffer).await {
        if let Some(target) = request.line.strip_prefix("CONNECT ") {
            let target = target.split_whitespace().next().unwrap_or_default().to_owned();
            shared.tunnels.lock().expect("tunnels").push(target);
            let _ = client.write_all(&response(502, "text/plain", b"no tunnels here".to_vec())).await;
            return;
        }
        let arrived = Instant::now();
        let (service, operation) = request.operation();
        let check = checks::is_destination_check(service, &operation);
        let numbers = if check { &shared.checks[..] } else { &shared.counts[..] };
        let number = numbers[service as usize].fetch_add(1, Ordering::Relaxed) + 1;
        let fault = if service == Service::Other {
            Fault::Forward
        } else {
            let mut rng = shared.rng.lock().expect("rng");
            let call = Call { service, operation: &operation, number, body: &request.body, headers: &request.head };
            (shared.policy)(&call, &mut rng)
        };
        let _forwarding = fault.forwards().then(|| Forwarding::start(&shared.forwarding));
        let request_id = format!("fault-proxy-{service:?}-{}{number}", if check { "check-" } else { "" });
        let publishing = matches!(operation.as_str(), "PutEvents" | "PublishBatch");
        let mut upstream = Upstream::new(&shared.upstream);
        let acting = act(&shared, fault, service, publishing, request, &request_id, &mut upstream);
        let (reply, given_up) = watching(&client, acting).await;
        let fate = if given_up { AnswerFate::GivenUp } else { deliver(&mut client, reply).await };
        shared.ledger.record(service, &upstream.exchanges, arrived, fate);
        if fate != AnswerFate::Answered {
            return;
        }
    }
}

async fn act(
    shared: &Shared,
    fault: Fault,
    service: Service,
    publishing: bool,
    request: Request,
    request_id: &str,
    upstream: &mut Upstream<'_>,
) -> Reply {
    Reply::Whole(match fault {
        Fault::Forward => {
            let started = Instant::now();
            let answer = upstream.forward(&request).await;
            let slowest = &mut shared.slowest.lock().expect("slowest")[service as usize];
            *slowest = (*slowest).max(started.elapsed());
            answer
        }
        Fault::Throttle => errors::throttle(service, request_id),
        Fault::Answer { status, code } => errors::whole_request(service, status, code, request_id),
        Fault::AnswerSaying { status, code, message } => {
            errors::whole_request_saying(service, status, code, message, request_id)
        }
        Fault::Refuse { containing, status, code } => {
            if contains(&request.body, &containing) {
                errors::whole_request(service, status, code, request_id)
            } else {
                upstream.forward(&request).await
            }
        }
        Fault::ResetMidAnswer => return Reply::Cut(upstream.forward(&request).await),
        Fault::Status(status) => response(status, "text/plain", Vec::new()),
        Fault::Drop => return Reply::Nothing,
        Fault::Delay(pause) => {
            tokio::time::sleep(pause).await;
            upstream.forward(&request).await
        }
        Fault::Hang => std::future::pending().await,
        Fault::FailEntries { probability, code, sender_fault } if publishing => {
            let failed = |rng: &mut fastrand::Rng| rng.f64() < probability;
            let mut rng = shared.rng.lock().expect("rng").fork();
            partial::fail_entries(upstream, service, request, code, sender_fault, |_| failed(&mut rng)).await
        }
        Fault::FailEntries { .. } => upstream.forward(&request).await,
        Fault::LikeAwsForMissingBus if publishing && service == Service::EventBridge => {
            let mut rng = shared.rng.lock().expect("rng").fork();
            like_aws::for_missing_bus(upstream, &request, &mut rng).await
        }
        Fault::LikeAwsForMissingBus => upstream.forward(&request).await,
    })
}

/// Runs `work` to its end, and tells whether the client closed the connection first (it gave up on the call). The
/// work goes on after that, as a request already sent goes on at the service.
async fn watching<T>(client: &TcpStream, work: impl Future<Output = T>) -> (T, bool) {
    tokio::pin!(work);
    tokio::select! {
        biased;
        () = closed(client) => (work.await, true),
        done = &mut work => (done, false),
    }
}

/// Returns when the client closes the connection. A client that sends more before its answer (none of the SDKs
/// pipeline) is still there; one that half-closes after its request would read as gone.
async fn closed(client: &TcpStream) {
    let mut byte = [0u8; 1];
    if let Ok(1..) = client.peek(&mut byte).await {
        std::future::pending::<()>().await;
    }
}

async fn deliver(client: &mut TcpStream, reply: Reply) -> AnswerFate {
    match reply {
        Reply::Whole(answer) => match client.write_all(&answer).await {
            Ok(()) => AnswerFate::Answered,
            Err(_) => AnswerFate::AnswerLost,
        },
        Reply::Nothing => AnswerFate::AnswerLost,
        Reply::Cut(answer) => {
            let _ = client.write_all(&answer[..answer.len() / 2]).await;
            AnswerFate::AnswerLost
        }
    }
}

/// A call counted among those that may reach the upstream, until dropped.
struct Forwarding<'a>(&'a AtomicUsize);

impl<'a> Forwarding<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Forwarding<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

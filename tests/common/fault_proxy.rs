//! A fault-injecting HTTP proxy between the function and the local AWS server. It recognises EventBridge
//! `PutEvents`, SNS `PublishBatch` and SQS calls, and per call either forwards it, answers with an error, drops the
//! connection, stalls, or fails some entries for real (they are removed before forwarding, so they are not
//! delivered, and reported failed in the response exactly as the service would).

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    EventBridge,
    Sns,
    Sqs,
    Other,
}

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

/// One HTTP request as received.
pub struct Request {
    pub head: Vec<(String, String)>,
    pub line: String,
    pub body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn service(&self) -> Service {
        match self.header("x-amz-target") {
            Some(target) if target.starts_with("AWSEvents.") => Service::EventBridge,
            Some(target) if target.starts_with("AmazonSQS.") => Service::Sqs,
            _ if self.body.windows(18).any(|w| w == b"Action=PublishBatc") => Service::Sns,
            _ => Service::Other,
        }
    }
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
                super::partial::fail_entries(&shared.upstream, service, request, code, sender_fault, |_| {
                    failed(&mut rng)
                })
                .await
            }
        };
        if client.write_all(&response).await.is_err() {
            return;
        }
    }
}

async fn read_request(client: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head_len)) = parsed.parse(buffer) {
            let line = format!("{} {} HTTP/1.1", parsed.method?, parsed.path?);
            let head: Vec<(String, String)> = parsed
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                .collect();
            let length: usize = head
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            while buffer.len() < head_len + length {
                read_more(client, buffer).await?;
            }
            let body = buffer[head_len..head_len + length].to_vec();
            buffer.drain(..head_len + length);
            return Some(Request { head, line, body });
        }
        read_more(client, buffer).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

/// Sends `request` (with `body`) upstream on a fresh connection and returns the raw response.
pub async fn forward_with_body(upstream: &str, request: &Request, body: &[u8]) -> Vec<u8> {
    let Ok(mut server) = TcpStream::connect(upstream).await else { return response(502, "text/plain", Vec::new()) };
    let mut head = format!("{}\r\n", request.line);
    for (name, value) in &request.head {
        if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
    if server.write_all(head.as_bytes()).await.is_err() || server.write_all(body).await.is_err() {
        return response(502, "text/plain", Vec::new());
    }
    let mut raw = Vec::new();
    let _ = server.read_to_end(&mut raw).await;
    normalise(&raw)
}

async fn forward(upstream: &str, request: &Request) -> Vec<u8> {
    forward_with_body(upstream, request, &request.body).await
}

/// The upstream response re-framed with a Content-Length, so the client's connection can be kept alive.
fn normalise(raw: &[u8]) -> Vec<u8> {
    let (status, content_type, body) = split_response(raw);
    response(status, &content_type, body)
}

/// Status, content type and body of a raw HTTP response.
pub fn split_response(raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    match parsed.parse(raw) {
        Ok(httparse::Status::Complete(head_len)) => {
            let content_type = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| String::from_utf8_lossy(h.value).into_owned())
                .unwrap_or_default();
            (parsed.code.unwrap_or(502), content_type, raw[head_len..].to_vec())
        }
        _ => (502, "text/plain".into(), Vec::new()),
    }
}

pub fn response(status: u16, content_type: &str, body: Vec<u8>) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: fault-proxy\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend(body);
    out
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

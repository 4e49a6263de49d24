//! For the sinks' tests: a service answering from memory behind the real transport (signing included), keeping
//! every request it was sent.

use super::wire::{Service, SharedTransport, Transport};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorFuture, SharedHttpConnector};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use std::sync::{Arc, Mutex};

/// A request as the service received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The body as text (CBOR bodies: see `bytes`).
    pub body: String,
    pub bytes: Vec<u8>,
    pub uri: String,
    pub smithy_protocol: Option<String>,
    pub content_type: Option<String>,
    pub target: Option<String>,
    pub authorization: Option<String>,
    pub security_token: Option<String>,
}

/// Answers request number N (from 1) with `answer(N, body)`: a status and a body.
type Answer = dyn Fn(usize, &[u8]) -> (u16, Vec<u8>) + Send + Sync;

#[derive(Clone)]
pub struct FakeService {
    answer: Arc<Answer>,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl std::fmt::Debug for FakeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeService")
    }
}

impl HttpConnector for FakeService {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let header = |name: &str| request.headers().get(name).map(str::to_owned);
        let bytes = request.body().bytes().unwrap_or_default().to_vec();
        let received = Received {
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.clone(),
            uri: request.uri().to_owned(),
            smithy_protocol: header("smithy-protocol"),
            content_type: header("content-type"),
            target: header("x-amz-target"),
            authorization: header("authorization"),
            security_token: header("x-amz-security-token"),
        };
        let number = {
            let mut all = self.received.lock().expect("lock");
            all.push(received);
            all.len()
        };
        let (status, answer) = (self.answer)(number, &bytes);
        let status = StatusCode::try_from(status).expect("status");
        HttpConnectorFuture::ready(Ok(HttpResponse::new(status, SdkBody::from(answer))))
    }
}

/// A transport in region `us-east-1`, with session credentials, whose service answers with `answer`; the
/// service's endpoint for `signing_name`; the requests it receives.
pub fn fake(
    signing_name: &'static str,
    answer: impl Fn(usize, &str) -> (u16, String) + Send + Sync + 'static,
) -> (SharedTransport, Service, Arc<Mutex<Vec<Received>>>) {
    fake_bytes(signing_name, move |number, body| {
        let (status, text) = answer(number, &String::from_utf8_lossy(body));
        (status, text.into_bytes())
    })
}

/// As [`fake`], for a binary protocol (CBOR): the bodies as bytes.
pub fn fake_bytes(
    signing_name: &'static str,
    answer: impl Fn(usize, &[u8]) -> (u16, Vec<u8>) + Send + Sync + 'static,
) -> (SharedTransport, Service, Arc<Mutex<Vec<Received>>>) {
    let service = FakeService { answer: Arc::new(answer), received: Arc::default() };
    let received = service.received.clone();
    let credentials = Credentials::new("AKIDEXAMPLE", "secret", Some("session-token".into()), None, "test");
    let transport = Transport::with_connector(
        SharedHttpConnector::new(service),
        "us-east-1",
        Some(SharedCredentialsProvider::new(credentials)),
    );
    let endpoint = Service { url: format!("https://{signing_name}.us-east-1.amazonaws.com"), signing_name };
    (Arc::new(transport), endpoint, received)
}

//! The transport of the two publishing calls, `PutEvents` and `PublishBatch`: each request signed with SigV4
//! ([`super::sigv4`], with the signing key kept for the day; `aws-sigv4` for an endpoint with a path) and sent over
//! the SDK's own HTTPS connector (`aws-smithy-http-client`: rustls, connection pool, connect timeout), without the
//! SDK's per-operation pipeline. That pipeline (runtime plugins, interceptors, endpoint rules, user agent, the query
//! serializer) costs about two thirds of the CPU of every call, and a 1,000-record invocation makes 182 of them
//! (docs/performance.md). Region, credentials and endpoint still come from the SDK's configuration, the endpoint
//! resolved once by the service's own rules.

use super::sigv4::{self, Signer, Target};
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_runtime_api::client::http::{
    http_client_fn, HttpConnector, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use bytes::Bytes;
use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A connection that cannot be made within this long counts as failed; the publisher retries it.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Credentials that expire sooner than this are fetched again before signing.
const CREDENTIALS_MARGIN: Duration = Duration::from_secs(300);

type BoxError = Box<dyn Error + Send + Sync>;

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("no credentials to sign with")]
    Credentials(#[source] CredentialsError),
    #[error("could not build and sign the request")]
    Build(#[source] BoxError),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the request failed in transport")]
    Transport(#[source] ConnectorError),
    #[error("the answer could not be read")]
    Body(#[source] BoxError),
    #[error("HTTP {status}: {code}: {message}{}", request_id.as_ref().map_or_else(String::new, |id| format!(" (request {id})")))]
    Service { status: u16, code: String, message: String, request_id: Option<String> },
    #[error("unexpected answer: {0}")]
    Unexpected(String),
}

/// What the two sinks share: the connection pool, the region and the credentials.
#[derive(Debug)]
pub struct Transport {
    connector: SharedHttpConnector,
    region: String,
    credentials: Option<SharedCredentialsProvider>,
    cached: Mutex<Option<Credentials>>,
    signer: Signer,
}

impl Transport {
    /// The SDK's default HTTPS connector with our connect timeout, through the proxy `HTTPS_PROXY` / `HTTP_PROXY`
    /// name (except for the hosts of `NO_PROXY`), as the SDK's own clients honour them.
    pub fn new(region: impl Into<String>, credentials: Option<SharedCredentialsProvider>) -> Self {
        let settings = HttpConnectorSettings::builder().connect_timeout(CONNECT_TIMEOUT).build();
        let connector = aws_smithy_http_client::Connector::builder()
            .connector_settings(settings)
            .proxy_config(ProxyConfig::from_env())
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .build();
        Self::with_connector(SharedHttpConnector::new(connector), region, credentials)
    }

    /// Over another connector (tests answer from memory).
    pub fn with_connector(
        connector: SharedHttpConnector,
        region: impl Into<String>,
        credentials: Option<SharedCredentialsProvider>,
    ) -> Self {
        Self { connector, region: region.into(), credentials, cached: Mutex::new(None), signer: Signer::default() }
    }

    /// The same connector as an SDK client's HTTP client, so that the dead-letter queue's SQS client shares its
    /// connection pool and TLS setup: building a connector parses every certificate of the trust store, and the
    /// SDK's own client would build two more at init. The SDK asks for a connector per timeout settings; this one
    /// has the connect timeout the function's SDK configuration gives ([`CONNECT_TIMEOUT`], `crate::sdk`) and no
    /// read timeout, as that configuration sets none.
    pub fn http_client(&self) -> SharedHttpClient {
        let connector = self.connector.clone();
        http_client_fn(move |_settings, _components| connector.clone())
    }

    /// The credentials to sign with: kept until five minutes before they expire (Lambda's never do).
    async fn credentials(&self) -> Result<Credentials, WireError> {
        let fresh = |c: &Credentials| c.expiry().is_none_or(|at| at > SystemTime::now() + CREDENTIALS_MARGIN);
        if let Some(current) = self.cached.lock().ok().and_then(|c| c.clone()).filter(fresh) {
            return Ok(current);
        }
        let provider = self.credentials.as_ref().ok_or_else(|| {
            WireError::Credentials(CredentialsError::not_loaded("no credentials provider is configured"))
        })?;
        let credentials = provider.provide_credentials().await.map_err(WireError::Credentials)?;
        if let Ok(mut cached) = self.cached.lock() {
            *cached = Some(credentials.clone());
        }
        Ok(credentials)
    }
}

/// One service endpoint: where to send, and the name to sign for.
#[derive(Clone, Debug)]
pub struct Service {
    pub url: String,
    pub signing_name: &'static str,
}

/// A status and body as the service answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The `x-amzn-errortype` header, where JSON protocols name an error.
    pub error_type: Option<String>,
    /// The `x-amzn-RequestId` header: what AWS support asks for about a failure.
    pub request_id: Option<String>,
    pub body: Bytes,
}

impl Answer {
    /// A 2xx status: the body is the operation's result, not an error.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Sends one signed `POST` to `service` with `headers` (content type, target; the X-Ray trace header, which is not
/// signed) and `body`, within `timeout`.
pub async fn post(
    transport: &Transport,
    service: &Service,
    headers: &[(&'static str, &str)],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<Answer, WireError> {
    let request = signed(transport, service, headers, body).await?;
    let call = async {
        let response = transport.connector.call(request).await.map_err(WireError::Transport)?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).map(str::to_owned);
        let (error_type, request_id) = (header("x-amzn-errortype"), header("x-amzn-requestid"));
        let body = ByteStream::new(response.into_body()).collect().await.map_err(|e| WireError::Body(e.into()))?;
        Ok(Answer { status, error_type, request_id, body: body.into_bytes() })
    };
    tokio::time::timeout(timeout, call).await.unwrap_or(Err(WireError::Timeout(timeout)))
}

/// The header X-Ray reads a trace's context from, on the request SNS is sent (SNS carries it on to its
/// deliveries); EventBridge takes it per entry instead (`TraceHeader`).
pub const TRACE_HEADER: &str = "x-amzn-trace-id";

async fn signed(
    transport: &Transport,
    service: &Service,
    headers: &[(&'static str, &str)],
    body: Vec<u8>,
) -> Result<HttpRequest, WireError> {
    let credentials = transport.credentials().await?;
    let time = SystemTime::now();
    let signature = match sigv4::root_host(&service.url) {
        Some(host) => {
            let target = Target { region: &transport.region, service: service.signing_name, host };
            let signature = transport.signer.sign(&credentials, &target, time, headers, &body);
            signature.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
        }
        None => signed_by_sigv4_crate(&credentials, transport, service, time, headers, &body)?,
    };
    let mut request = HttpRequest::new(SdkBody::from(body));
    request.set_uri(service.url.as_str()).map_err(|e| WireError::Build(e.into()))?;
    request.set_method("POST").map_err(|e| WireError::Build(e.into()))?;
    for &(name, value) in headers {
        request.headers_mut().insert(name.to_owned(), value.to_owned());
    }
    for (name, value) in signature {
        request.headers_mut().insert(name, value);
    }
    Ok(request)
}

/// The signing headers as aws-sigv4's `sign` writes them: for an endpoint [`sigv4::root_host`] does not take.
fn signed_by_sigv4_crate(
    credentials: &Credentials,
    transport: &Transport,
    service: &Service,
    time: SystemTime,
    headers: &[(&'static str, &str)],
    body: &[u8],
) -> Result<Vec<(String, String)>, WireError> {
    let identity: Identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&transport.region)
        .name(service.signing_name)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| WireError::Build(e.into()))?
        .into();
    let signable = SignableRequest::new("POST", &service.url, headers.iter().copied(), SignableBody::Bytes(body))
        .map_err(|e| WireError::Build(e.into()))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| WireError::Build(e.into()))?.into_parts();
    Ok(instructions.headers().map(|(name, value)| (name.to_owned(), value.to_owned())).collect())
}

/// The shared transport for both sinks.
pub type SharedTransport = Arc<Transport>;

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;

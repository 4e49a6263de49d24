//! The AWS SDK as the function uses it: one configuration with timeouts and retries fit for deadline-aware delivery,
//! and each publishing service's endpoint, resolved once by that service's own rules.

use crate::publish::{eventbridge, sns, Service, CONNECT_TIMEOUT};
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_runtime_api::client::endpoint::EndpointFuture;
use aws_smithy_types::endpoint::Endpoint;
use aws_types::service_config::ServiceConfigKey;
use futures_util::FutureExt;
use std::time::Duration;

/// The shared SDK configuration: region, credentials and `AWS_ENDPOINT_URL` from the environment as usual.
/// The SDK's own retries stay short (the standard mode starts backing off near 1 s); failed entries are retried
/// by the publisher within the invocation's budget. Timeouts keep one stuck call from eating the deadline.
pub async fn sdk_config() -> SdkConfig {
    sdk_loader().load().await
}

/// The function's SDK configuration: as [`sdk_config`], but with the credentials Lambda puts in the function's
/// environment read from there directly. The default chain would also build its web-identity provider, and with it
/// an STS client, at init: about 0.9 ms of a cold start here (docs/performance.md).
/// Without `AWS_ACCESS_KEY_ID` in the environment, the default chain as usual.
pub async fn function_sdk_config() -> SdkConfig {
    let loader = sdk_loader();
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader.credentials_provider(EnvironmentVariableCredentialsProvider::new()).load().await
    } else {
        loader.load().await
    }
}

/// The loader behind [`sdk_config`], for callers that set more (a test's endpoint and credentials).
pub fn sdk_loader() -> ConfigLoader {
    let retry = RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(50));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(4))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
}

/// Why the publishing endpoints could not be worked out at init.
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve the {service} endpoint: {detail}")]
pub struct EndpointError {
    service: &'static str,
    detail: String,
}

/// The endpoint rules are evaluated synchronously: their future is always ready.
fn resolved(future: EndpointFuture<'_>) -> Result<Endpoint, String> {
    match future.now_or_never() {
        Some(result) => result.map_err(|e| e.to_string()),
        None => Err("the endpoint resolver did not answer at once".to_owned()),
    }
}

/// `AWS_ENDPOINT_URL_<SERVICE>` (or the profile's) when set, else `AWS_ENDPOINT_URL`: what the SDK's clients use.
fn endpoint_url(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config().and_then(|c| c.load_config(key)).or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// The endpoint of one service by its own crate's rules: the same parameters its client would pass.
macro_rules! service_endpoint {
    ($sdk:expr, $krate:ident, $service_id:literal, $signing_name:expr) => {{
        use $krate::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        let fail = |detail: String| EndpointError { service: $service_id, detail };
        let params = Params::builder()
            .set_region($sdk.region().map(ToString::to_string))
            .set_use_fips($sdk.use_fips())
            .set_use_dual_stack($sdk.use_dual_stack())
            .set_endpoint(endpoint_url($sdk, $service_id))
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let endpoint = resolved(DefaultResolver::new().resolve_endpoint(&params)).map_err(fail)?;
        Ok(Service { url: endpoint.url().to_owned(), signing_name: $signing_name })
    }};
}

pub(crate) fn eventbridge_service(sdk: &SdkConfig) -> Result<Service, EndpointError> {
    service_endpoint!(sdk, aws_sdk_eventbridge, "EventBridge", eventbridge::SIGNING_NAME)
}

pub(crate) fn sns_service(sdk: &SdkConfig) -> Result<Service, EndpointError> {
    service_endpoint!(sdk, aws_sdk_sns, "SNS", sns::SIGNING_NAME)
}

/// The Custom Event Bus's endpoint (API `eventbridgev2`): `AWS_ENDPOINT_URL_EVENTBRIDGEV2` (or the profile's), else
/// `AWS_ENDPOINT_URL`, else the region's own host as the service's endpoint rules give it without an account in the
/// host (FIPS and dual-stack as the SDK configuration asks). No SDK crate is linked for this one API: the rules are
/// these few lines.
pub(crate) fn custom_bus_endpoint(sdk: &SdkConfig) -> Result<String, EndpointError> {
    if let Some(url) = endpoint_url(sdk, "EventBridgeV2") {
        return Ok(url);
    }
    let fail = |detail: &str| EndpointError { service: "EventBridgeV2", detail: detail.to_owned() };
    let region = sdk.region().ok_or_else(|| fail("no region is configured (AWS_REGION)"))?.as_ref().to_owned();
    let (fips, dual_stack) = (sdk.use_fips().unwrap_or(false), sdk.use_dual_stack().unwrap_or(false));
    let service = if fips { "eventsv2-fips" } else { "eventsv2" };
    let suffix = match (region.starts_with("cn-"), dual_stack) {
        (true, false) => "amazonaws.com.cn",
        (true, true) => "api.amazonwebservices.com.cn",
        (false, false) => "amazonaws.com",
        (false, true) => "api.aws",
    };
    Ok(format!("https://{service}.{region}.{suffix}"))
}

//! Wiring the AWS SDK clients from the configuration, with timeouts and retries fit for deadline-aware delivery.

use crate::config::Config;
use crate::dead_letter::SqsDeadLetter;
use crate::handler::Handler;
use crate::publish::{EventBridgeSink, FanOut, SnsSink};
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;
use std::fmt::Debug;
use std::time::Duration;

/// A short description of an SDK error for logs and error messages: the service's error code and message, or for
/// a failure before any answer (timeout, connection refused) the chain of causes.
pub fn error_detail<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    if let Some(service) = error.as_service_error() {
        return format!("{}: {}", service.code().unwrap_or("unknown error"), service.message().unwrap_or_default());
    }
    let mut detail = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        cause = inner.source();
    }
    detail
}

/// The handler as the Lambda function runs it.
pub type LiveHandler = Handler<FanOut, SqsDeadLetter>;

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
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(4))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(timeouts)
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
}

/// Builds the handler for `config`: a client per configured sink, and the dead-letter queue if set.
pub fn handler(config: &Config, sdk: &SdkConfig) -> LiveHandler {
    let eventbridge = config
        .event_bus
        .as_ref()
        .map(|bus| EventBridgeSink::new(aws_sdk_eventbridge::Client::new(sdk), bus, &config.event_source));
    let sns = config.topic.as_ref().map(|topic| SnsSink::new(aws_sdk_sns::Client::new(sdk), topic.clone()));
    let dead_letter =
        config.dead_letter_queue_url.as_ref().map(|url| SqsDeadLetter::new(aws_sdk_sqs::Client::new(sdk), url));
    Handler::new(FanOut { eventbridge, sns }, dead_letter, config.dry_run)
}

//! How an error is told in a log line or a dead-letter message: its whole chain of causes, or for an AWS SDK error
//! the service's own code and message. Every layer keeps its typed errors; this only renders them.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;
use std::fmt::Debug;

/// An error and every cause under it, joined by `: `.
pub fn with_causes(error: &dyn Error) -> String {
    let mut detail = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        cause = inner.source();
    }
    detail
}

/// An SDK error for logs: the service's error code and message, or for a failure before any answer (timeout,
/// connection refused) the chain of causes, which says more than the SDK's own `dispatch failure`.
pub fn sdk_error_detail<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + Error + 'static,
    R: Debug,
{
    if let Some(service) = error.as_service_error() {
        return format!("{}: {}", service.code().unwrap_or("unknown error"), service.message().unwrap_or_default());
    }
    with_causes(error)
}

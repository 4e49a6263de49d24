//! Why provisioning failed: the resource and the service's answer.

use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use score_fanout::sdk_error_detail;

/// Why provisioning failed.
#[derive(Debug, thiserror::Error)]
#[error("provisioning {resource}: {detail}")]
pub struct ProvisionError {
    resource: String,
    detail: String,
}

pub(super) fn failed<E, R>(resource: &str) -> impl FnOnce(SdkError<E, R>) -> ProvisionError + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |error| ProvisionError { resource: resource.to_owned(), detail: sdk_error_detail(&error) }
}

pub(super) fn invalid(resource: &str) -> impl FnOnce(aws_sdk_sqs::error::BuildError) -> ProvisionError + '_ {
    move |error| ProvisionError { resource: resource.to_owned(), detail: error.to_string() }
}

impl ProvisionError {
    pub(super) fn new(resource: &str, detail: impl Into<String>) -> Self {
        ProvisionError { resource: resource.to_owned(), detail: detail.into() }
    }
}

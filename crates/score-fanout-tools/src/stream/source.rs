//! How a stream is read, like an event source mapping's settings, and why reading it failed.

use crate::mapping::Mapping;
use crate::on_failure::OnFailureBucket;
use aws_sdk_dynamodbstreams::Client;

/// Why reading the stream failed.
#[derive(Debug, thiserror::Error)]
#[error("reading stream {stream_arn}: {operation} failed: {detail}")]
pub struct StreamError {
    stream_arn: String,
    operation: &'static str,
    detail: String,
}

/// Where reading a shard starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartingPosition {
    TrimHorizon,
    Latest,
}

/// How to read a stream, like an event source mapping's settings.
pub struct Source<'a> {
    pub streams: &'a Client,
    pub stream_arn: &'a str,
    pub mapping: Mapping,
    pub start: StartingPosition,
    /// Keep polling for new records instead of returning once the stream is drained.
    pub follow: bool,
    /// Where skipped batches are kept whole (the template's `StreamFailureBucket`).
    pub on_failure: Option<&'a OnFailureBucket>,
}

impl Source<'_> {
    pub(super) fn fail(&self, operation: &'static str, detail: String) -> StreamError {
        StreamError { stream_arn: self.stream_arn.to_owned(), operation, detail }
    }
}

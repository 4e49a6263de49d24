//! SQS calls as the poison redrive makes them. SQS answers some errors that pass (throttling, its 5xx, no answer
//! at all): those are tried again with backoff, and reported once they persist. It answers `MessageNotInflight` (a
//! visibility change after the message's visibility lapsed) and `ReceiptHandleIsInvalid` (a receipt of an earlier
//! receive, or of a deleted message) when the redrive no longer holds the message: never worth retrying, the message
//! is someone else's (or nobody's) until it is received again.

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use score_fanout::sdk_error_detail;
use std::future::Future;
use std::time::Duration;

/// Attempts of a call that fails for a passing reason, each with the SDK's own (short) retries under it.
const ATTEMPTS: u32 = 4;
/// The first pause between attempts; doubled each time (0.1, 0.2, 0.4 s): past a second of trouble it is reported.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The codes of a receipt SQS no longer honours, in either spelling (its JSON `__type`, or the query-compatible
/// `AWS.SimpleQueueService.` one that its SDK reports from the `x-amzn-query-error` header).
const LOST: [&str; 2] = ["MessageNotInflight", "ReceiptHandleIsInvalid"];

/// Why an SQS call did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// The receipt is no longer honoured: the redrive lost hold of the message.
    Lost(String),
    /// A passing error that persisted through every attempt.
    Persisted(String),
    /// Refused for good (permissions, a queue that does not exist).
    Refused(String),
}

impl Failure {
    pub(super) fn detail(&self) -> &str {
        match self {
            Failure::Lost(detail) | Failure::Persisted(detail) | Failure::Refused(detail) => detail,
        }
    }
}

/// `call`, tried again while it fails for a passing reason.
pub(super) async fn retried<T, E, F, Fut>(mut call: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let (mut pause, mut attempt) = (FIRST_BACKOFF, 1);
    loop {
        match call().await {
            Ok(answer) => return Ok(answer),
            Err(error) => match classify(&error) {
                Kind::Passing if attempt < ATTEMPTS => {
                    tokio::time::sleep(pause).await;
                    (pause, attempt) = (pause * 2, attempt + 1);
                }
                Kind::Passing => {
                    return Err(Failure::Persisted(format!("{} (after {ATTEMPTS} attempts)", sdk_error_detail(&error))))
                }
                Kind::Lost => return Err(Failure::Lost(sdk_error_detail(&error))),
                Kind::Refused => return Err(Failure::Refused(sdk_error_detail(&error))),
            },
        }
    }
}

/// `call` once: what a visibility heartbeat makes, since the next beat tries again anyway.
pub(super) async fn once<T, E, Fut>(call: Fut) -> Result<T, Failure>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    call.await.map_err(|error| match classify(&error) {
        Kind::Lost => Failure::Lost(sdk_error_detail(&error)),
        Kind::Passing => Failure::Persisted(sdk_error_detail(&error)),
        Kind::Refused => Failure::Refused(sdk_error_detail(&error)),
    })
}

enum Kind {
    Lost,
    Passing,
    Refused,
}

fn classify<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> Kind {
    match error {
        SdkError::ServiceError(context) => {
            let code = context.err().code().unwrap_or_default();
            if LOST.iter().any(|lost| code.strip_prefix("AWS.SimpleQueueService.").unwrap_or(code) == *lost) {
                Kind::Lost
            } else if context.raw().status().is_server_error() || code.contains("Throttl") {
                Kind::Passing
            } else {
                Kind::Refused
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => Kind::Passing,
        _ => Kind::Refused,
    }
}

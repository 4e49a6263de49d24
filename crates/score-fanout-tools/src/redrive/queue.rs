//! The dead-letter queue as a poison redrive reads it: its depth when the run starts, batches of at most 10
//! messages received with a visibility timeout the run chooses, and each message deleted once delivered or made
//! visible again when the run lets it go. Every call is tried again while it fails for a passing reason.

use super::holds::Holds;
use super::outcome::RedriveError;
use super::sqs_calls::{retried, Failure};
use aws_sdk_sqs::types::QueueAttributeName;
use std::time::Duration;

/// Long polling: an empty answer after waiting means the queue holds nothing visible. A short poll asks only some
/// of SQS's servers and may answer empty while a few messages wait on others. One second keeps the call well within
/// the redrive's per-attempt timeout.
const WAIT_SECONDS: i32 = 1;
/// SQS's most messages per receive.
const BATCH: i32 = 10;
/// How long a message stays hidden from other readers unless renewed, by default: long enough that a slow
/// invocation (the function's 60 s timeout) ends before the heartbeat's second renewal is due.
pub const DEFAULT_VISIBILITY: Duration = Duration::from_secs(60);

/// A queue the redrive reads, deleting only what it delivered.
pub struct Queue<'a> {
    pub sqs: &'a aws_sdk_sqs::Client,
    pub url: &'a str,
    /// How long a received message stays hidden between two renewals of the heartbeat ([`Holds`]).
    pub visibility: Duration,
}

/// A message as received.
pub(super) struct Received {
    pub(super) id: String,
    pub(super) receipt: String,
    pub(super) body: String,
}

impl Queue<'_> {
    fn fail(&self, operation: &'static str, failure: Failure) -> RedriveError {
        RedriveError { operation, resource: self.url.to_owned(), detail: failure.detail().to_owned() }
    }

    fn visibility_seconds(&self) -> i32 {
        i32::try_from(self.visibility.as_secs()).unwrap_or(i32::MAX)
    }

    /// How many messages wait now (`ApproximateNumberOfMessages`): the most a run handles, so that it never chases
    /// what the live function parks meanwhile.
    pub(super) async fn depth(&self) -> Result<usize, RedriveError> {
        let attribute = QueueAttributeName::ApproximateNumberOfMessages;
        let call = || self.sqs.get_queue_attributes().queue_url(self.url).attribute_names(attribute.clone()).send();
        let answer = retried(call).await.map_err(|failure| self.fail("GetQueueAttributes", failure))?;
        let depth = answer.attributes.and_then(|attributes| attributes.get(&attribute).cloned());
        Ok(depth.and_then(|depth| depth.parse().ok()).unwrap_or(0))
    }

    /// The next batch, hidden from other readers for the visibility timeout.
    pub(super) async fn receive(&self) -> Result<Vec<Received>, RedriveError> {
        let call = || {
            let request = self.sqs.receive_message().queue_url(self.url).max_number_of_messages(BATCH);
            request.wait_time_seconds(WAIT_SECONDS).visibility_timeout(self.visibility_seconds()).send()
        };
        let answer = retried(call).await.map_err(|failure| self.fail("ReceiveMessage", failure))?;
        let messages = answer.messages.unwrap_or_default().into_iter();
        Ok(messages
            .filter_map(|m| {
                Some(Received { id: m.message_id?, receipt: m.receipt_handle?, body: m.body.unwrap_or_default() })
            })
            .collect())
    }

    pub(super) async fn delete(&self, receipt: &str) -> Result<(), Failure> {
        retried(|| self.sqs.delete_message().queue_url(self.url).receipt_handle(receipt).send()).await.map(|_| ())
    }

    /// Makes a message visible again at once.
    pub(super) async fn release(&self, receipt: &str) -> Result<(), Failure> {
        let call = || self.sqs.change_message_visibility().queue_url(self.url).receipt_handle(receipt);
        retried(|| call().visibility_timeout(0).send()).await.map(|_| ())
    }

    /// The heartbeat that keeps this queue's held messages hidden.
    pub(super) fn holds(&self) -> Holds {
        Holds::start(self.sqs.clone(), self.url.to_owned(), self.visibility)
    }
}

//! A queue a redrive works through: every message received up front and hidden from other readers; a finished one
//! deleted, a kept one made visible again at once.

use super::outcome::{Line, Outcome, RedriveError};
use indicatif::ProgressBar;
use score_fanout::sdk_error_detail;

/// How long received messages stay hidden from other readers while a redrive works on them.
const VISIBILITY_SECONDS: i32 = 900;
/// Long polling: an empty answer after waiting means the queue holds nothing visible. A short poll asks only some
/// of SQS's servers and may answer empty while a few messages wait on others. One second keeps the call within the
/// SDK's per-attempt timeout (`score_fanout::sdk_loader`).
const WAIT_SECONDS: i32 = 1;

/// A queue the redrive reads, deleting only what it finished.
pub struct Queue<'a> {
    pub sqs: &'a aws_sdk_sqs::Client,
    pub url: &'a str,
}

struct Message {
    receipt: String,
    body: String,
}

impl Queue<'_> {
    fn fail(&self, operation: &'static str, detail: String) -> RedriveError {
        RedriveError { operation, resource: self.url.to_owned(), detail }
    }

    /// Runs `redrive` on every message's body, with a progress bar on long runs; deletes the messages it redrove
    /// and makes the others visible again.
    pub(super) async fn work_through(
        &self,
        mut redrive: impl AsyncFnMut(&str) -> Line,
    ) -> Result<Vec<Line>, RedriveError> {
        let messages = self.receive_all().await?;
        let progress = ProgressBar::new(messages.len() as u64);
        let mut lines = Vec::with_capacity(messages.len());
        for message in &messages {
            let line = redrive(&message.body).await;
            self.settle(message, matches!(line.outcome, Outcome::Redriven { .. })).await?;
            lines.push(line);
            progress.inc(1);
        }
        progress.finish_and_clear();
        Ok(lines)
    }

    /// Every message now in the queue, hidden from other readers while the redrive runs.
    async fn receive_all(&self) -> Result<Vec<Message>, RedriveError> {
        let mut messages = Vec::new();
        loop {
            let request = self.sqs.receive_message().queue_url(self.url).max_number_of_messages(10);
            let request = request.wait_time_seconds(WAIT_SECONDS);
            let page = request.visibility_timeout(VISIBILITY_SECONDS).send().await;
            let page =
                page.map_err(|e| self.fail("ReceiveMessage", sdk_error_detail(&e)))?.messages.unwrap_or_default();
            if page.is_empty() {
                return Ok(messages);
            }
            messages.extend(
                page.into_iter()
                    .filter_map(|m| Some(Message { receipt: m.receipt_handle?, body: m.body.unwrap_or_default() })),
            );
        }
    }

    /// Deletes a finished message, or makes a kept one visible again.
    async fn settle(&self, message: &Message, finished: bool) -> Result<(), RedriveError> {
        if finished {
            let request = self.sqs.delete_message().queue_url(self.url).receipt_handle(&message.receipt);
            request.send().await.map(|_| ()).map_err(|e| self.fail("DeleteMessage", sdk_error_detail(&e)))
        } else {
            let request = self.sqs.change_message_visibility().queue_url(self.url).receipt_handle(&message.receipt);
            let request = request.visibility_timeout(0).send().await;
            request.map(|_| ()).map_err(|e| self.fail("ChangeMessageVisibility", sdk_error_detail(&e)))
        }
    }
}

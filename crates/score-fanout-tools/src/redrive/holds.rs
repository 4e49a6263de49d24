//! The messages a poison redrive holds, kept hidden from other readers while it holds them: a heartbeat renews their
//! visibility (`ChangeMessageVisibility`) every third of the visibility timeout, so that a message being worked on,
//! one waiting its turn in its batch, and one kept (still poison) stay hidden until the run ends, however long it
//! takes. A renewal SQS refuses for the receipt (`MessageNotInflight`: it lapsed) means the hold is lost: the message
//! is visible again, and the redrive is told. A renewal that fails for a passing reason is tried at the next beat.

use super::sqs_calls::{once, Failure};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The shortest pause between two beats.
const MIN_BEAT: Duration = Duration::from_millis(200);

#[derive(Default)]
struct State {
    /// Receipt of each message held, by `MessageId`.
    held: HashMap<String, String>,
    /// Why the hold of a message was lost, by `MessageId`, until it is received again.
    lost: HashMap<String, String>,
    /// Every hold lost during the run, and why.
    lost_log: Vec<(String, String)>,
    /// Renewals that failed for a passing reason, and the last one's error.
    failed_renewals: usize,
    last_failure: Option<String>,
}

/// What the heartbeat leaves when it stops.
pub(super) struct Stopped {
    /// The receipts of the messages still held.
    pub(super) still_held: Vec<String>,
    /// Every hold lost during the run (`MessageId`, why).
    pub(super) lost: Vec<(String, String)>,
    /// Renewals that failed for a passing reason, told.
    pub(super) note: Option<String>,
}

/// The held messages and their heartbeat.
pub(super) struct Holds {
    state: Arc<Mutex<State>>,
    beat: tokio::task::JoinHandle<()>,
}

impl Holds {
    /// Starts the heartbeat for messages of `url`, renewing their visibility to `visibility`.
    pub(super) fn start(sqs: aws_sdk_sqs::Client, url: String, visibility: Duration) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let beating = state.clone();
        let pause = (visibility / 3).max(MIN_BEAT);
        let seconds = i32::try_from(visibility.as_secs()).unwrap_or(i32::MAX);
        let beat = tokio::spawn(async move {
            loop {
                tokio::time::sleep(pause).await;
                let held: Vec<(String, String)> = lock(&beating).held.clone().into_iter().collect();
                for (id, receipt) in held {
                    let renew = sqs.change_message_visibility().queue_url(&url).receipt_handle(&receipt);
                    if let Err(failure) = once(renew.visibility_timeout(seconds).send()).await {
                        lock(&beating).renewal_failed(&id, &receipt, failure);
                    }
                }
            }
        });
        Self { state, beat }
    }

    /// Holds a message just received (again), under its new receipt.
    pub(super) fn hold(&self, id: &str, receipt: &str) {
        let mut state = lock(&self.state);
        state.lost.remove(id);
        state.held.insert(id.to_owned(), receipt.to_owned());
    }

    /// Why the hold of `id` was lost, if it was.
    pub(super) fn lost(&self, id: &str) -> Option<String> {
        lock(&self.state).lost.get(id).cloned()
    }

    /// Stops holding `id` (it is about to be deleted or released); its receipt, if it was held.
    pub(super) fn let_go(&self, id: &str) -> Option<String> {
        lock(&self.state).held.remove(id)
    }

    /// Stops the heartbeat: what it held and lost.
    pub(super) fn stop(self) -> Stopped {
        self.beat.abort();
        let state = std::mem::take(&mut *lock(&self.state));
        let note = state.last_failure.map(|last| {
            let count = state.failed_renewals;
            format!("{count} visibility renewal(s) failed and were tried at the next beat (the last: {last})")
        });
        Stopped { still_held: state.held.into_values().collect(), lost: state.lost_log, note }
    }
}

impl State {
    fn renewal_failed(&mut self, id: &str, receipt: &str, failure: Failure) {
        // A message deleted or released meanwhile is no longer held: its receipt's answer says nothing.
        if self.held.get(id).map(String::as_str) != Some(receipt) {
            return;
        }
        match failure {
            Failure::Lost(why) => {
                self.held.remove(id);
                self.lost.insert(id.to_owned(), why.clone());
                self.lost_log.push((id.to_owned(), why));
            }
            Failure::Persisted(why) | Failure::Refused(why) => {
                self.failed_renewals += 1;
                self.last_failure = Some(why);
            }
        }
    }
}

/// The state, even if a beat panicked while holding it: it is only maps and counters, never half-written.
fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

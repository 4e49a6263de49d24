//! The function's side of the Runtime API as the driver waits for it: an invocation handed out and answered, the
//! `next` after it, and what an answer says.

use super::INVOKE_TIMEOUT;
use score_fanout_testkit::runtime_api::{Message, RuntimeApi};
use std::io;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Hands `event` out and waits for its answer and the next `next`: the wall time from handing out to the answer,
/// and whether everything was delivered.
pub(super) fn invoke(api: &RuntimeApi, child: &mut Child, event: &Arc<[u8]>) -> io::Result<(Duration, bool)> {
    api.invoke(Arc::clone(event));
    let answered = match message(api, child, INVOKE_TIMEOUT)? {
        Message::Answer { sent, at, error, body, .. } => (at - sent, !error && delivered(&body)),
        Message::InitError { body, .. } => return Err(init_error(&body)),
        Message::Next(_) => return Err(io::Error::other("`next` again without answering the invocation")),
    };
    wait_next(api, child, INVOKE_TIMEOUT)?;
    Ok(answered)
}

pub(super) fn wait_next(api: &RuntimeApi, child: &mut Child, timeout: Duration) -> io::Result<Instant> {
    match message(api, child, timeout)? {
        Message::Next(at) => Ok(at),
        Message::InitError { body, .. } => Err(init_error(&body)),
        Message::Answer { .. } => Err(io::Error::other("an answer without an invocation")),
    }
}

/// The function's next message; an error as soon as the process is gone (killed for its memory, crashed), rather
/// than at the timeout.
fn message(api: &RuntimeApi, child: &mut Child, timeout: Duration) -> io::Result<Message> {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if let Some(message) = api.message(Duration::from_millis(50)) {
            return Ok(message);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return match api.message(Duration::ZERO) {
                Some(message) => Ok(message),
                None => Err(io::Error::other(format!("the function ended ({status})"))),
            };
        }
    }
    Err(io::Error::other("the function did not answer in time (it hung)"))
}

/// A response without `batchItemFailures` entries.
fn delivered(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("\"batchItemFailures\":[]")
}

fn init_error(body: &[u8]) -> io::Error {
    io::Error::other(format!("init error: {}", String::from_utf8_lossy(body)))
}

//! The poison redrive: each parked record run through the handler again after a fix ([`super::parked`]); what now
//! delivers leaves the queue, what still fails stays. It works through the messages as it receives them, holds
//! every one it received hidden until it lets it go ([`Holds`]), and handles each message once: one received again
//! (its hold lost, or its delete lost) is never delivered a second time. It handles at most the depth the queue had
//! when it started, so the live function's new poison never keeps it running, and it always comes to its summary:
//! an error that ends the run early is told after what was done.

use super::holds::Holds;
use super::outcome::{Outcome, Summary};
use super::parked::{redrive_one, Delivered};
use super::queue::{Queue, Received};
use super::redriver::Redriver;
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What became of a message this run handled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Handled {
    /// Delivered: deleted, or to be deleted when received again.
    Delivered,
    /// Left in the queue: hidden until the run ends.
    Kept,
}

struct Run<'a> {
    queue: &'a Queue<'a>,
    redriver: &'a Redriver,
    timeout: Duration,
    holds: Holds,
    handled: HashMap<String, Handled>,
    delivered: Delivered,
    /// Messages whose hold was lost before they were worked on (and may have been since), and since when.
    lost_waiting: HashMap<String, Instant>,
    summary: Summary,
}

/// Re-drives parked poison through `redriver` ([`Redriver::for_poison`]); a dry run deletes nothing.
pub async fn redrive_poison(queue: &Queue<'_>, redriver: &Redriver, timeout: Duration) -> Summary {
    let depth = match queue.depth().await {
        Ok(depth) => depth,
        Err(error) => return Summary { stopped: Some(error), ..Summary::default() },
    };
    let holds = queue.holds();
    let (handled, lost_waiting, summary) = (HashMap::new(), HashMap::new(), Summary::default());
    let delivered = Delivered::new();
    let mut run = Run { queue, redriver, timeout, holds, handled, delivered, lost_waiting, summary };
    let progress = ProgressBar::new(depth as u64);
    while run.handled.len() < depth {
        let batch = match queue.receive().await {
            Ok(batch) if batch.is_empty() && run.waiting_for_lost() => continue,
            Ok(batch) if batch.is_empty() => break,
            Ok(batch) => batch,
            Err(error) => {
                run.summary.stopped = Some(error);
                break;
            }
        };
        for message in &batch {
            run.holds.hold(&message.id, &message.receipt);
        }
        for message in batch {
            run.take(message, depth).await;
        }
        progress.set_position(run.handled.len() as u64);
    }
    progress.finish_and_clear();
    run.finish().await
}

impl Run<'_> {
    async fn take(&mut self, message: Received, depth: usize) {
        match self.handled.get(&message.id) {
            // Its hold lapsed and it came back: it stays hidden (under its new receipt) until the run ends.
            Some(Handled::Kept) => return,
            Some(Handled::Delivered) => return self.delete_again(&message).await,
            None => {}
        }
        if self.handled.len() >= depth {
            // Past the depth the run started with: not this run's; visible again at once.
            return self.let_go(&message.id).await;
        }
        if let Some(why) = self.holds.lost(&message.id) {
            // Visible again already: it is worked on when received again, within the visibility timeout.
            if !self.lost_waiting.contains_key(&message.id) {
                let note = format!(
                    "lost hold of message {} before working on it ({why}): worked on once received again",
                    message.id
                );
                self.summary.notes.push(note);
                self.lost_waiting.insert(message.id, Instant::now());
            }
            return;
        }
        self.work_on(message).await;
    }

    async fn work_on(&mut self, message: Received) {
        let mut line = redrive_one(&message.body, self.redriver, self.timeout, &mut self.delivered).await;
        line.message_id = Some(message.id.clone());
        // A record this run delivered from another message is done too: its message leaves the queue.
        let delivered = matches!(line.outcome, Outcome::Redriven { .. } | Outcome::AlreadyRedriven(_));
        self.handled.insert(message.id.clone(), if delivered { Handled::Delivered } else { Handled::Kept });
        if delivered {
            if let Some(why) = self.holds.lost(&message.id) {
                self.summary.notes.push(format!(
                    "lost hold of message {} ({}) while working on it ({why}): delivered; if SQS still has it, a later \
                     run delivers it again (same eventId)",
                    message.id, line.subject
                ));
            }
            let receipt = self.holds.let_go(&message.id).unwrap_or(message.receipt);
            if let Err(failure) = self.queue.delete(&receipt).await {
                let why =
                    format!("delivered, but DeleteMessage failed ({}): a rerun delivers it again", failure.detail());
                line.outcome = Outcome::Kept(why);
            }
        }
        self.summary.lines.push(line);
    }

    /// Whether a message whose hold was lost before it was worked on may still come back: its visibility lapses
    /// within the timeout, and a receive may take one long poll more to see it.
    fn waiting_for_lost(&self) -> bool {
        let patience = self.queue.visibility + Duration::from_secs(2);
        let waiting = self.lost_waiting.iter().filter(|(id, _)| !self.handled.contains_key(*id));
        waiting.map(|(_, since)| since).any(|since| since.elapsed() < patience)
    }

    /// A message this run delivered, received again because its delete did not take: deleted now.
    async fn delete_again(&mut self, message: &Received) {
        self.holds.let_go(&message.id);
        let note = match self.queue.delete(&message.receipt).await {
            Ok(()) => format!("message {} came back after its delivery: deleted, not delivered again", message.id),
            Err(failure) => {
                format!("message {} came back after its delivery; DeleteMessage: {}", message.id, failure.detail())
            }
        };
        self.summary.notes.push(note);
    }

    async fn let_go(&mut self, id: &str) {
        if let Some(receipt) = self.holds.let_go(id) {
            if let Err(failure) = self.queue.release(&receipt).await {
                self.summary
                    .notes
                    .push(format!("message {id} stays hidden until its visibility lapses: {}", failure.detail()));
            }
        }
    }

    /// Stops the heartbeat and makes every message still held (kept, or beyond the depth) visible again.
    async fn finish(self) -> Summary {
        let Run { queue, holds, mut summary, lost_waiting, handled, .. } = self;
        let stopped = holds.stop();
        summary.notes.extend(stopped.note);
        // A loss before the message was worked on is told already.
        let kept = |id: &String| handled.get(id) == Some(&Handled::Kept) && !lost_waiting.contains_key(id);
        for (id, why) in stopped.lost.iter().filter(|(id, _)| kept(id)) {
            summary.notes.push(format!(
                "lost hold of kept message {id} ({why}): it was visible for a while before the run ended"
            ));
        }
        for id in lost_waiting.keys().filter(|id| !handled.contains_key(*id)) {
            summary.notes.push(format!(
                "message {id}, whose hold was lost, did not come back during the run: a rerun handles it"
            ));
        }
        for receipt in stopped.still_held {
            if let Err(failure) = queue.release(&receipt).await {
                summary
                    .notes
                    .push(format!("a kept message stays hidden until its visibility lapses: {}", failure.detail()));
            }
        }
        summary
    }
}

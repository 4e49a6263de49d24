//! The poison redrive: each parked record run through the handler again after a fix; what now delivers leaves the
//! queue, what still fails stays.

use super::outcome::{Line, Outcome, RedriveError};
use super::queue::Queue;
use score_fanout::dead_letter::DeadLetter;
use score_fanout::decode::{decode, sequence_number_of};
use score_fanout::publish::{Invocation, Publish, RetryBudget};
use score_fanout::{Handler, StreamEvent};
use serde_json::value::RawValue;

/// Re-drives parked poison through `handler`, which must have no dead-letter queue of its own (what still fails
/// stays where it is instead of being parked twice).
pub async fn redrive_poison<P: Publish, D: DeadLetter>(
    queue: &Queue<'_>,
    handler: &Handler<P, D>,
    timeout: std::time::Duration,
    dry_run: bool,
) -> Result<Vec<Line>, RedriveError> {
    queue.work_through(async |body| redrive_one(body, handler, timeout, dry_run).await).await
}

#[derive(serde::Deserialize)]
struct Parked {
    record: Box<RawValue>,
    #[serde(default)]
    truncated: bool,
}

async fn redrive_one<P: Publish, D: DeadLetter>(
    body: &str,
    handler: &Handler<P, D>,
    timeout: std::time::Duration,
    dry_run: bool,
) -> Line {
    let parked: Parked = match serde_json::from_str(body) {
        Ok(parked) => parked,
        Err(error) => {
            return Line { subject: "?".into(), outcome: Outcome::Kept(format!("not a dead-letter message: {error}")) }
        }
    };
    let subject = sequence_number_of(&parked.record).unwrap_or_else(|| "(no SequenceNumber)".into());
    if parked.truncated {
        let why = "truncated (images left out): read its images from the stream (24 hours) or the item from the table \
                   by its Keys (docs/operations.md, Poison)";
        return Line { subject, outcome: Outcome::Kept(why.into()) };
    }
    let events = match decode(&parked.record) {
        Ok(decoded) => usize::from(decoded.event.is_some()),
        Err(error) => return Line { subject, outcome: Outcome::Kept(format!("still poison: {error}")) },
    };
    if dry_run {
        return Line { subject, outcome: Outcome::WouldRedrive { records: 1, events } };
    }
    let within = Invocation::new(RetryBudget::new(timeout));
    let response = handler.handle(&StreamEvent { records: vec![parked.record] }, &within).await;
    let outcome = if response.batch_item_failures.is_empty() {
        Outcome::Redriven { records: 1, events }
    } else {
        Outcome::Kept("not delivered to every sink (see the log)".into())
    };
    Line { subject, outcome }
}

//! The poison redrive: each parked record run through the handler again after a fix; what now delivers leaves the
//! queue, what still fails stays.

use super::outcome::{Line, Outcome, RedriveError};
use super::queue::Queue;
use super::Redriver;
use score_fanout::{sequence_number_of, Invocation, RetryBudget, StreamEvent};
use serde_json::value::RawValue;

/// Re-drives parked poison through `redriver` ([`Redriver::for_poison`]); a dry run deletes nothing.
pub async fn redrive_poison(
    queue: &Queue<'_>,
    redriver: &Redriver,
    timeout: std::time::Duration,
) -> Result<Vec<Line>, RedriveError> {
    queue.work_through(async |body| redrive_one(body, redriver, timeout).await).await
}

#[derive(serde::Deserialize)]
struct Parked {
    record: Box<RawValue>,
    #[serde(default)]
    truncated: bool,
}

async fn redrive_one(body: &str, redriver: &Redriver, timeout: std::time::Duration) -> Line {
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
    let within = Invocation::new(RetryBudget::new(timeout));
    let handled = redriver.handler.handle(&StreamEvent { records: vec![parked.record] }, &within).await;
    let events = handled.tally.events as usize;
    let outcome = match (handled.poison.first(), handled.checkpoint) {
        (Some(poison), _) => Outcome::Kept(format!("still poison: {}", poison.error)),
        (None, Some(_)) => Outcome::Kept("not delivered to every sink (see the log)".into()),
        (None, None) if redriver.dry_run => Outcome::WouldRedrive { records: 1, events },
        (None, None) => Outcome::Redriven { records: 1, events },
    };
    Line { subject, outcome }
}

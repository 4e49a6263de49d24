//! One parked record run through the handler again, to the sinks that refused its event (the dead-letter message's
//! `refusedBy`), or to every sink of the function when the message does not say (a record that could not be
//! decoded, or a message parked before `refusedBy` existed): a sink that took the event the first time does not get
//! it twice. A record parked twice (a run to one sink and the later run to the other both park an undecodable record
//! of the same object) is delivered once: its second message is only removed.

use super::outcome::{Line, Outcome};
use super::redriver::Redriver;
use super::sinks::{Sink, Sinks};
use score_fanout::{sequence_number_of, Invocation, RetryBudget, StreamEvent};
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::time::Duration;

/// The records (by sequence number) this run delivered, and to which sinks.
pub(super) type Delivered = HashSet<(String, Sinks)>;

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Parked {
    record: Box<RawValue>,
    #[serde(default)]
    truncated: bool,
    #[serde(default)]
    refused_by: Vec<String>,
}

/// What became of the dead-letter message `body`; `delivered` is what this run delivered so far.
pub(super) async fn redrive_one(body: &str, redriver: &Redriver, timeout: Duration, delivered: &mut Delivered) -> Line {
    let parked: Parked = match serde_json::from_str(body) {
        Ok(parked) => parked,
        Err(error) => return Line::new("?", Outcome::Kept(format!("not a dead-letter message: {error}"))),
    };
    let sequence_number = sequence_number_of(&parked.record);
    let subject = sequence_number.clone().unwrap_or_else(|| "(no SequenceNumber)".into());
    if parked.truncated {
        let why = "truncated (images left out): read its images from the stream (24 hours) or the item from the table \
                   by its Keys (docs/operations.md, Poison)";
        return Line::new(subject, Outcome::Kept(why.into()));
    }
    let to = match sinks_for(&parked.refused_by, Sinks::of(redriver.config())) {
        Ok(to) => to,
        Err(why) => return Line::new(subject, Outcome::Kept(why)),
    };
    let done = sequence_number.map(|sequence_number| (sequence_number, to));
    if done.as_ref().is_some_and(|done| delivered.contains(done)) {
        let why = format!("delivered to {to} from another message of this run: removed, not sent again");
        return Line::new(subject, Outcome::AlreadyRedriven(why));
    }
    let Some(handler) = redriver.handler(to) else {
        return Line::new(subject, Outcome::Kept(format!("no handler for {to}")));
    };
    let within = Invocation::new(RetryBudget::new(timeout));
    let handled = handler.handle(&StreamEvent { records: vec![parked.record] }, &within).await;
    let events = handled.tally.events as usize;
    let outcome = match (handled.poison.first(), handled.checkpoint) {
        (Some(poison), _) => Outcome::Kept(format!("still poison: {}", poison.error)),
        (None, Some(_)) => Outcome::Kept(format!("not delivered to {to} (see the log)")),
        (None, None) if redriver.dry_run() => Outcome::WouldRedrive { records: 1, events, to },
        (None, None) => {
            delivered.extend(done);
            Outcome::Redriven { records: 1, events, to }
        }
    };
    Line::new(subject, outcome)
}

/// The sinks a message goes to: those of `refused_by` (all of them the function's), or with none named every one.
fn sinks_for(refused_by: &[String], has: Sinks) -> Result<Sinks, String> {
    if refused_by.is_empty() {
        return Ok(has);
    }
    let mut to = Sinks::default();
    for variable in refused_by {
        let sink =
            Sink::of_variable(variable).ok_or_else(|| format!("refusedBy names {variable:?}, no sink's variable"))?;
        if !has.contains(sink) {
            return Err(format!("refused by {sink}, which the function no longer has: nothing to send it to"));
        }
        to = to.union(Sinks::from_iter([sink]));
    }
    Ok(to)
}

#[cfg(test)]
#[path = "parked_tests.rs"]
mod tests;

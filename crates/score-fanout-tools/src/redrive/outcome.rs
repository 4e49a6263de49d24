//! What a redrive did with each item it worked on (a dead-letter message, a skipped batch's object): the line of its
//! summary table; what the operator should know besides; and why a redrive stopped or could not run at all.

use super::sinks::Sinks;

/// What became of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered to the sinks `to`: the message was deleted, or the object tagged with them.
    Redriven { records: usize, events: usize, to: Sinks },
    /// `--dry-run`: what a real run would send, and where.
    WouldRedrive { records: usize, events: usize, to: Sinks },
    /// Redriven by an earlier run (the object's tag says when): not sent again.
    AlreadyRedriven(String),
    /// Left as it was, with the reason.
    Kept(String),
}

/// One item and what became of it.
#[derive(Clone, Debug)]
pub struct Line {
    /// The object's key (skipped batches) or the record's sequence number (poison).
    pub subject: String,
    /// The dead-letter message's `MessageId` (poison).
    pub message_id: Option<String>,
    pub outcome: Outcome,
}

impl Line {
    pub fn new(subject: impl Into<String>, outcome: Outcome) -> Self {
        Self { subject: subject.into(), message_id: None, outcome }
    }
}

/// A whole run: every item's line, notes for the operator, and the error that ended the run early, if one did.
/// A run always comes to one, so that what was done before an error is told too.
#[derive(Debug, Default)]
pub struct Summary {
    pub lines: Vec<Line>,
    pub notes: Vec<String>,
    pub stopped: Option<RedriveError>,
}

/// Why a redrive could not go on, or could not run at all.
#[derive(Debug, thiserror::Error)]
#[error("{operation} on {resource}: {detail}")]
pub struct RedriveError {
    pub(super) operation: &'static str,
    pub(super) resource: String,
    pub(super) detail: String,
}

//! What a redrive did with each item it worked on (a dead-letter message, a skipped batch's object): the line of its
//! summary table; and why a redrive could not run at all.

/// What became of one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered: the message was deleted, or the object tagged as redriven.
    Redriven { records: usize, events: usize },
    /// `--dry-run`: what a real run would send.
    WouldRedrive { records: usize, events: usize },
    /// Redriven by an earlier run (the object's tag says when): not sent again.
    AlreadyRedriven(String),
    /// Left as it was, with the reason.
    Kept(String),
}

/// One message and what became of it.
#[derive(Clone, Debug)]
pub struct Line {
    /// The object's key (skipped batches) or the record's sequence number (poison).
    pub subject: String,
    pub outcome: Outcome,
}

/// Why a redrive could not run at all.
#[derive(Debug, thiserror::Error)]
#[error("{operation} on {resource}: {detail}")]
pub struct RedriveError {
    pub(super) operation: &'static str,
    pub(super) resource: String,
    pub(super) detail: String,
}

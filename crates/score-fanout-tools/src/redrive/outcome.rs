//! What a redrive did with each message it worked on: the line of its summary table.

/// What became of one queue message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered: the message was deleted.
    Redriven { records: usize, events: usize },
    /// `--dry-run`: what a real run would send.
    WouldRedrive { records: usize, events: usize },
    /// Left in the queue, with the reason.
    Kept(String),
}

/// One message and what became of it.
#[derive(Clone, Debug)]
pub struct Line {
    /// The range (stream redrive) or the record's sequence number (poison redrive).
    pub subject: String,
    pub outcome: Outcome,
}

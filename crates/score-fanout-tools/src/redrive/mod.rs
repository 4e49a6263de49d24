//! Operations: replaying what the event source mapping skipped (from its on-failure records, re-reading exactly
//! those ranges from the stream) and what the function parked (the dead-letter queue), through the same handler.
//! A message is deleted only once everything it stands for is delivered, so a second run changes nothing.

mod outcome;
mod poison;
mod queue;
mod range;

pub use outcome::{Line, Outcome};
pub use poison::redrive_poison;
pub use queue::{Queue, RedriveError};
pub use range::redrive_stream;

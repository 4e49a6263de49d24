//! Operations: replaying what the event source mapping skipped (whole batches kept in the on-failure bucket, whether
//! or not the stream still holds them) and what the function parked (the dead-letter queue), through the same
//! handler. An item counts as done only once everything it stands for is delivered (an object is then tagged, a
//! message deleted), so a second run delivers nothing again.

mod outcome;
mod poison;
mod queue;
mod skipped;

pub use outcome::{Line, Outcome, RedriveError};
pub use poison::redrive_poison;
pub use queue::Queue;
pub use skipped::{redrive_skipped, Bucket, REDRIVEN_TAG};

//! Operations: replaying what the event source mapping skipped (whole batches kept in the on-failure bucket, whether
//! or not the stream still holds them) and what the function parked (the dead-letter queue), through the same
//! handler, configured as the deployed function is ([`deployed`]). An item counts as done only once everything it
//! stands for is delivered to every sink that lacked it (an object is then tagged with the sinks, a message deleted),
//! so a second run delivers nothing again.

mod bucket;
pub mod deployed;
mod holds;
pub mod order;
mod outcome;
mod parked;
mod poison;
mod queue;
mod redriver;
mod report;
mod sinks;
mod skipped;
mod sqs_calls;
mod survey;
mod tag;

pub use bucket::Bucket;
pub use deployed::{Deployed, StreamMapping, Target};
pub use outcome::{Line, Outcome, RedriveError, Summary};
pub use poison::redrive_poison;
pub use queue::{Queue, DEFAULT_VISIBILITY};
pub use redriver::{dry_run, Redriver, SetupError};
pub use report::render;
pub use sinks::{Sink, Sinks};
pub use skipped::redrive_skipped;
pub use tag::{Redriven, REDRIVEN_TAG};

#[cfg(test)]
mod tests;

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

/// Whether a redrive runs dry, and why when the environment decided it. In `DRY_RUN` the handler delivers nothing
/// and answers that nothing failed, so a real redrive would tag or delete what it never sent: `DRY_RUN=true` makes
/// every redrive a dry run, and says so.
pub fn dry_run(requested: bool, dry_run_env: bool) -> (bool, Option<&'static str>) {
    match (requested, dry_run_env) {
        (false, true) => (true, Some("DRY_RUN=true is set: running as --dry-run (nothing is sent, tagged or deleted)")),
        (requested, _) => (requested, None),
    }
}

#[cfg(test)]
mod tests;

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

use aws_config::SdkConfig;
use score_fanout::{live_handler, Config, DestinationError, EndpointError, LiveHandler};

/// Why a redrive cannot start: the function's configuration does not lead anywhere.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Destination(#[from] DestinationError),
}

/// The function's handler as a redrive runs it, built from the function's configuration: in DRY_RUN (`--dry-run`)
/// it is DRY_RUN's, which sends nothing anywhere, and the redrive then tags and deletes nothing; the two can never
/// disagree.
pub struct Redriver {
    handler: LiveHandler,
    dry_run: bool,
}

impl Redriver {
    /// For skipped batches: the function's handler exactly, which parks what is now poison. Its destinations are
    /// checked first, as the function's init checks them: a redrive into a bus that does not exist would report
    /// every batch delivered.
    pub async fn for_skipped(config: &Config, sdk: &SdkConfig) -> Result<Self, SetupError> {
        let handler = live_handler(config, sdk)?;
        handler.check_destinations(sdk.region().map(|region| region.as_ref())).await?;
        Ok(Self { handler, dry_run: config.dry_run })
    }

    /// For parked poison: the function's sinks without its dead-letter queue, so that what still fails stays in the
    /// queue it came from instead of being parked a second time.
    pub async fn for_poison(config: &Config, sdk: &SdkConfig) -> Result<Self, SetupError> {
        let config = Config { dead_letter_queue_url: None, ..config.clone() };
        Self::for_skipped(&config, sdk).await
    }
}

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

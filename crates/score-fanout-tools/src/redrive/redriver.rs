//! The redrive's handlers: the function's own, built from its configuration, once for each set of its sinks an item
//! may still lack, and whether the run is dry.

use super::sinks::{Sink, Sinks};
use aws_config::SdkConfig;
use score_fanout::{live_handler, Config, ConfigError, DestinationError, EndpointError, LiveHandler};

/// Why a redrive cannot start: the function's configuration does not lead anywhere, or the run asks for a sink the
/// function does not have.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the function's configuration: {0}")]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Destination(#[from] DestinationError),
    #[error(
        "--only {sink}: the function has no {sink} (its sinks: {has}); a redrive sends to the function's own sinks"
    )]
    NotConfigured { sink: Sink, has: Sinks },
}

/// The function's handler as a redrive runs it, built from the function's configuration, once for each set of its
/// sinks an item may still lack: an event goes to those only. In DRY_RUN (`--dry-run`) it is DRY_RUN's, which sends
/// nothing anywhere, and the redrive then tags and deletes nothing; the two can never disagree.
pub struct Redriver {
    config: Config,
    /// The sinks this run delivers to: the function's, or those `--only` names.
    targets: Sinks,
    handlers: Vec<(Sinks, LiveHandler)>,
    dry_run: bool,
}

impl Redriver {
    /// For skipped batches: the function's handler exactly, which parks what is now poison. Its destinations are
    /// checked first, as the function's init checks them: a redrive into a bus that does not exist would report
    /// every batch delivered.
    pub async fn for_skipped(config: &Config, sdk: &SdkConfig) -> Result<Self, SetupError> {
        let all = Sinks::of(config);
        let whole = live_handler(config, sdk)?;
        whole.check_destinations(sdk.region().map(|region| region.as_ref())).await?;
        let mut handlers = vec![(all, whole)];
        // One handler per sink besides, for items that lack one sink only; a single sink's is the whole one.
        if !config.dry_run && all.iter().count() > 1 {
            for sink in all.iter() {
                let one = Sinks::from_iter([sink]);
                handlers.push((one, live_handler(&one.config(config), sdk)?));
            }
        }
        Ok(Self { config: config.clone(), targets: all, handlers, dry_run: config.dry_run })
    }

    /// For parked poison: the function's sinks without its dead-letter queue, so that what still fails stays in the
    /// queue it came from instead of being parked a second time.
    pub async fn for_poison(config: &Config, sdk: &SdkConfig) -> Result<Self, SetupError> {
        let config = Config { dead_letter_queue_url: None, ..config.clone() };
        Self::for_skipped(&config, sdk).await
    }

    /// Delivers to `only` of the function's sinks (`--only`), refusing a sink the function does not have.
    pub fn only(mut self, only: &[Sink]) -> Result<Self, SetupError> {
        let has = Sinks::of(&self.config);
        if let Some(&sink) = only.iter().find(|sink| !has.contains(**sink)) {
            return Err(SetupError::NotConfigured { sink, has });
        }
        if !only.is_empty() {
            self.targets = only.iter().copied().collect();
        }
        Ok(self)
    }

    /// The function's configuration the handlers were built from.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The sinks this run delivers to.
    pub fn targets(&self) -> Sinks {
        self.targets
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// The handler that delivers to `sinks` and no other sink (in DRY_RUN, DRY_RUN's).
    pub(super) fn handler(&self, sinks: Sinks) -> Option<&LiveHandler> {
        if self.dry_run {
            return self.handlers.first().map(|(_, handler)| handler);
        }
        self.handlers.iter().find(|(set, _)| *set == sinks).map(|(_, handler)| handler)
    }
}

/// Whether a redrive runs dry, and why when the environment decided it. In `DRY_RUN` the handler delivers nothing
/// and answers that nothing failed, so a real redrive would tag or delete what it never sent: `DRY_RUN=true` (in
/// the redrive's own environment, or the function's) makes every redrive a dry run, and says so.
pub fn dry_run(requested: bool, dry_run_env: bool) -> (bool, Option<&'static str>) {
    match (requested, dry_run_env) {
        (false, true) => (true, Some("DRY_RUN=true is set: running as --dry-run (nothing is sent, tagged or deleted)")),
        (requested, _) => (requested, None),
    }
}

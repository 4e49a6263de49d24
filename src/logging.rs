//! Logging: Lambda's log format and level, and the classic demo's lines for what each record did.

use crate::config::Config;
use crate::decode::{Change, Decoded};
use lambda_runtime::tracing::subscriber::{self, filter::EnvFilter};
use tracing::level_filters::LevelFilter;
use tracing::{debug, info};

/// Installs the global subscriber the way `lambda_runtime::tracing::init_default_subscriber` does (stdout, no
/// timestamps: Lambda adds its own), except that the level comes from the validated `AWS_LAMBDA_LOG_LEVEL`, so
/// FATAL means ERROR instead of silently falling back to INFO. Without it, `RUST_LOG` applies, else INFO.
pub fn init(config: &Config) {
    init_with(config.log_level, config.json_logs);
}

/// As [`init`], for tools that log like the function without a function configuration.
pub fn init_with(log_level: Option<LevelFilter>, json_logs: bool) {
    let filter = match log_level {
        Some(level) => EnvFilter::default().add_directive(level.into()),
        None => EnvFilter::builder().with_default_directive(tracing::Level::INFO.into()).from_env_lossy(),
    };
    let builder = subscriber::fmt().with_target(false).without_time().with_env_filter(filter);
    // A second init (tests, a tool that already set one up) keeps the first subscriber.
    let _ = if json_logs { builder.json().try_init() } else { builder.try_init() };
}

/// Logs what a record did to a player row, with the demo's message texts. Whole images only at debug.
pub fn log_change(decoded: &Decoded) {
    let sequence_number = decoded.sequence_number.as_str();
    match &decoded.change {
        Change::Added(row) => {
            info!(sequence_number, player_id = %row.player_id, date = %row.date, score = row.score.get(),
                "New row added with playerId={}", row.player_id);
        }
        Change::ScoreChanged { old, new } => {
            info!(sequence_number, player_id = %new.player_id, date = %new.date, old_score = old.score.get(),
                new_score = new.score.get(), "Scores changed - oldScore={}, newScore={}", old.score, new.score);
        }
        Change::ScoreUnchanged(row) => {
            debug!(sequence_number, player_id = %row.player_id, date = %row.date, score = row.score.get(),
                "Score unchanged - no event for this MODIFY");
        }
        Change::Removed { old, reason } => {
            info!(sequence_number, player_id = %old.player_id, date = %old.date, score = old.score.get(),
                reason = %reason, "Row removed with playerId={}", old.player_id);
        }
    }
}

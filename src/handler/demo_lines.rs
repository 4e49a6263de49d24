//! The classic demo's log lines: what each record did to a player row, as the message of an info-level event with
//! structured fields beside it. Whole images only at debug.

use crate::decode::{Change, Decoded};
use tracing::{debug, info};

/// Logs what a record did to a player row, with the demo's message texts.
pub(super) fn log_change(decoded: &Decoded) {
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

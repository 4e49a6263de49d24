//! The tag a redriven object carries (`score-fanout-redriven`): which sinks got its records and when, as
//! `EVENT_BUS_NAME=<digest> TOPIC_ARN=<digest> <time>`. Each sink is recorded with a short digest of its value, so
//! that a bus or topic replaced since counts as not delivered, and the value stays far within the 256 characters an
//! S3 tag value holds (and within its character set: letters, digits, spaces and `+ - = . _ : / @`).

use super::sinks::{Sink, Sinks};
use score_fanout::Config;
use sha2::{Digest, Sha256};

/// The tag an object gets once its records were delivered to some or all sinks.
pub const REDRIVEN_TAG: &str = "score-fanout-redriven";

/// Hex digits of a sink's digest: enough to tell one bus or topic of an account from another.
const DIGEST_HEX: usize = 8;

/// What an object's tag says was delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redriven {
    /// A tag of a time only, written before sinks were recorded: every sink got the records.
    Everywhere { at: String },
    /// The sinks (variable and digest of its value) that got the records, and when last.
    To { sinks: Vec<(String, String)>, at: String },
}

impl Redriven {
    /// Reads a tag's value.
    pub fn parse(value: &str) -> Self {
        let (sinks, times): (Vec<&str>, Vec<&str>) = value.split_whitespace().partition(|part| part.contains('='));
        let at = times.join(" ");
        if sinks.is_empty() {
            return Redriven::Everywhere { at };
        }
        let sinks = sinks
            .iter()
            .filter_map(|part| part.split_once('='))
            .map(|(variable, digest)| (variable.to_owned(), digest.to_owned()))
            .collect();
        Redriven::To { sinks, at }
    }

    /// The sinks of `config` that already got the records: those recorded with their current value.
    pub fn delivered(&self, config: &Config) -> Sinks {
        match self {
            Redriven::Everywhere { .. } => Sinks::of(config),
            Redriven::To { sinks, .. } => Sink::ALL
                .into_iter()
                .filter(|sink| {
                    let current = sink.value(config).map(digest);
                    sinks
                        .iter()
                        .any(|(variable, digest)| variable == sink.variable() && Some(digest) == current.as_ref())
                })
                .collect(),
        }
    }

    /// When the tag was last written.
    pub fn at(&self) -> &str {
        match self {
            Redriven::Everywhere { at } | Redriven::To { at, .. } => at,
        }
    }
}

/// The tag's value once `delivered` (what earlier runs and this one delivered) of `config` got the records, at `at`.
pub fn value(delivered: Sinks, config: &Config, at: &str) -> String {
    let mut parts: Vec<String> = delivered
        .iter()
        .filter_map(|sink| sink.value(config).map(|value| format!("{}={}", sink.variable(), digest(value))))
        .collect();
    parts.push(at.to_owned());
    parts.join(" ")
}

/// The short digest of a sink's value.
fn digest(value: &str) -> String {
    let hash = Sha256::digest(value.as_bytes());
    hash.iter().map(|byte| format!("{byte:02x}")).collect::<String>()[..DIGEST_HEX].to_owned()
}

#[cfg(test)]
#[path = "tag_tests.rs"]
mod tests;

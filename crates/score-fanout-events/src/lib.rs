//! The score events of score-fanout, for the teams that consume them: a player's score row and the events
//! published when it changes (`PlayerAdded`, `ScoreChanged`, `PlayerRemoved`), with the EventBridge envelope they
//! arrive in. No AWS SDK, no Lambda runtime: serde and serde_json only (schemars with the `schema` feature).
//!
//! ```
//! use score_fanout_events::DomainEvent;
//!
//! // An SNS message with raw delivery: the body is the event, the `eventType` attribute names it.
//! let body = r#"{"eventId":"7a2d","occurredAt":"2026-11-24T09:01:00Z","schemaVersion":"1",
//!               "playerId":"1234","date":"Aug 23","oldScore":44,"newScore":50,"delta":6}"#;
//! match DomainEvent::from_json("ScoreChanged", body).unwrap() {
//!     DomainEvent::ScoreChanged(changed) => assert_eq!(changed.delta, 6),
//!     other => panic!("{other:?}"),
//! }
//! ```

#![warn(missing_docs)]

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Version of the published event shapes; additive changes keep it, breaking ones bump it.
pub const SCHEMA_VERSION: &str = "1";

/// The largest score magnitude accepted: 2^52 - 1, so that every JSON consumer reads a score, and any
/// difference of two scores, exactly as an IEEE double.
pub const MAX_SCORE: i64 = (1 << 52) - 1;

/// A score within +-[`MAX_SCORE`]. Deserializes from a number or from a string holding an integer
/// (the classic demo's console sample stores `"44"` as a string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Score(i64);

impl Score {
    /// A score, if `value` is within +-[`MAX_SCORE`].
    pub fn new(value: i64) -> Option<Self> {
        (-MAX_SCORE..=MAX_SCORE).contains(&value).then_some(Self(value))
    }

    /// The score as an integer.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<'de> Deserialize<'de> for Score {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScoreVisitor)
    }
}

struct ScoreVisitor;

const SCORE_EXPECTED: &str = "an integer within +-(2^52 - 1), as a number or a string";

impl serde::de::Visitor<'_> for ScoreVisitor {
    type Value = Score;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SCORE_EXPECTED)
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Score, E> {
        Score::new(value).ok_or_else(|| E::custom(format!("{value} is out of range: expected {SCORE_EXPECTED}")))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Score, E> {
        i64::try_from(value)
            .ok()
            .and_then(Score::new)
            .ok_or_else(|| E::custom(format!("{value} is out of range: expected {SCORE_EXPECTED}")))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Score, E> {
        // DynamoDB normalises numbers ("44.0" is stored as "44"), so a fraction here is a real fraction.
        let in_range = value.is_finite() && value.fract() == 0.0 && value.abs() <= MAX_SCORE as f64;
        if in_range {
            Ok(Score(value as i64))
        } else {
            Err(E::custom(format!("{value} is not {SCORE_EXPECTED}")))
        }
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Score, E> {
        match value.trim().parse::<i64>() {
            Ok(parsed) => self.visit_i64(parsed),
            Err(_) => Err(E::custom(format!("{value:?} is not {SCORE_EXPECTED}"))),
        }
    }
}

/// One row of the `GameEvents` table, as decoded from a stream image.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayerScore {
    /// The partition key.
    pub player_id: String,
    /// The sort key, free text (`"Aug 23"` in the classic demo).
    pub date: String,
    /// The score, an integer within +-[`MAX_SCORE`].
    pub score: Score,
}

/// Fields every domain event carries.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventMeta {
    /// The stream record's `eventID`, verbatim: identical on every retry, so consumers can deduplicate.
    #[cfg_attr(feature = "schema", schemars(length(min = 1)))]
    pub event_id: String,
    /// The record's ApproximateCreationDateTime, RFC 3339 in UTC.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub occurred_at: String,
    /// The event shape's version: "1" today (see docs/events.md for the compatibility policy).
    #[cfg_attr(feature = "schema", schemars(extend("const" = "1")))]
    pub schema_version: String,
}

/// A player row appeared (stream INSERT).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayerAdded {
    /// `eventId`, `occurredAt`, `schemaVersion`.
    #[serde(flatten)]
    pub meta: EventMeta,
    /// The row's partition key.
    pub player_id: String,
    /// The row's sort key.
    pub date: String,
    /// The new row's score, within +-(2^52 - 1).
    #[cfg_attr(feature = "schema", schemars(range(min = -4503599627370495i64, max = 4503599627370495i64)))]
    pub score: i64,
}

/// A player's score changed (stream MODIFY with a different score).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScoreChanged {
    /// `eventId`, `occurredAt`, `schemaVersion`.
    #[serde(flatten)]
    pub meta: EventMeta,
    /// The row's partition key.
    pub player_id: String,
    /// The row's sort key.
    pub date: String,
    /// The score before the change, within +-(2^52 - 1).
    #[cfg_attr(feature = "schema", schemars(range(min = -4503599627370495i64, max = 4503599627370495i64)))]
    pub old_score: i64,
    /// The score after the change, within +-(2^52 - 1).
    #[cfg_attr(feature = "schema", schemars(range(min = -4503599627370495i64, max = 4503599627370495i64)))]
    pub new_score: i64,
    /// `newScore - oldScore`, never 0, within +-(2^53 - 2).
    #[cfg_attr(
        feature = "schema",
        schemars(range(min = -9007199254740990i64, max = 9007199254740990i64), extend("not" = {"const": 0}))
    )]
    pub delta: i64,
}

/// A player row went away (stream REMOVE).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayerRemoved {
    /// `eventId`, `occurredAt`, `schemaVersion`.
    #[serde(flatten)]
    pub meta: EventMeta,
    /// The row's partition key.
    pub player_id: String,
    /// The row's sort key.
    pub date: String,
    /// The removed row's last score, within +-(2^52 - 1).
    #[cfg_attr(feature = "schema", schemars(range(min = -4503599627370495i64, max = 4503599627370495i64)))]
    pub score: i64,
    /// `deleted`, or `expired` by DynamoDB's time to live.
    pub reason: RemovalReason,
}

/// Why a row was removed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemovalReason {
    /// Somebody deleted it.
    Deleted,
    /// DynamoDB's time to live expired it.
    Expired,
}

impl fmt::Display for RemovalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Deleted => "deleted",
            Self::Expired => "expired",
        })
    }
}

/// Every event score-fanout publishes.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DomainEvent {
    /// A stream INSERT.
    PlayerAdded(PlayerAdded),
    /// A stream MODIFY that changed the score.
    ScoreChanged(ScoreChanged),
    /// A stream REMOVE.
    PlayerRemoved(PlayerRemoved),
}

impl DomainEvent {
    /// The event's name: EventBridge `DetailType` and SNS attribute `eventType`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::PlayerAdded(_) => "PlayerAdded",
            Self::ScoreChanged(_) => "ScoreChanged",
            Self::PlayerRemoved(_) => "PlayerRemoved",
        }
    }

    /// The player the event is about.
    pub fn player_id(&self) -> &str {
        match self {
            Self::PlayerAdded(event) => &event.player_id,
            Self::ScoreChanged(event) => &event.player_id,
            Self::PlayerRemoved(event) => &event.player_id,
        }
    }

    /// The fields every event carries.
    pub fn meta(&self) -> &EventMeta {
        match self {
            Self::PlayerAdded(event) => &event.meta,
            Self::ScoreChanged(event) => &event.meta,
            Self::PlayerRemoved(event) => &event.meta,
        }
    }

    /// Reads an event from its JSON document and its name (SNS attribute `eventType`, EventBridge `detail-type`).
    /// Unknown fields are ignored, as the compatibility policy asks of consumers. An event type or a
    /// `schemaVersion` this crate does not know is [`EventError::UnknownType`] or [`EventError::UnsupportedVersion`]:
    /// the policy's additive changes, which a consumer skips ([`EventError::is_skippable`]) rather than retries.
    pub fn from_json(event_type: &str, json: &str) -> Result<Self, EventError> {
        if !EVENT_NAMES.contains(&event_type) {
            return Err(EventError::UnknownType(event_type.to_owned()));
        }
        let malformed = |source| EventError::Malformed { event_type: event_type.to_owned(), source };
        let version: Versioned = serde_json::from_str(json).map_err(malformed)?;
        // Without a version it is no valid event of any version: reading it below names the missing field.
        if let Some(other) = version.schema_version.filter(|v| v != SCHEMA_VERSION) {
            return Err(EventError::UnsupportedVersion(other));
        }
        let parsed = match event_type {
            "PlayerAdded" => serde_json::from_str(json).map(Self::PlayerAdded),
            "ScoreChanged" => serde_json::from_str(json).map(Self::ScoreChanged),
            _ => serde_json::from_str(json).map(Self::PlayerRemoved),
        };
        parsed.map_err(malformed)
    }

    /// The event as the JSON document sinks carry.
    pub fn to_json(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no custom serializers.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The names of every event, as EventBridge `detail-type` and SNS attribute `eventType`.
pub const EVENT_NAMES: [&str; 3] = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"];

/// Just the version of an event, read before the rest: another version may have another shape.
#[derive(Deserialize)]
struct Versioned {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<String>,
}

/// Why a message is not a score event this crate can read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// An event type this crate does not know (a newer one: skippable).
    #[error("unknown event type {0:?} (expected PlayerAdded, ScoreChanged or PlayerRemoved)")]
    UnknownType(String),
    /// A `schemaVersion` other than [`SCHEMA_VERSION`] (a newer one: skippable).
    #[error("schemaVersion {0:?} is not the one this crate reads (\"1\")")]
    UnsupportedVersion(String),
    /// Not a valid event of the type it names: not JSON, a field missing or of the wrong type.
    #[error("not a valid {event_type}: {source}")]
    Malformed {
        /// The event type the message named.
        event_type: String,
        /// What serde_json found wrong, with its line and column.
        #[source]
        source: serde_json::Error,
    },
}

impl EventError {
    /// Whether the message is a valid event this consumer was not written for (a newer event type or version),
    /// to be skipped, not retried: retrying can never make it readable, and it is not a fault.
    pub fn is_skippable(&self) -> bool {
        matches!(self, Self::UnknownType(_) | Self::UnsupportedVersion(_))
    }
}

/// A score event as an EventBridge rule target receives it (`account` is absent on some local servers).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventBridgeEnvelope<T = serde_json::Value> {
    /// EventBridge's envelope version, `"0"`.
    pub version: String,
    /// EventBridge's id of this delivery (not the change's: deduplicate on the event's `eventId`).
    pub id: String,
    /// The event's name.
    #[serde(rename = "detail-type")]
    #[cfg_attr(feature = "schema", schemars(extend("enum" = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"])))]
    pub detail_type: String,
    /// `EVENT_SOURCE`, `game.scores` by default.
    pub source: String,
    /// The AWS account; absent on some local servers (moto).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub account: Option<String>,
    /// When EventBridge received the entry, RFC 3339.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub time: String,
    /// The bus's Region.
    pub region: String,
    /// Empty for score events.
    #[serde(default)]
    pub resources: Vec<String>,
    /// The event itself.
    pub detail: T,
}

impl EventBridgeEnvelope {
    /// The domain event inside the envelope.
    pub fn event(&self) -> Result<DomainEvent, EventError> {
        DomainEvent::from_json(&self.detail_type, &self.detail.to_string())
    }
}

#[cfg(feature = "schema")]
pub mod schema;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests;

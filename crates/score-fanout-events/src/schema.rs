//! The JSON Schemas (draft 2020-12) of the events and of the messages as subscribers receive them, generated from
//! the types: the files the repository keeps in `schemas/` (a test there fails when they drift apart). Each has the
//! `$id` [`ID_BASE`] + its file name. [`registry`] makes OpenAPI 3 documents of the same types for EventBridge's
//! schema registry.

use crate::{DomainEvent, EventBridgeEnvelope, PlayerAdded, PlayerRemoved, ScoreChanged, EVENT_NAMES};
use schemars::{schema_for, Schema};
use serde_json::json;

pub mod registry;

/// The base of every schema's `$id`: an identifier, not an address (nothing is served there). `.example` is reserved
/// (RFC 2606), so no one else's schema can ever carry these ids.
pub const ID_BASE: &str = "https://score-fanout.example/schemas/";

/// Every schema, with its file name in `schemas/` and its `$id`: [`ID_BASE`] + the file name.
pub fn all() -> Vec<(&'static str, Schema)> {
    let schemas = [
        ("PlayerAdded.v1.json", schema_for!(PlayerAdded)),
        ("ScoreChanged.v1.json", schema_for!(ScoreChanged)),
        ("PlayerRemoved.v1.json", schema_for!(PlayerRemoved)),
        ("EventBridgeEnvelope.v1.json", eventbridge_envelope()),
        ("OrderedQueueMessage.v1.json", ordered_queue_message()),
        ("SnsMessage.v1.json", sns_message()),
    ];
    schemas.into_iter().map(|(name, schema)| (name, identified(name, schema))).collect()
}

/// The schema with its `$id` (schemars writes it first, before `$schema`).
fn identified(name: &str, mut schema: Schema) -> Schema {
    schema.insert("$id".into(), format!("{ID_BASE}{name}").into());
    schema
}

/// What an EventBridge rule target receives: the envelope, its `detail` of the shape its `detail-type` names.
pub fn eventbridge_envelope() -> Schema {
    let mut schema = schema_for!(EventBridgeEnvelope<DomainEvent>);
    schema.insert("title".into(), "Score event on EventBridge, as a rule target receives it".into());
    // `detail` alone could pass as another event (a PlayerRemoved has every field of a PlayerAdded): bind it to the
    // event `detail-type` names.
    let by_type: Vec<_> = EVENT_NAMES
        .iter()
        .map(|name| {
            json!({
                "if": {"properties": {"detail-type": {"const": name}}, "required": ["detail-type"]},
                "then": {"properties": {"detail": {"$ref": format!("#/$defs/{name}")}}}
            })
        })
        .collect();
    schema.insert("allOf".into(), by_type.into());
    schema
}

/// What the Custom Event Bus's FIFO subscriber delivers to its SQS queue with the `RAW` transformer: the same envelope
/// as a classic rule target's, its `id` the bus's EventId.
pub fn ordered_queue_message() -> Schema {
    let mut schema = eventbridge_envelope();
    schema.insert(
        "title".into(),
        "Score event on the Custom Event Bus, as its FIFO subscriber's queue receives it".into(),
    );
    schema.insert(
        "description".into(),
        "The message body a FIFO subscriber of EventBridge's Custom Event Bus delivers to an SQS FIFO queue with the          RAW transformer: the event's envelope, `id` the bus's EventId (the template makes it the message's          deduplication id), the event at `detail`. Each player's events arrive in order (the event group is the          player); deduplicate on the event's `eventId` beyond the bus's 300-second window."
            .into(),
    );
    schema
}

/// What an SNS subscription with raw message delivery receives: the event JSON itself as the message body.
pub fn sns_message() -> Schema {
    let mut schema = schema_for!(DomainEvent);
    schema.insert("title".into(), "Score event on SNS, as a subscriber with raw message delivery receives it".into());
    schema.insert(
        "description".into(),
        "The message body is the event JSON itself (raw message delivery). The message attributes eventType \
         (String: PlayerAdded, ScoreChanged or PlayerRemoved) and playerId (String) travel beside it, as SQS message \
         attributes on a queue: read the body against the schema eventType names."
            .into(),
    );
    schema
}

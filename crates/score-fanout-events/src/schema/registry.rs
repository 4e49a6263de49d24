//! The OpenAPI 3 documents of the events for EventBridge's schema registry, which takes `OpenApi3` and
//! `JSONSchemaDraft4` documents only (not draft 2020-12). Each describes one event as a rule target receives it: the
//! `AWSEvent` envelope, tagged with `x-amazon-events-source` and `x-amazon-events-detail-type` as schema discovery
//! tags the schemas it finds, its `detail` the event. That is the shape the registry's code bindings are generated
//! from. Generated from the same types as the draft 2020-12 schemas; committed in `schemas/registry/` and registered
//! by the template (`ScoreEventsSchemaRegistry`).

use crate::{EventBridgeEnvelope, PlayerAdded, PlayerRemoved, ScoreChanged, SCHEMA_VERSION};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::{json, Map, Value};

/// The `Source` the documents name: the template's default `EventSource` (the template registers them with its own).
pub const DEFAULT_SOURCE: &str = "game.scores";

/// The name of the envelope in every document, as in the schemas EventBridge itself publishes.
pub const ENVELOPE: &str = "AWSEvent";

/// Every document, with its file name in `schemas/registry/`.
pub fn all() -> Vec<(String, Value)> {
    vec![
        (file_name("PlayerAdded"), document::<PlayerAdded>("PlayerAdded")),
        (file_name("ScoreChanged"), document::<ScoreChanged>("ScoreChanged")),
        (file_name("PlayerRemoved"), document::<PlayerRemoved>("PlayerRemoved")),
    ]
}

/// `schemas/registry/<event>.openapi.json`.
pub fn file_name(event: &str) -> String {
    format!("{event}.openapi.json")
}

/// The OpenAPI 3.0 document of the event `T`, named `event` (its `detail-type`).
pub fn document<T: JsonSchema>(event: &str) -> Value {
    // OpenAPI 3.0 schema objects: definitions under components/schemas, `const` as a one-value `enum`, no `$schema`.
    let mut generator = SchemaSettings::openapi3().with(|settings| settings.meta_schema = None).into_generator();
    let mut envelope = generator.root_schema_for::<EventBridgeEnvelope<T>>().to_value();
    // The root's transforms do not reach into components/schemas (only into `$defs`): the definitions are taken
    // again, transformed, and the untransformed copies in the root dropped.
    let mut schemas = generator.take_definitions(true);
    if let Some(root) = envelope.as_object_mut() {
        root.remove("components");
    }
    tag_envelope(&mut envelope, event);
    let mut ordered = Map::new();
    ordered.insert(ENVELOPE.into(), envelope);
    ordered.append(&mut schemas);
    json!({
        "openapi": "3.0.0",
        "info": {"version": format!("{SCHEMA_VERSION}.0.0"), "title": event},
        "paths": {},
        "components": {"schemas": ordered},
    })
}

/// Names the envelope as EventBridge does and binds it to the one event the document is about.
fn tag_envelope(envelope: &mut Value, event: &str) {
    let Value::Object(generated) = envelope.take() else { return };
    // The tags first, where a reader of the document looks for them (EventBridge's own schemas have them on top).
    let mut object = Map::new();
    object.insert("title".into(), ENVELOPE.into());
    object.insert("x-amazon-events-source".into(), DEFAULT_SOURCE.into());
    object.insert("x-amazon-events-detail-type".into(), event.into());
    object.extend(generated.into_iter().filter(|(key, _)| key != "title"));
    let properties = object.get_mut("properties").and_then(Value::as_object_mut);
    if let Some(properties) = properties {
        bind_detail(properties, event);
    }
    *envelope = Value::Object(object);
}

/// The envelope of this one event: its `detail-type`, its `detail`.
fn bind_detail(properties: &mut Map<String, Value>, event: &str) {
    if let Some(detail_type) = properties.get_mut("detail-type").and_then(Value::as_object_mut) {
        detail_type.insert("enum".into(), json!([event]));
    }
    // A bare reference, as in EventBridge's own schemas: code generators read `detail` as the event's class, where
    // the `allOf` wrapper OpenAPI 3.0 needs for a reference with a description would give an anonymous one.
    properties.insert("detail".into(), json!({"$ref": format!("#/components/schemas/{event}")}));
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;

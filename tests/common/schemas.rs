//! Validating what subscribers received against the committed JSON Schemas in `schemas/`.

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

fn validator(name: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let options = jsonschema::options().should_validate_formats(true);
    options.build(&schema).unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

/// The validation errors of `instance` against `schemas/{name}`.
pub fn errors(name: &str, instance: &Value) -> Vec<String> {
    validator(name).iter_errors(instance).map(|e| e.to_string()).collect()
}

/// Asserts that `instance` is valid against `schemas/{name}`, and against the event's own schema when it names one.
pub fn assert_valid(name: &str, instance: &Value, event_type: Option<&str>) {
    let found = errors(name, instance);
    assert!(found.is_empty(), "not valid against {name}: {found:?}\n{instance}");
    if let Some(event_type) = event_type {
        let event = instance.get("detail").unwrap_or(instance);
        let found = errors(&format!("{event_type}.v1.json"), event);
        assert!(found.is_empty(), "not a valid {event_type}: {found:?}\n{event}");
    }
}

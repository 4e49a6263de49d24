//! Validating what subscribers received against the committed JSON Schemas in `schemas/`.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The validator of `schemas/{name}`, compiled once per test process.
fn validator(name: &str) -> Arc<jsonschema::Validator> {
    static COMPILED: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let mut compiled = COMPILED.get_or_init(Mutex::default).lock().unwrap_or_else(|e| e.into_inner());
    compiled.entry(name.to_owned()).or_insert_with(|| Arc::new(compile(name))).clone()
}

fn compile(name: &str) -> jsonschema::Validator {
    let path = crate::repository().join("schemas").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    let options = jsonschema::options().should_validate_formats(true);
    options.build(&schema).unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

/// The validation errors of `instance` against `schemas/{name}`.
pub fn errors(name: &str, instance: &Value) -> Vec<String> {
    validator(name).iter_errors(instance).map(|e| e.to_string()).collect()
}

/// Asserts that `instance`, a message a subscriber received, is valid against `schemas/{name}` (its envelope),
/// and that the event in it (the envelope's `detail`, or the message itself) is valid against the schema of the event
/// type the message names (SNS attribute `eventType`, EventBridge `detail-type`): a message that names none fails.
pub fn assert_valid(name: &str, instance: &Value, event_type: Option<&str>) {
    let found = errors(name, instance);
    assert!(found.is_empty(), "not valid against {name}: {found:?}\n{instance}");
    let event_type = event_type.unwrap_or_else(|| panic!("the message names no event type\n{instance}"));
    let event = instance.get("detail").unwrap_or(instance);
    let found = errors(&format!("{event_type}.v1.json"), event);
    assert!(found.is_empty(), "not a valid {event_type}: {found:?}\n{event}");
}

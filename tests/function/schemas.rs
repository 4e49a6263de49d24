//! The JSON Schemas in `schemas/` and the schema registry's OpenAPI 3 documents in `schemas/registry/` are generated
//! from the Rust types: these tests fail when the committed files differ from what the types say
//! (`score_fanout_events::schema`). `SCORE_FANOUT_WRITE_SCHEMAS=1 cargo test --test function schemas::` rewrites them;
//! run it once more without the variable, since the other tests here read the files. The template registers copies of
//! the registry documents: `make template-test` holds those to the files.

use score_fanout_events::schema::{all as generated, registry, ID_BASE};
use serde::Serialize;
use std::path::Path;

/// Asserts that `path` holds `value` as pretty JSON; writes it there first with `SCORE_FANOUT_WRITE_SCHEMAS` set.
fn assert_committed(path: &Path, value: &impl Serialize) {
    let text = serde_json::to_string_pretty(value).expect("schema JSON") + "\n";
    if std::env::var_os("SCORE_FANOUT_WRITE_SCHEMAS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("creating the folder");
        std::fs::write(path, &text).expect("writing the schema");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: run SCORE_FANOUT_WRITE_SCHEMAS=1 cargo test --test function schemas::",
        path.display()
    );
}

#[test]
fn the_committed_schemas_are_the_ones_the_types_generate() {
    let dir = score_fanout_testkit::repository().join("schemas");
    for (name, schema) in generated() {
        assert_committed(&dir.join(name), &schema);
    }
}

#[test]
fn the_committed_registry_documents_are_the_ones_the_types_generate() {
    let dir = score_fanout_testkit::repository().join("schemas/registry");
    let documents = registry::all();
    assert_eq!(documents.len(), 3, "one per event");
    for (name, document) in &documents {
        assert_committed(&dir.join(name), document);
    }
    let committed = std::fs::read_dir(&dir).expect("schemas/registry").count();
    assert_eq!(committed, documents.len(), "no document for an event that is gone");
}

#[test]
fn schemas_are_draft_2020_12_identified_on_one_base_and_pin_the_contract() {
    let schemas = generated();
    for (name, schema) in &schemas {
        assert_eq!(
            schema.get("$schema").and_then(|v| v.as_str()),
            Some("https://json-schema.org/draft/2020-12/schema"),
            "{name}"
        );
        assert_eq!(schema.get("$id").and_then(|v| v.as_str()), Some(format!("{ID_BASE}{name}").as_str()));
    }
    let changed = serde_json::to_value(&schemas[1].1).expect("JSON");
    let properties = &changed["properties"];
    assert_eq!(properties["oldScore"]["maximum"], 4503599627370495i64);
    assert_eq!(properties["delta"]["minimum"], -9007199254740990i64);
    assert_eq!(properties["schemaVersion"]["const"], "1");
    assert_eq!(properties["occurredAt"]["format"], "date-time");
    let required: Vec<&str> =
        changed["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
    for field in ["eventId", "occurredAt", "schemaVersion", "playerId", "date", "oldScore", "newScore", "delta"] {
        assert!(required.contains(&field), "{field} is required");
    }
}

#[test]
fn the_schemas_accept_published_events_and_reject_broken_ones() {
    let changed = serde_json::json!({"eventId": "7a2d", "occurredAt": "2026-11-24T09:01:00Z", "schemaVersion": "1",
        "playerId": "1234", "date": "Aug 23", "oldScore": 44, "newScore": 50, "delta": 6});
    assert!(score_fanout_testkit::schemas::errors("ScoreChanged.v1.json", &changed).is_empty());
    assert!(score_fanout_testkit::schemas::errors("SnsMessage.v1.json", &changed).is_empty());
    let mut beyond = changed.clone();
    beyond["newScore"] = serde_json::json!(4503599627370496i64);
    assert!(
        !score_fanout_testkit::schemas::errors("ScoreChanged.v1.json", &beyond).is_empty(),
        "scores beyond 2^52 - 1"
    );
    let mut versioned = changed.clone();
    versioned["schemaVersion"] = serde_json::json!("2");
    assert!(
        !score_fanout_testkit::schemas::errors("ScoreChanged.v1.json", &versioned).is_empty(),
        "another schema version"
    );
    let mut unchanged = changed.clone();
    (unchanged["newScore"], unchanged["delta"]) = (serde_json::json!(44), serde_json::json!(0));
    assert!(
        !score_fanout_testkit::schemas::errors("ScoreChanged.v1.json", &unchanged).is_empty(),
        "an equal score is no change"
    );
    let mut undated = changed.clone();
    undated["occurredAt"] = serde_json::json!("yesterday");
    assert!(
        !score_fanout_testkit::schemas::errors("ScoreChanged.v1.json", &undated).is_empty(),
        "occurredAt is a date-time"
    );
    let removed = serde_json::json!({"eventId": "e", "occurredAt": "2026-11-24T09:01:00Z", "schemaVersion": "1",
        "playerId": "1234", "date": "Aug 23", "score": 50, "reason": "vanished"});
    assert!(
        !score_fanout_testkit::schemas::errors("PlayerRemoved.v1.json", &removed).is_empty(),
        "reason is deleted or expired"
    );
}

#[test]
fn the_envelope_schema_binds_the_detail_to_its_detail_type_and_leaves_account_optional() {
    let added = serde_json::json!({"eventId": "e", "occurredAt": "2026-11-24T09:00:00Z", "schemaVersion": "1",
        "playerId": "1234", "date": "Aug 23", "score": 44});
    let mut envelope = serde_json::json!({"version": "0", "id": "x", "detail-type": "PlayerAdded", "source": "game.scores",
        "time": "2026-11-24T09:00:01Z", "region": "us-east-1", "resources": [], "detail": added});
    assert!(
        score_fanout_testkit::schemas::errors("EventBridgeEnvelope.v1.json", &envelope).is_empty(),
        "moto: no account"
    );
    envelope["account"] = serde_json::json!("123456789012");
    assert!(
        score_fanout_testkit::schemas::errors("EventBridgeEnvelope.v1.json", &envelope).is_empty(),
        "AWS: with account"
    );
    envelope["detail-type"] = serde_json::json!("PlayerRemoved");
    assert!(
        !score_fanout_testkit::schemas::errors("EventBridgeEnvelope.v1.json", &envelope).is_empty(),
        "a PlayerAdded is no PlayerRemoved"
    );
    envelope["detail-type"] = serde_json::json!("PlayerRenamed");
    assert!(
        !score_fanout_testkit::schemas::errors("EventBridgeEnvelope.v1.json", &envelope).is_empty(),
        "unknown detail-type"
    );
}

//! The registry documents: OpenAPI 3.0 as EventBridge's registry reads it, the envelope as schema discovery tags it,
//! the event's contract kept.

use super::*;

fn each() -> Vec<(String, Value)> {
    ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]
        .into_iter()
        .zip(all().into_iter().map(|(_, document)| document))
        .map(|(event, document)| (event.to_owned(), document))
        .collect()
}

fn keywords(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, inner) in object {
                found.push(key.clone());
                keywords(inner, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keywords(item, found)),
        _ => {}
    }
}

fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get("$ref") {
                found.push(target.clone());
            }
            object.values().for_each(|inner| references(inner, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[test]
fn one_document_per_event_named_after_it() {
    let names: Vec<String> = all().into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["PlayerAdded.openapi.json", "ScoreChanged.openapi.json", "PlayerRemoved.openapi.json"]);
    for (event, document) in each() {
        assert_eq!(document["openapi"], "3.0.0");
        assert_eq!(document["info"], json!({"version": "1.0.0", "title": event}));
        assert_eq!(document["paths"], json!({}));
        let schemas = document["components"]["schemas"].as_object().expect("components.schemas");
        assert_eq!(schemas.keys().next().map(String::as_str), Some(ENVELOPE), "the envelope comes first");
        assert!(schemas.contains_key(&event), "{event} beside the envelope");
    }
}

#[test]
fn the_envelope_is_tagged_as_schema_discovery_tags_it_and_holds_its_event_as_detail() {
    for (event, document) in each() {
        let envelope = &document["components"]["schemas"][ENVELOPE];
        assert_eq!(envelope["x-amazon-events-source"], DEFAULT_SOURCE);
        assert_eq!(envelope["x-amazon-events-detail-type"], event.as_str());
        assert_eq!(envelope["properties"]["detail"], json!({"$ref": format!("#/components/schemas/{event}")}));
        assert_eq!(envelope["properties"]["detail-type"]["enum"], json!([event]));
        let required: Vec<&str> =
            envelope["required"].as_array().expect("required").iter().flat_map(Value::as_str).collect();
        for field in ["version", "id", "detail-type", "source", "time", "region", "detail"] {
            assert!(required.contains(&field), "{event}: {field} is required");
        }
        assert_eq!(envelope["properties"]["time"]["format"], "date-time");
    }
}

#[test]
fn documents_use_only_what_openapi_3_0_schema_objects_know() {
    for (event, document) in each() {
        let mut found = Vec::new();
        keywords(&document["components"], &mut found);
        for keyword in ["$schema", "$id", "$defs", "const", "if", "then", "prefixItems", "unevaluatedProperties"] {
            assert!(!found.iter().any(|k| k == keyword), "{event} uses {keyword}");
        }
        let mut targets = Vec::new();
        references(&document, &mut targets);
        let schemas = document["components"]["schemas"].as_object().expect("components.schemas");
        for target in targets {
            let name = target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{event}: {target}"));
            assert!(schemas.contains_key(name), "{event}: {target} resolves");
        }
    }
}

#[test]
fn the_events_keep_their_contract_in_openapi_terms() {
    let changed = document::<ScoreChanged>("ScoreChanged");
    let properties = &changed["components"]["schemas"]["ScoreChanged"]["properties"];
    assert_eq!(properties["schemaVersion"]["enum"], json!(["1"]), "const becomes a one-value enum");
    assert_eq!(properties["delta"]["not"], json!({"enum": [0]}));
    assert_eq!(properties["newScore"]["maximum"], 4503599627370495i64);
    assert_eq!(properties["occurredAt"]["format"], "date-time");
    let removed = document::<PlayerRemoved>("PlayerRemoved");
    let text = removed.to_string();
    assert!(text.contains(r#""deleted""#) && text.contains(r#""expired""#), "the reasons: {text}");
}

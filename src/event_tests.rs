//! Reading the function's event: records kept raw and in order, and every other shape named, never a failure.

use super::*;

fn incoming(text: &str) -> Result<StreamEvent, NotAStreamEvent> {
    // lambda_runtime reads the payload through serde_path_to_error over serde_json, as here.
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, Incoming>(&mut deserializer).expect("reading never fails").0
}

#[test]
fn records_stay_the_bytes_they_came_as_in_order() {
    let text = std::fs::read_to_string(format!("{}/events/batch.json", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let event = incoming(&text).expect("a stream event");
    let plain: StreamEvent = serde_json::from_str(&text).expect("the plain reading");
    let texts = |event: &StreamEvent| event.records.iter().map(|r| r.get().to_owned()).collect::<Vec<_>>();
    assert_eq!(texts(&event), texts(&plain));
    assert_eq!(event.records.len(), 8);
}

#[test]
fn an_event_without_records_is_an_empty_batch() {
    assert!(incoming(r#"{"something": {"Records": 1}, "else": [1, 2]}"#).expect("an event").records.is_empty());
}

#[test]
fn every_other_shape_is_named_with_what_came_instead() {
    let cases = [
        (r#"{"Records": 5}"#, "field Records: invalid type: integer `5`, expected a sequence"),
        (r#"{"Records": {"a": [1]}}"#, "field Records: invalid type: map, expected a sequence"),
        (r#"{"Records": null}"#, "field Records: invalid type: null, expected a sequence"),
        (r#""hello""#, "field (the event itself): invalid type: string \"hello\", expected an object with Records"),
        ("[1, 2]", "field (the event itself): invalid type: sequence, expected an object with Records"),
        ("-1.5", "field (the event itself): invalid type: floating point `-1.5`, expected an object with Records"),
    ];
    for (text, expected) in cases {
        let error = incoming(text).expect_err(text);
        assert_eq!(error.to_string(), format!("the event is not a stream event: {expected}"), "{text}");
    }
}

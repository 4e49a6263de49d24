//! The init failure's log line, in both formats.

use super::*;

#[test]
fn the_json_line_is_fatal_with_the_readable_message_and_its_error_type() {
    let line = log_line("ConfigError", "no sink configured: set \"EVENT_BUS_NAME\"", true);
    let value: serde_json::Value = serde_json::from_slice(&line).expect("one JSON object");
    assert_eq!(value["level"], "FATAL");
    assert_eq!(value["message"], "no sink configured: set \"EVENT_BUS_NAME\"");
    assert_eq!(value["errorType"], "ConfigError");
    let timestamp = value["timestamp"].as_str().expect("a timestamp");
    assert!(chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(), "{timestamp}");
    assert!(line.ends_with(b"}\n"));
}

#[test]
fn the_text_line_names_the_level_first() {
    assert_eq!(log_line("EndpointError", "cannot resolve", false), b"FATAL cannot resolve errorType=EndpointError\n");
}

//! The function binary as Lambda runs it, through a Runtime API of ours (`scripts/runtime-api`) in `DRY_RUN`:
//! the event reaches the handler whole (it is handed over without the runtime's copy, `src/event_body.rs`), each
//! invocation is answered, an event that is not a stream event is an invocation error naming why, and every JSON
//! log line carries the invocation's `requestId`. Needs nothing but python3: DRY_RUN sends nothing anywhere.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Runs the function on `events` (paths); returns the Runtime API's output lines (`response: ...`, `error: ...`)
/// and the function's log lines.
fn invoke(events: &[&Path]) -> (Vec<String>, Vec<Value>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(root.join("scripts/runtime-api"))
        .args(events)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_score-fanout"))
        .current_dir(root)
        // Never AWS: dummy credentials, no instance metadata, and an endpoint nothing listens on.
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("DRY_RUN", "true"),
            ("EVENT_BUS_NAME", "score-fanout-score-events"),
            ("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:score-fanout-ScoreEventsTopic"),
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
        ])
        .output()
        .expect("python3 runs scripts/runtime-api");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let (answers, logs): (Vec<&str>, Vec<&str>) =
        stdout.lines().partition(|line| line.starts_with("response: ") || line.starts_with("error: "));
    let logs = logs
        .into_iter()
        .filter(|line| !line.starts_with("{\"_aws\""))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: a log line that is not JSON: {line}")))
        .collect();
    (answers.into_iter().map(str::to_owned).collect(), logs)
}

#[test]
fn each_invocation_is_answered_and_a_non_stream_event_is_an_invocation_error() {
    let not_a_stream_event =
        std::env::temp_dir().join(format!("score-fanout-not-a-stream-{}.json", std::process::id()));
    std::fs::write(&not_a_stream_event, r#"{"Records": 5}"#).expect("temp file");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (answers, logs) =
        invoke(&[&root.join("events/batch.json"), &not_a_stream_event, &root.join("events/modify.json")]);
    std::fs::remove_file(&not_a_stream_event).ok();

    assert_eq!(
        answers,
        [
            r#"response: {"batchItemFailures":[]}"#.to_owned(),
            r#"error: {"errorType":"NotAStreamEvent","errorMessage":"the event is not a stream event: invalid type: integer `5`, expected a sequence at line 1 column 13"}"#.to_owned(),
            r#"response: {"batchItemFailures":[]}"#.to_owned(),
        ]
    );
    let messages: Vec<&str> = logs.iter().filter_map(|line| line["fields"]["message"].as_str()).collect();
    for expected in [
        "New row added with playerId=1234",
        "Scores changed - oldScore=44, newScore=50",
        "Row removed with playerId=5678",
        "poison record: cannot decode",
    ] {
        assert!(messages.contains(&expected), "{expected:?} not in {messages:#?}");
    }
    // Every line of an invocation carries its request id, and the three invocations have three different ones.
    let mut request_ids: Vec<&str> = logs
        .iter()
        .map(|line| line["span"]["requestId"].as_str().unwrap_or_else(|| panic!("no requestId in {line}")))
        .collect();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 3, "{request_ids:?}");
}

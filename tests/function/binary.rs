//! The function binary as Lambda runs it, through the test kit's Runtime API emulator, in `DRY_RUN`: each
//! invocation is answered, an event that is not a stream event is an invocation error naming why, and every JSON
//! log line carries the invocation's `requestId`.

use score_fanout_testkit::runtime_api::function::{Entry, Function};
use score_fanout_testkit::runtime_api::Options;
use serde_json::Value;

/// Runs the function on `events`; returns its answers (`response: ...`, `error: ...`) and its JSON log lines.
fn invoke(events: &[Vec<u8>]) -> (Vec<String>, Vec<Value>) {
    let env = [
        // Never AWS: dummy credentials, no instance metadata, and an endpoint nothing listens on.
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
    ];
    let function = Function {
        command: vec![env!("CARGO_BIN_EXE_score-fanout").to_owned()],
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        options: Options::default(),
    };
    let transcript = function.run(events).expect("the function runs");
    let mut answers = Vec::new();
    let mut logs = Vec::new();
    for entry in transcript.entries {
        match entry {
            Entry::Answer { error, body, .. } => {
                answers.push(format!("{}: {body}", if error { "error" } else { "response" }))
            }
            Entry::Log { line, .. } if !line.starts_with("{\"_aws\"") => logs.push(
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: a log line that is not JSON: {line}")),
            ),
            Entry::Log { .. } => {}
            other => panic!("{other:?}"),
        }
    }
    (answers, logs)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(score_fanout_testkit::repository().join("events").join(name)).expect("fixture")
}

#[test]
fn each_invocation_is_answered_and_a_non_stream_event_is_an_invocation_error() {
    let not_a_stream_event = br#"{"Records": 5}"#.to_vec();
    let (answers, logs) = invoke(&[fixture("batch.json"), not_a_stream_event, fixture("modify.json")]);

    assert_eq!(
        answers,
        [
            r#"response: {"batchItemFailures":[]}"#.to_owned(),
            r#"error: {"errorType":"NotAStreamEvent","errorMessage":"the event is not a stream event: field Records: invalid type: integer `5`, expected a sequence"}"#.to_owned(),
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
    // Every line of an invocation carries its request id (the invocation error logs lambda_runtime's own line), and
    // the three invocations have three different ones.
    let mut request_ids: Vec<&str> = logs
        .iter()
        .map(|line| line["span"]["requestId"].as_str().unwrap_or_else(|| panic!("no requestId in {line}")))
        .collect();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 3, "{request_ids:?}");
}

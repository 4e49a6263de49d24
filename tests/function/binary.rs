//! The function binary as Lambda runs it, through the test kit's Runtime API emulator: each invocation is
//! answered, an event that is not a stream event is an invocation error naming why, every JSON log line carries
//! Lambda's keys and its invocation's `requestId`; what Lambda's log-level filter lets through at each level; and
//! init failures reported as Lambda shows them.

use score_fanout_testkit::runtime_api::function::{Entry, Function, Transcript};
use score_fanout_testkit::runtime_api::log_filter::{Level, Logging};
use score_fanout_testkit::runtime_api::Options;
use serde_json::Value;
use std::time::Duration;

/// Never AWS: dummy credentials, no instance metadata, and an endpoint nothing listens on.
const LOCAL_ONLY: [(&str, &str); 5] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
];
const BUS: (&str, &str) = ("EVENT_BUS_NAME", "score-fanout-score-events");
const TOPIC: (&str, &str) = ("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:score-fanout-ScoreEventsTopic");

/// Runs the function binary with `env` (after [`LOCAL_ONLY`]) on `events`.
fn run(env: &[(&str, &str)], options: Options, events: &[Vec<u8>]) -> Transcript {
    let env = LOCAL_ONLY.iter().chain(env).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let function = Function { command: vec![env!("CARGO_BIN_EXE_score-fanout").to_owned()], env, options };
    function.run(events).expect("the function runs")
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(score_fanout_testkit::repository().join("events").join(name)).expect("fixture")
}

fn json(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: a log line that is not JSON: {line}"))
}

fn answers(transcript: &Transcript) -> Vec<String> {
    let answer = |entry: &Entry| match entry {
        Entry::Answer { error, body, .. } => Some(format!("{}: {body}", if *error { "error" } else { "response" })),
        _ => None,
    };
    transcript.entries.iter().filter_map(answer).collect()
}

#[test]
fn each_invocation_is_answered_and_a_non_stream_event_is_an_invocation_error() {
    let not_a_stream_event = br#"{"Records": 5}"#.to_vec();
    let events = [fixture("batch.json"), not_a_stream_event, fixture("modify.json")];
    let transcript = run(&[("DRY_RUN", "true"), BUS, TOPIC], Options::default(), &events);

    assert_eq!(
        answers(&transcript),
        [
            r#"response: {"batchItemFailures":[]}"#.to_owned(),
            r#"error: {"errorType":"NotAStreamEvent","errorMessage":"the event is not a stream event: field Records: invalid type: integer `5`, expected a sequence"}"#.to_owned(),
            r#"response: {"batchItemFailures":[]}"#.to_owned(),
        ]
    );
    let logs: Vec<Value> = transcript.log().map(json).collect();
    let messages: Vec<&str> = logs.iter().filter_map(|line| line["message"].as_str()).collect();
    for expected in [
        "New row added with playerId=1234",
        "Scores changed - oldScore=44, newScore=50",
        "Row removed with playerId=5678",
        "poison record: cannot decode",
        "metrics",
    ] {
        assert!(messages.contains(&expected), "{expected:?} not in {messages:#?}");
    }
    // Every line of an invocation carries its request id (the invocation error logs lambda_runtime's own line), and
    // the three invocations have three different ones.
    let mut request_ids: Vec<&str> = logs
        .iter()
        .map(|line| line["requestId"].as_str().unwrap_or_else(|| panic!("no requestId in {line}")))
        .collect();
    request_ids.dedup();
    assert_eq!(request_ids.len(), 3, "{request_ids:?}");
}

/// What reaches CloudWatch of an invocation with a poison record and both sinks down, at `level`.
fn reaching_cloudwatch_at(level: Level) -> (Vec<Value>, Transcript) {
    // Both sinks refuse connections; a 3 s deadline keeps the retrying to about 2 s.
    let options =
        Options { timeout: Duration::from_secs(3), logging: Logging { json: true, level }, ..Options::default() };
    let transcript = run(&[BUS, TOPIC], options, &[fixture("batch.json")]);
    assert_eq!(
        answers(&transcript),
        [r#"response: {"batchItemFailures":[{"itemIdentifier":"200000000000000000001"}]}"#],
        "the first record holds the shard"
    );
    assert_every_line_names_the_invocation(&transcript);
    (transcript.forwarded().map(json).collect(), transcript)
}

/// Every line of the invocation carries its requestId, whatever the level (the runtime's span is an info span).
fn assert_every_line_names_the_invocation(transcript: &Transcript) {
    for entry in &transcript.entries {
        if let Entry::Log { line, invocation: Some(_), forwarded: true } = entry {
            assert!(json(line)["requestId"].as_str().is_some_and(|id| !id.is_empty()), "no requestId: {line}");
        }
    }
}

fn has(lines: &[Value], level: &str, message: &str) -> bool {
    lines.iter().any(|line| line["level"] == level && line["message"].as_str().is_some_and(|m| m.starts_with(message)))
}

const POISON: &str = "poison record: cannot decode";
const SINKS_DOWN: &str = "events not delivered to every sink";
const DEMO_LINE: &str = "New row added with playerId=1234";

#[test]
fn at_info_everything_reaches_cloudwatch() {
    let (lines, transcript) = reaching_cloudwatch_at(Level::Info);
    assert_eq!(transcript.dropped().count(), 0, "{:?}", transcript.dropped().collect::<Vec<_>>());
    assert!(has(&lines, "INFO", DEMO_LINE) && has(&lines, "ERROR", POISON) && has(&lines, "WARN", SINKS_DOWN));
    assert!(has(&lines, "INFO", "metrics"), "the metrics line at INFO");
}

#[test]
fn at_warn_the_sink_warning_the_poison_error_and_the_metrics_reach_cloudwatch() {
    let (lines, transcript) = reaching_cloudwatch_at(Level::Warn);
    assert!(has(&lines, "ERROR", POISON) && has(&lines, "WARN", SINKS_DOWN), "{lines:#?}");
    assert!(has(&lines, "WARN", "metrics"), "the metrics line at the threshold: {lines:#?}");
    assert!(!has(&lines, "INFO", DEMO_LINE), "info lines are not written, so there is nothing for Lambda to drop");
    assert_eq!(transcript.dropped().count(), 0, "{:?}", transcript.dropped().collect::<Vec<_>>());
    let metrics = lines.iter().find(|line| line["message"] == "metrics").expect("metrics");
    assert_eq!((&metrics["RecordsReceived"], &metrics["RecordsFailed"]), (&Value::from(8), &Value::from(6)));
    assert_eq!(metrics["_aws"]["CloudWatchMetrics"][0]["Namespace"], "ScoreFanout");
    assert_eq!(metrics["_aws"]["CloudWatchMetrics"][0]["Dimensions"], serde_json::json!([["FunctionName"]]));
    assert_eq!(metrics["FunctionName"], "score-fanout", "the function's name, as Lambda sets it");
}

#[test]
fn at_error_the_poison_error_and_the_metrics_reach_cloudwatch() {
    let (lines, _) = reaching_cloudwatch_at(Level::Error);
    assert!(has(&lines, "ERROR", POISON), "{lines:#?}");
    assert!(!has(&lines, "WARN", SINKS_DOWN), "the warning is dropped at ERROR");
    assert!(has(&lines, "ERROR", "metrics"), "{lines:#?}");
}

#[test]
fn at_fatal_only_the_metrics_reach_cloudwatch() {
    let (lines, _) = reaching_cloudwatch_at(Level::Fatal);
    let messages: Vec<&str> = lines.iter().filter_map(|line| line["message"].as_str()).collect();
    assert_eq!(messages, ["metrics"]);
    assert_eq!(lines[0]["level"], "FATAL");
}

#[test]
fn at_debug_every_line_names_the_invocation_the_sdks_own_included() {
    // Only the poison record, and the dead-letter queue down: the SDK's SQS client logs at DEBUG in spans of its own,
    // opened inside the invocation's.
    let mut event: Value = serde_json::from_slice(&fixture("batch.json")).expect("JSON");
    let records = event["Records"].as_array_mut().expect("records");
    records.retain(|record| record["dynamodb"]["SequenceNumber"] == "200000000000000000004");
    let dead_letters = ("DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:9/123456789012/PoisonRecordQueue");
    let logging = Logging { json: true, level: Level::Debug };
    let options = Options { timeout: Duration::from_secs(3), logging, ..Options::default() };
    let transcript = run(&[BUS, TOPIC, dead_letters], options, &[event.to_string().into_bytes()]);
    assert_eq!(
        answers(&transcript),
        [r#"response: {"batchItemFailures":[{"itemIdentifier":"200000000000000000004"}]}"#],
        "the poison record holds the shard while the dead-letter queue is down"
    );
    assert_every_line_names_the_invocation(&transcript);
    let lines: Vec<Value> = transcript.forwarded().map(json).collect();
    // The dead-letter SendMessage, inside the invocation (init's GetQueueAttributes precedes any invocation).
    let sdk = lines.iter().find(|line| line["level"] == "DEBUG" && line["rpc.method"] == "SendMessage");
    let sdk = sdk.unwrap_or_else(|| panic!("no line from the SDK's spans: {lines:#?}"));
    assert_eq!(sdk["requestId"], "00000000-0000-4000-8000-000000000000", "{sdk}");
    assert_eq!(sdk["rpc.method"], "SendMessage", "the SDK span's own fields follow: {sdk}");
}

#[test]
fn lines_lambda_cannot_read_are_taken_as_info_and_dropped_at_warn() {
    // The function writing text while Lambda filters JSON at WARN: no line has a level and a timestamp Lambda reads.
    let options = Options {
        timeout: Duration::from_secs(3),
        logging: Logging { json: true, level: Level::Warn },
        ..Options::default()
    };
    let transcript = run(&[BUS, TOPIC, ("AWS_LAMBDA_LOG_FORMAT", "Text")], options, &[fixture("batch.json")]);
    assert_eq!(transcript.forwarded().count(), 0, "{:?}", transcript.forwarded().collect::<Vec<_>>());
    assert!(transcript.dropped().any(|line| line.contains(POISON)), "the poison's error is lost with the rest");
}

#[test]
fn each_configuration_error_is_reported_to_init_error_and_logged_last_in_readable_words() {
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[], "no sink configured: set EVENT_BUS_NAME and/or TOPIC_ARN, or DRY_RUN=true to publish nothing"),
        (&[("TOPIC_ARN", "score-events")], "TOPIC_ARN=\"score-events\" is invalid: not an ARN"),
        (&[("DRY_RUN", "maybe")], "DRY_RUN=\"maybe\" is invalid: expected true or false"),
        (&[BUS, ("DEAD_LETTER_QUEUE_URL", "poison")], "DEAD_LETTER_QUEUE_URL=\"poison\" is invalid"),
        (
            &[BUS, ("EVENT_BUS_NAME", "arn:aws:sqs:us-east-1:1:q")],
            "EVENT_BUS_NAME=\"arn:aws:sqs:us-east-1:1:q\" is invalid",
        ),
    ];
    for (env, message) in cases {
        let transcript = run(env, Options::default(), &[fixture("modify.json")]);
        let reported = transcript.entries.iter().find_map(|entry| match entry {
            Entry::InitError { error_type, body } => Some((error_type.clone(), json(body))),
            _ => None,
        });
        let (error_type, body) =
            reported.unwrap_or_else(|| panic!("no init/error for {env:?}: {:?}", transcript.entries));
        assert_eq!((error_type.as_deref(), &body["errorType"]), (Some("ConfigError"), &Value::from("ConfigError")));
        assert!(body["errorMessage"].as_str().is_some_and(|m| m.starts_with(message)), "{env:?}: {body}");
        let last = json(transcript.log().last().unwrap_or_else(|| panic!("no log line for {env:?}")));
        assert_eq!((&last["level"], &last["errorType"]), (&Value::from("FATAL"), &Value::from("ConfigError")));
        assert_eq!(last["message"], body["errorMessage"], "{env:?}");
        assert!(!transcript.entries.iter().any(|e| matches!(e, Entry::Answer { .. })), "no invocation is answered");
    }
}

#[test]
fn an_unknown_log_level_is_an_init_error_in_the_text_log_too() {
    let options = Options { logging: Logging { json: false, level: Level::Info }, ..Options::default() };
    let transcript =
        run(&[("DRY_RUN", "true"), ("AWS_LAMBDA_LOG_LEVEL", "VERBOSE")], options, &[fixture("modify.json")]);
    let last = transcript.log().last().expect("a log line");
    assert!(last.starts_with("FATAL AWS_LAMBDA_LOG_LEVEL=\"VERBOSE\" is invalid: expected TRACE, DEBUG"), "{last}");
    assert!(last.ends_with("errorType=ConfigError"), "{last}");
}

/// A log line as compared across versions: the line without what changes from run to run (its time, the
/// invocation's ids, the record's age and the metric document's timestamp).
fn steady(mut line: Value) -> Value {
    let fields = line.as_object_mut().expect("a JSON object");
    for changing in ["timestamp", "requestId", "xrayTraceId", "OldestRecordAge"] {
        fields.remove(changing);
    }
    if let Some(metadata) = fields.get_mut("_aws").and_then(Value::as_object_mut) {
        metadata.remove("Timestamp");
    }
    line
}

#[test]
fn in_dry_run_each_event_is_logged_poison_is_skipped_and_the_metrics_count_no_sink() {
    let options = Options { logging: Logging { json: true, level: Level::Info }, ..Options::default() };
    let dead_letters = ("DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:9/123456789012/PoisonRecordQueue");
    let transcript = run(&[("DRY_RUN", "true"), BUS, TOPIC, dead_letters], options, &[fixture("batch.json")]);
    assert_eq!(answers(&transcript), [r#"response: {"batchItemFailures":[]}"#]);
    let logged: Vec<Value> = transcript
        .log()
        .map(json)
        .filter(|line| line["message"].as_str().is_some_and(|m| m.starts_with("DRY_RUN") || m == "metrics"))
        .map(steady)
        .collect();
    let expected: Vec<Value> = serde_json::from_str(DRY_RUN_LINES).expect("JSON");
    assert_eq!(logged, expected);
}

/// What a DRY_RUN invocation of events/batch.json logs of its events and its poison, and its metrics line.
const DRY_RUN_LINES: &str = r#"[
{"detail":"{\"eventId\":\"a0000000000000000000000000000001\",\"occurredAt\":\"2026-11-24T09:00:00Z\",\"schemaVersion\":\"1\",\"playerId\":\"1234\",\"date\":\"Aug 23\",\"score\":44}","level":"INFO","message":"DRY_RUN: would publish PlayerAdded","event_id":"a0000000000000000000000000000001","event":"PlayerAdded"},
{"detail":"{\"eventId\":\"a0000000000000000000000000000002\",\"occurredAt\":\"2026-11-24T09:00:01Z\",\"schemaVersion\":\"1\",\"playerId\":\"5678\",\"date\":\"Aug 23\",\"score\":12}","level":"INFO","message":"DRY_RUN: would publish PlayerAdded","event_id":"a0000000000000000000000000000002","event":"PlayerAdded"},
{"detail":"{\"eventId\":\"a0000000000000000000000000000003\",\"occurredAt\":\"2026-11-24T09:00:02Z\",\"schemaVersion\":\"1\",\"playerId\":\"1234\",\"date\":\"Aug 23\",\"oldScore\":44,\"newScore\":50,\"delta\":6}","level":"INFO","message":"DRY_RUN: would publish ScoreChanged","event_id":"a0000000000000000000000000000003","event":"ScoreChanged"},
{"detail":"{\"eventId\":\"a0000000000000000000000000000005\",\"occurredAt\":\"2026-11-24T09:00:04Z\",\"schemaVersion\":\"1\",\"playerId\":\"5678\",\"date\":\"Aug 23\",\"oldScore\":12,\"newScore\":7,\"delta\":-5}","level":"INFO","message":"DRY_RUN: would publish ScoreChanged","event_id":"a0000000000000000000000000000005","event":"ScoreChanged"},
{"detail":"{\"eventId\":\"a0000000000000000000000000000007\",\"occurredAt\":\"2026-11-24T09:00:06Z\",\"schemaVersion\":\"1\",\"playerId\":\"1234\",\"date\":\"Aug 23\",\"score\":50,\"reason\":\"deleted\"}","level":"INFO","message":"DRY_RUN: would publish PlayerRemoved","event_id":"a0000000000000000000000000000007","event":"PlayerRemoved"},
{"detail":"{\"eventId\":\"a0000000000000000000000000000008\",\"occurredAt\":\"2026-11-24T09:00:07Z\",\"schemaVersion\":\"1\",\"playerId\":\"5678\",\"date\":\"Aug 23\",\"score\":7,\"reason\":\"expired\"}","level":"INFO","message":"DRY_RUN: would publish PlayerRemoved","event_id":"a0000000000000000000000000000008","event":"PlayerRemoved"},
{"error":"record 200000000000000000004: field dynamodb.NewImage.score: \"forty-four\" is not an integer within +-(2^52 - 1), as a number or a string","level":"WARN","message":"DRY_RUN: poison skipped, nothing dead-lettered","sequence_number":"200000000000000000004"},
{"RecordsReceived":8,"level":"INFO","message":"metrics","RecordsFailed":0,"RecordsDeadLettered":0,"_aws":{"CloudWatchMetrics":[{"Namespace":"ScoreFanout","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"RecordsReceived","Unit":"Count"},{"Name":"EntriesRetried","Unit":"Count"},{"Name":"EntriesAlreadyAccepted","Unit":"Count"},{"Name":"RecordsFailed","Unit":"Count"},{"Name":"RecordsDeadLettered","Unit":"Count"},{"Name":"OldestRecordAge","Unit":"Milliseconds"}]}]},"FunctionName":"score-fanout","EntriesAlreadyAccepted":0,"EntriesRetried":0}
]"#;

#[test]
fn a_bus_that_does_not_exist_fails_init_before_any_record_is_taken() {
    // moto answers DescribeEventBus for a bus it does not have as EventBridge does: ResourceNotFoundException. (Real
    // EventBridge would answer the PutEvents after it with success and deliver nothing.)
    let endpoint = score_fanout_testkit::moto::endpoint();
    let env = [("AWS_ENDPOINT_URL", endpoint), ("EVENT_BUS_NAME", "score-events-typo")];
    let transcript = run(&env, Options::default(), &[fixture("modify.json")]);
    let reported = transcript.entries.iter().find_map(|entry| match entry {
        Entry::InitError { error_type, body } => Some((error_type.clone(), json(body))),
        _ => None,
    });
    let (error_type, body) = reported.unwrap_or_else(|| panic!("no init/error: {:?}", transcript.entries));
    assert_eq!(error_type.as_deref(), Some("DestinationError"));
    assert_eq!(
        body["errorMessage"],
        "EVENT_BUS_NAME=\"score-events-typo\": EventBridge has no such bus (ResourceNotFoundException: Event bus \
         score-events-typo does not exist.); set EVENT_BUS_NAME to the name or ARN of an event bus in us-east-1 \
         (AWS_REGION)"
    );
    assert!(!transcript.entries.iter().any(|e| matches!(e, Entry::Answer { .. })), "no invocation is answered");
}

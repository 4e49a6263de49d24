//! Configuration tests: every variable, every mistake named.

use super::*;
use std::collections::HashMap;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:score-events";

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::from_lookup(|name| env.get(name).cloned())
}

fn invalid_variable(result: Result<Config, ConfigError>) -> &'static str {
    match result {
        Err(ConfigError::Invalid { variable, .. }) => variable,
        other => panic!("expected an invalid variable, got {other:?}"),
    }
}

#[test]
fn no_sink_and_no_dry_run_fails_naming_the_variables() {
    let error = config(&[]).expect_err("no sink");
    assert_eq!(error, ConfigError::NoSink);
    let message = error.to_string();
    assert!(message.contains("EVENT_BUS_NAME") && message.contains("TOPIC_ARN") && message.contains("DRY_RUN"));
}

#[test]
fn dry_run_alone_is_enough() {
    let config = config(&[("DRY_RUN", "true")]).expect("valid");
    assert!(config.dry_run);
    assert_eq!(config.event_bus, None);
}

#[test]
fn both_sinks_and_defaults() {
    let config = config(&[("EVENT_BUS_NAME", "score-events"), ("TOPIC_ARN", TOPIC)]).expect("valid");
    assert_eq!(config.event_bus.as_deref(), Some("score-events"));
    assert_eq!(config.topic, Some(Topic { arn: TOPIC.into(), fifo: false }));
    assert_eq!(config.event_source, "game.scores");
    assert!(!config.dry_run);
    assert_eq!(config.log_level, None);
}

#[test]
fn a_topic_named_fifo_is_fifo() {
    let config = config(&[("TOPIC_ARN", "arn:aws:sns:eu-west-1:123456789012:scores.fifo")]).expect("valid");
    assert!(config.topic.expect("topic").fifo);
}

#[test]
fn a_bus_arn_is_accepted_and_an_arn_of_another_service_is_not() {
    let arn = "arn:aws:events:us-east-1:123456789012:event-bus/score-events";
    assert_eq!(config(&[("EVENT_BUS_NAME", arn)]).expect("valid").event_bus.as_deref(), Some(arn));
    let sqs = "arn:aws:sqs:us-east-1:123456789012:score-events";
    assert_eq!(invalid_variable(config(&[("EVENT_BUS_NAME", sqs)])), "EVENT_BUS_NAME");
    let rule = "arn:aws:events:us-east-1:123456789012:rule/score-events";
    assert_eq!(invalid_variable(config(&[("EVENT_BUS_NAME", rule)])), "EVENT_BUS_NAME");
    assert_eq!(invalid_variable(config(&[("EVENT_BUS_NAME", "bus with spaces")])), "EVENT_BUS_NAME");
}

#[test]
fn malformed_topic_arns_are_named() {
    for bad in ["score-events", "arn:aws:sns:us-east-1", "arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:sns:::t"] {
        let error = config(&[("TOPIC_ARN", bad)]).expect_err(bad);
        assert!(error.to_string().starts_with(&format!("TOPIC_ARN={bad:?} is invalid")), "{error}");
    }
}

#[test]
fn a_malformed_dead_letter_queue_url_is_named() {
    let result = config(&[("DRY_RUN", "true"), ("DEAD_LETTER_QUEUE_URL", "poison-queue")]);
    assert_eq!(invalid_variable(result), "DEAD_LETTER_QUEUE_URL");
    let url = "http://127.0.0.1:5000/123456789012/PoisonRecordQueue";
    let config = config(&[("DRY_RUN", "true"), ("DEAD_LETTER_QUEUE_URL", url)]).expect("valid");
    assert_eq!(config.dead_letter_queue_url.as_deref(), Some(url));
}

#[test]
fn log_levels_are_those_lambda_knows_in_any_case_with_fatal_filtered_as_error() {
    for (value, level, filter) in [
        ("trace", LogLevel::Trace, LevelFilter::TRACE),
        ("Debug", LogLevel::Debug, LevelFilter::DEBUG),
        ("INFO", LogLevel::Info, LevelFilter::INFO),
        ("warn", LogLevel::Warn, LevelFilter::WARN),
        ("ERROR", LogLevel::Error, LevelFilter::ERROR),
        ("fatal", LogLevel::Fatal, LevelFilter::ERROR),
    ] {
        let config = config(&[("DRY_RUN", "true"), ("AWS_LAMBDA_LOG_LEVEL", value)]).expect(value);
        assert_eq!(config.log_level, Some(level), "{value}");
        assert_eq!(level.filter(), filter, "{value}");
    }
    assert_eq!(
        invalid_variable(config(&[("DRY_RUN", "true"), ("AWS_LAMBDA_LOG_LEVEL", "VERBOSE")])),
        "AWS_LAMBDA_LOG_LEVEL"
    );
}

#[test]
fn dry_run_must_be_a_boolean() {
    assert_eq!(invalid_variable(config(&[("DRY_RUN", "maybe"), ("TOPIC_ARN", TOPIC)])), "DRY_RUN");
    assert!(!config(&[("DRY_RUN", "false"), ("TOPIC_ARN", TOPIC)]).expect("valid").dry_run);
}

#[test]
fn json_log_format_is_read() {
    assert!(config(&[("DRY_RUN", "true"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")]).expect("valid").json_logs);
    assert!(!config(&[("DRY_RUN", "true"), ("AWS_LAMBDA_LOG_FORMAT", "Text")]).expect("valid").json_logs);
}

#[test]
fn the_function_name_lambda_sets_is_kept_for_the_metrics_dimension() {
    let config = config(&[("DRY_RUN", "true"), ("AWS_LAMBDA_FUNCTION_NAME", "prod-ScoreFanoutFunction-1A2B")]);
    assert_eq!(config.expect("valid").function_name.as_deref(), Some("prod-ScoreFanoutFunction-1A2B"));
    assert_eq!(self::config(&[("DRY_RUN", "true")]).expect("valid").function_name, None);
}

#[test]
fn an_event_source_eventbridge_would_refuse_is_named_at_init() {
    assert_eq!(invalid_variable(config(&[("DRY_RUN", "true"), ("EVENT_SOURCE", "aws.game")])), "EVENT_SOURCE");
    assert_eq!(invalid_variable(config(&[("DRY_RUN", "true"), ("EVENT_SOURCE", &"s".repeat(257))])), "EVENT_SOURCE");
    let config = config(&[("DRY_RUN", "true"), ("EVENT_SOURCE", &"s".repeat(256))]).expect("256 characters are fine");
    assert_eq!(config.event_source.len(), 256);
}

#[test]
fn a_custom_event_bus_arn_selects_the_ordered_bus_and_a_malformed_one_fails_init() {
    let arn = "arn:aws:events:us-east-1:123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m";
    assert_eq!(config(&[("EVENT_BUS_NAME", arn)]).expect("valid").event_bus.as_deref(), Some(arn));
    assert!(is_custom_event_bus(arn));
    assert!(!is_custom_event_bus("arn:aws:events:us-east-1:123456789012:event-bus/scores"));
    assert!(!is_custom_event_bus("event-busv2/scores"), "a bus name, however it reads");
    for malformed in [
        "arn:aws:events:us-east-1:123456789012:event-busv2/scores",
        "arn:aws:events:us-east-1:123456789012:event-busv2/scores/A1B2C3D4E5F6G7H8I9J0K1L2M",
        "arn:aws:events:us-east-1:1234:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m",
        "arn:aws:events::123456789012:event-busv2/scores/a1b2c3d4e5f6g7h8i9j0k1l2m",
        "arn:aws:events:us-east-1:123456789012:event-busv2/-scores/a1b2c3d4e5f6g7h8i9j0k1l2m",
    ] {
        assert_eq!(invalid_variable(config(&[("EVENT_BUS_NAME", malformed)])), "EVENT_BUS_NAME", "{malformed}");
    }
}

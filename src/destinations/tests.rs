//! The destination checks against services answering from memory: what fails init, what only warns.

use super::*;
use crate::publish::fake_service::fake;
use crate::publish::{eventbridge, sns};

fn bus_answering(status: u16, body: &str) -> EventBridgeSink {
    let body = body.to_owned();
    let (transport, service, _) = fake(eventbridge::SIGNING_NAME, move |_, _| (status, body.clone()));
    EventBridgeSink::new(transport, service, "score-events", "game.scores")
}

fn topic_answering(arn: &str, status: u16, body: &str) -> SnsSink {
    let body = body.to_owned();
    let (transport, service, _) = fake(sns::SIGNING_NAME, move |_, _| (status, body.clone()));
    SnsSink::new(transport, service, arn, false)
}

fn sns_error(code: &str, message: &str) -> String {
    format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>")
}

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:scores";

async fn check_bus(sink: &EventBridgeSink) -> Result<u64, DestinationError> {
    check(Destinations { bus: Some(sink), ..Destinations::default() }, Some("us-east-1")).await
}

async fn check_topic(sink: &SnsSink) -> Result<u64, DestinationError> {
    check(Destinations { topic: Some(sink), ..Destinations::default() }, Some("us-east-1")).await
}

#[tokio::test]
async fn a_bus_that_does_not_exist_fails_init_naming_the_variable_the_value_and_the_fix() {
    let missing = r#"{"__type":"ResourceNotFoundException","message":"Event bus score-events does not exist."}"#;
    let error = check_bus(&bus_answering(400, missing)).await.expect_err("init fails");
    assert_eq!(
        error.to_string(),
        "EVENT_BUS_NAME=\"score-events\": EventBridge has no such bus (ResourceNotFoundException: Event bus \
         score-events does not exist.); set EVENT_BUS_NAME to the name or ARN of an event bus in us-east-1 (AWS_REGION)"
    );
}

#[tokio::test]
async fn a_bus_that_exists_passes_and_a_refused_or_throttled_check_only_warns() {
    assert_eq!(check_bus(&bus_answering(200, r#"{"Name":"score-events"}"#)).await.expect("exists"), 0);
    for (status, code) in [(400, "AccessDeniedException"), (400, "ThrottlingException"), (500, "InternalException")] {
        let answer = format!(r#"{{"__type":"{code}","message":"no"}}"#);
        assert_eq!(check_bus(&bus_answering(status, &answer)).await.expect(code), 1, "{code}: unverified");
    }
}

#[tokio::test]
async fn a_topic_that_does_not_exist_or_whose_arn_sns_refuses_fails_init() {
    let missing = topic_answering(TOPIC, 404, &sns_error("NotFound", "Topic does not exist"));
    let error = check_topic(&missing).await.expect_err("missing");
    assert!(error
        .to_string()
        .starts_with("TOPIC_ARN=\"arn:aws:sns:us-east-1:123456789012:scores\": SNS has no such topic"));
    let refused = topic_answering(TOPIC, 400, &sns_error("InvalidParameter", "Invalid parameter: TopicArn"));
    assert!(check_topic(&refused).await.expect_err("refused").to_string().contains("SNS refuses the topic's ARN"));
}

#[tokio::test]
async fn an_invalid_parameter_that_names_no_arn_or_a_bare_404_only_warns() {
    let other = topic_answering(TOPIC, 400, &sns_error("InvalidParameter", "Invalid parameter: Attributes"));
    assert_eq!(check_topic(&other).await.expect("warns"), 1);
    let bare = topic_answering(TOPIC, 404, "");
    assert_eq!(check_topic(&bare).await.expect("a 404 that is not SNS's NotFound only warns"), 1);
}

#[tokio::test]
async fn a_destination_named_in_another_region_fails_before_any_call() {
    let topic = topic_answering("arn:aws:sns:eu-west-1:123456789012:scores", 200, "");
    let error = check_topic(&topic).await.expect_err("another region");
    assert!(error.to_string().contains("it is in eu-west-1, and the function runs in us-east-1"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_check_without_an_answer_gives_up_after_two_seconds_and_warns() {
    let never = async { std::future::pending::<Result<(), WireError>>().await };
    let started = tokio::time::Instant::now();
    let destination = Destination {
        variable: "EVENT_BUS_NAME",
        value: "score-events".to_owned(),
        named_region: None,
        what: "a bus",
        check: async move { bus_verdict(never.await) },
    };
    assert!(!verify(Some(destination), Some("us-east-1")).await.expect("only warns"));
    assert_eq!(started.elapsed(), CHECK_TIMEOUT);
}

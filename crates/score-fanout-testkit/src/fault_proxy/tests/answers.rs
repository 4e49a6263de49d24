//! What the proxy answers by itself, and what it passes on of the upstream's answers.

use super::super::checks::{Verdict, CHECK_ERRORS};
use super::super::wire::{response_header, response_with, split_response};
use super::*;

#[tokio::test]
async fn a_put_events_to_a_missing_bus_is_answered_as_aws_does_and_delivers_nothing() {
    let missing = r#"{"__type":"ResourceNotFoundException","message":"Event bus bus does not exist."}"#;
    let refused =
        response_with(400, "application/json", &[("X-Amzn-ErrorType", "ResourceNotFoundException")], missing.into());
    let (address, _) = upstream(refused, Duration::ZERO).await;
    let proxy = FaultProxy::start(&address, 1, |_, _| Fault::LikeAwsForMissingBus).await;
    let (headers, body) = put_events(&["e1", "e2"]);
    let (status, content_type, answer) = split_response(&call(&proxy, &headers, &body).await);
    assert_eq!((status, content_type.as_str()), (200, "application/x-amz-json-1.1"));
    let answer: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["FailedEntryCount"], 0);
    let ids: Vec<&str> =
        answer["Entries"].as_array().expect("entries").iter().filter_map(|e| e["EventId"].as_str()).collect();
    assert!(ids.len() == 2 && ids.iter().all(|id| id.len() == 36 && id.matches('-').count() == 4), "{answer}");
    proxy.settled().await;
    assert!(proxy.ledger().iter().all(|d| !d.accepted), "nothing delivered");
    // A describe of the missing bus still says so: that is how a function can tell.
    let (status, ..) = split_response(&call(&proxy, &target("AWSEvents.DescribeEventBus"), br#"{"Name":"bus"}"#).await);
    assert_eq!(status, 400);
}

/// What a policy saw of a call: its service, operation, number and whether it is a destination check.
type Seen = (Service, String, usize, bool);

#[tokio::test]
async fn destination_checks_reach_the_policy_numbered_apart_from_the_publishing_calls() {
    let (address, _) = upstream(accepted(), Duration::ZERO).await;
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let kept = seen.clone();
    let proxy = FaultProxy::start(&address, 1, move |call, _| {
        kept.lock().expect("seen").push((
            call.service,
            call.operation.to_owned(),
            call.number,
            call.is_destination_check(),
        ));
        if call.service == Service::Sns {
            Fault::Answer { status: 404, code: "NotFound" }
        } else {
            Fault::Forward
        }
    })
    .await;
    let (headers, body) = put_events(&["e1"]);
    let form = vec![("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned())];
    let topic = call(&proxy, &form, GET_TOPIC_ATTRIBUTES).await;
    assert_eq!(split_response(&topic).0, 404, "GetTopicAttributes is an SNS call a policy can fault");
    call(&proxy, &target("AWSEvents.DescribeEventBus"), b"{}").await;
    call(&proxy, &headers, &body).await;
    call(&proxy, &target("AmazonSQS.GetQueueAttributes"), b"{}").await;
    let expected = [
        (Service::Sns, "GetTopicAttributes".to_owned(), 1, true),
        (Service::EventBridge, "DescribeEventBus".to_owned(), 1, true),
        (Service::EventBridge, "PutEvents".to_owned(), 1, false),
        (Service::Sqs, "GetQueueAttributes".to_owned(), 1, true),
    ];
    assert_eq!(*seen.lock().expect("seen"), expected);
    assert_eq!([Service::EventBridge, Service::Sns, Service::Sqs].map(|s| proxy.calls(s)), [1, 0, 0]);
    assert_eq!([Service::EventBridge, Service::Sns, Service::Sqs].map(|s| proxy.checks(s)), [1, 1, 1]);
}

#[tokio::test]
async fn sqs_errors_are_json_1_0_with_the_legacy_code_in_x_amzn_query_error() {
    let (address, _) = upstream(accepted(), Duration::ZERO).await;
    let proxy = FaultProxy::start(&address, 1, |_, _| Fault::Answer { status: 400, code: "QueueDoesNotExist" }).await;
    let raw = call(&proxy, &target("AmazonSQS.SendMessage"), b"{}").await;
    let (status, content_type, body) = split_response(&raw);
    assert_eq!((status, content_type.as_str()), (400, "application/x-amz-json-1.0"));
    let query_error = response_header(&raw, "x-amzn-query-error");
    assert_eq!(query_error.as_deref(), Some("AWS.SimpleQueueService.NonExistentQueue;Sender"));
    let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
}

#[tokio::test]
async fn the_upstreams_error_headers_reach_the_client() {
    let headers = [
        ("X-Amzn-ErrorType", "com.amazonaws.sqs#QueueDoesNotExist"),
        ("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender"),
    ];
    let missing = response_with(
        400,
        "application/x-amz-json-1.0",
        &headers,
        br#"{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}"#.to_vec(),
    );
    let (address, _) = upstream(missing, Duration::ZERO).await;
    let proxy = FaultProxy::start(&address, 1, |_, _| Fault::Forward).await;
    let raw = call(&proxy, &target("AmazonSQS.GetQueueAttributes"), b"{}").await;
    assert_eq!(response_header(&raw, "x-amzn-query-error").as_deref(), Some(headers[1].1));
    assert_eq!(response_header(&raw, "x-amzn-errortype").as_deref(), Some(headers[0].1));
}

#[tokio::test]
async fn every_check_error_is_answered_in_its_services_wire_shape_with_its_own_message() {
    let (address, _) = upstream(accepted(), Duration::ZERO).await;
    let proxy = FaultProxy::start(&address, 1, |call, _| {
        let error = CHECK_ERRORS.iter().find(|e| e.service == call.service && call.carries(e.code)).expect("a case");
        error.fault()
    })
    .await;
    for error in CHECK_ERRORS {
        let raw = match error.service {
            Service::EventBridge => {
                call(
                    &proxy,
                    &target("AWSEvents.DescribeEventBus"),
                    format!("{{\"Name\":\"{}\"}}", error.code).as_bytes(),
                )
                .await
            }
            Service::Sqs => {
                call(
                    &proxy,
                    &target("AmazonSQS.GetQueueAttributes"),
                    format!("{{\"QueueUrl\":\"{}\"}}", error.code).as_bytes(),
                )
                .await
            }
            _ => call(&proxy, &[], [GET_TOPIC_ATTRIBUTES, b"&Case=", error.code.as_bytes()].concat().as_slice()).await,
        };
        let (status, content_type, body) = split_response(&raw);
        let body = String::from_utf8_lossy(&body);
        assert_eq!(status, error.status, "{error:?}");
        assert!(body.contains(error.code) && body.contains(error.message), "{error:?}: {body}");
        let shape = match error.service {
            Service::EventBridge => "application/x-amz-json-1.1",
            Service::Sqs => "application/x-amz-json-1.0",
            _ => "text/xml",
        };
        assert_eq!(content_type, shape, "{error:?}");
    }
    let failing: Vec<&str> = CHECK_ERRORS.iter().filter(|e| e.verdict == Verdict::FailsInit).map(|e| e.code).collect();
    assert_eq!(failing, ["ResourceNotFoundException", "NotFound", "InvalidParameter", "QueueDoesNotExist"]);
}

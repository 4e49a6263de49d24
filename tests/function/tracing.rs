//! The invocation's X-Ray trace context (`Lambda-Runtime-Trace-Id`) crosses into EventBridge and SNS: each
//! `PutEvents` entry's `TraceHeader`, and the `X-Amzn-Trace-Id` header of each `PublishBatch` request, which SNS
//! carries on to its deliveries. The real binary through the Runtime API emulator, against moto behind the proxy.

use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::runtime_api::function::{Entry, Function};
use score_fanout_testkit::runtime_api::Options;
use std::sync::{Arc, Mutex};

const TRACE: &str = "Root=1-6750a1b2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";

/// What the proxy saw of each publishing request: the service, its `X-Amzn-Trace-Id` header, its body.
type Seen = Vec<(Service, Option<String>, String)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invocations_trace_id_reaches_every_entry_and_every_sns_request() {
    let sdk = moto::sdk_at(score_fanout::sdk_loader(), moto::endpoint()).await;
    let prefix = moto::unique_prefix("tracing");
    let bus = format!("{prefix}bus");
    aws_sdk_eventbridge::Client::new(&sdk).create_event_bus().name(&bus).send().await.expect("bus");
    let topic = aws_sdk_sns::Client::new(&sdk).create_topic().name(format!("{prefix}topic")).send().await;
    let topic = topic.expect("topic").topic_arn.expect("arn");
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let recorded = seen.clone();
    let proxy = FaultProxy::start(moto::endpoint(), 1, move |call, _| {
        let trace = call.header("x-amzn-trace-id").map(str::to_owned);
        let body = String::from_utf8_lossy(call.body).into_owned();
        // The destination checks at init run before any invocation, outside any trace.
        if !call.is_destination_check() {
            recorded.lock().expect("lock").push((call.service, trace, body));
        }
        Fault::Forward
    })
    .await;
    let env: Vec<(String, String)> = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", proxy.endpoint.as_str()),
        ("EVENT_BUS_NAME", bus.as_str()),
        ("TOPIC_ARN", topic.as_str()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let options = Options { trace_id: TRACE.to_owned(), ..Options::default() };
    let function = Function { command: vec![env!("CARGO_BIN_EXE_score-fanout").to_owned()], env, options };
    let event = std::fs::read(score_fanout_testkit::repository().join("events/batch.json")).expect("fixture");
    let transcript = tokio::task::spawn_blocking(move || function.run(&[event])).await.expect("runs").expect("runs");
    assert!(
        transcript.all_answered(1),
        "{:?}",
        transcript.entries.iter().filter(|e| !matches!(e, Entry::Log { .. })).collect::<Vec<_>>()
    );

    let seen = seen.lock().expect("lock").clone();
    let put_events: Vec<&String> =
        seen.iter().filter(|(s, ..)| *s == Service::EventBridge).map(|(.., body)| body).collect();
    assert!(!put_events.is_empty());
    for body in put_events {
        let request: serde_json::Value = serde_json::from_str(body).expect("PutEvents JSON");
        for entry in request["Entries"].as_array().expect("entries") {
            assert_eq!(entry["TraceHeader"], TRACE, "every entry carries the invocation's trace");
        }
    }
    let publish_batch: Vec<&Option<String>> =
        seen.iter().filter(|(s, ..)| *s == Service::Sns).map(|(_, trace, _)| trace).collect();
    assert!(!publish_batch.is_empty());
    assert!(publish_batch.iter().all(|trace| trace.as_deref() == Some(TRACE)), "{publish_batch:?}");
}

//! The publishing transport goes through the proxy `HTTP_PROXY` / `HTTPS_PROXY` name, except for the hosts of
//! `NO_PROXY`, as the SDK's own clients do: the real binary through the Runtime API emulator, against moto behind
//! the test kit's proxy.

use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::runtime_api::function::{Entry, Function};
use score_fanout_testkit::runtime_api::Options;

/// A bus and a topic on the shared moto server; their name and ARN.
async fn sinks(prefix: &str) -> (String, String) {
    let sdk = moto::sdk_at(score_fanout::sdk_loader(), moto::endpoint()).await;
    let bus = format!("{prefix}bus");
    aws_sdk_eventbridge::Client::new(&sdk).create_event_bus().name(&bus).send().await.expect("bus");
    let topic = aws_sdk_sns::Client::new(&sdk).create_topic().name(format!("{prefix}topic")).send().await;
    (bus, topic.expect("topic").topic_arn.expect("arn"))
}

/// Runs the binary on events/modify.json with `env`; its answer.
async fn invoke(env: Vec<(String, String)>) -> Vec<Entry> {
    let function =
        Function { command: vec![env!("CARGO_BIN_EXE_score-fanout").to_owned()], env, options: Options::default() };
    let event = std::fs::read(score_fanout_testkit::repository().join("events/modify.json")).expect("fixture");
    let transcript = tokio::task::spawn_blocking(move || function.run(&[event])).await.expect("runs").expect("runs");
    transcript.entries.into_iter().filter(|entry| matches!(entry, Entry::Answer { .. })).collect()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let local = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    local.iter().chain(pairs).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_goes_through_http_proxy_unless_no_proxy_names_the_host() {
    let (bus, topic) = sinks(&moto::unique_prefix("proxy")).await;
    let proxy = FaultProxy::start(moto::endpoint(), 1, |_, _| Fault::Forward).await;
    let base =
        [("AWS_ENDPOINT_URL", moto::endpoint()), ("EVENT_BUS_NAME", bus.as_str()), ("TOPIC_ARN", topic.as_str())];
    let through = [base.as_slice(), &[("HTTP_PROXY", proxy.endpoint.as_str())]].concat();
    let answers = invoke(env(&through)).await;
    assert!(
        matches!(&answers[..], [Entry::Answer { error: false, body, .. }] if body == r#"{"batchItemFailures":[]}"#),
        "{answers:?}"
    );
    let (eventbridge, sns) = (proxy.calls(Service::EventBridge), proxy.calls(Service::Sns));
    assert_eq!((eventbridge, sns), (1, 1), "both calls went through the proxy");

    let bypassing = [through.as_slice(), &[("NO_PROXY", "127.0.0.1")]].concat();
    let answers = invoke(env(&bypassing)).await;
    assert!(matches!(&answers[..], [Entry::Answer { error: false, .. }]), "{answers:?}");
    assert_eq!((proxy.calls(Service::EventBridge), proxy.calls(Service::Sns)), (1, 1), "NO_PROXY bypassed it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_endpoint_is_reached_through_https_proxy_by_a_tunnel() {
    // The proxy refuses to tunnel (it only records the CONNECT), so the call fails and the record holds: what is
    // checked is where the transport went for an https endpoint.
    let proxy = FaultProxy::start(moto::endpoint(), 1, |_, _| Fault::Forward).await;
    let pairs = [
        ("AWS_ENDPOINT_URL", "https://127.0.0.1:9"),
        ("HTTPS_PROXY", proxy.endpoint.as_str()),
        ("EVENT_BUS_NAME", "score-events"),
    ];
    let options = Options { timeout: std::time::Duration::from_secs(3), ..Options::default() };
    let function = Function { command: vec![env!("CARGO_BIN_EXE_score-fanout").to_owned()], env: env(&pairs), options };
    let event = std::fs::read(score_fanout_testkit::repository().join("events/modify.json")).expect("fixture");
    let transcript = tokio::task::spawn_blocking(move || function.run(&[event])).await.expect("runs").expect("runs");
    assert!(transcript
        .entries
        .iter()
        .any(|e| matches!(e, Entry::Answer { body, .. } if body.contains("itemIdentifier"))));
    let tunnels = proxy.tunnels.lock().expect("tunnels").clone();
    assert!(!tunnels.is_empty() && tunnels.iter().all(|target| target == "127.0.0.1:9"), "{tunnels:?}");
}

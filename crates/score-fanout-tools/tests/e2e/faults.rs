//! The fault matrix: the function against the local AWS through a fault-injecting proxy. Each fault is checked
//! against what the sinks actually received, the answer (`batchItemFailures`) and the deadline.

use score_fanout::{Invocation, LiveHandler, RetryBudget, StreamEvent, FIRST_CALL_TIMEOUT};
use score_fanout_testkit::fault_proxy::{Call, Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::{drain, Received};
use score_fanout_tools::provision::{provision, Stack};
use std::collections::HashSet;
use std::time::{Duration, Instant};

pub(crate) struct Rig {
    pub(crate) sdk: aws_config::SdkConfig,
    pub(crate) stack: Stack,
    pub(crate) proxy: FaultProxy,
    pub(crate) handler: LiveHandler,
}

pub(crate) async fn rig(
    test: &str,
    policy: impl Fn(&Call, &mut fastrand::Rng) -> Fault + Send + Sync + 'static,
) -> Rig {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix(test), "game.scores").await.expect("provisioning");
    let proxy = FaultProxy::start(moto::endpoint(), 7, policy).await;
    let handler = score_fanout::live_handler(&config_for(&stack, false), &crate::sdk_at(&proxy.endpoint).await)
        .expect("endpoints resolve");
    Rig { sdk, stack, proxy, handler }
}

/// The answer's checkpoint, and how long the invocation took.
pub(crate) struct Outcome {
    pub(crate) checkpoint: Option<String>,
    pub(crate) took: Duration,
}

impl Rig {
    pub(crate) async fn invoke(&self, records: &RecordMaker, timeout: Duration) -> Outcome {
        let event = StreamEvent { records: records.records.clone() };
        let started = Instant::now();
        let handled = self.handler.handle(&event, &Invocation::new(RetryBudget::new(timeout))).await;
        let took = started.elapsed();
        assert!(took < timeout, "answered after {took:?}, past the {timeout:?} deadline");
        let checkpoint = handled.response.batch_item_failures.first().and_then(|f| f.item_identifier.clone());
        Outcome { checkpoint, took }
    }

    pub(crate) async fn received(&self, queue: &str) -> Vec<Received> {
        drain(&aws_sdk_sqs::Client::new(&self.sdk), queue).await.expect("reading the queue")
    }

    /// Asserts that `queue` holds exactly the events of `records`, each once. The one copy the contract allows
    /// here is that of a call the function gave up on after the local server had taken it: so a copy fails the
    /// test unless the server, loaded by the tests running beside this one, took longer than a first call may.
    pub(crate) async fn assert_all_once(&self, queue: &str, records: &RecordMaker) {
        let received = self.received(queue).await;
        let ids: Vec<&str> = received.iter().filter_map(|m| m.event["eventId"].as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        let expected: HashSet<&str> = records.expected.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(unique, expected, "{queue}: lost or unexpected events");
        let slowest = [Service::EventBridge, Service::Sns].map(|s| self.proxy.slowest_upstream_answer(s));
        if slowest.iter().all(|&took| took < FIRST_CALL_TIMEOUT) {
            assert_eq!(ids.len(), unique.len(), "{queue}: duplicates");
        } else if ids.len() > unique.len() {
            println!("{queue}: {} copies after an answer of the server took {slowest:?}", ids.len() - unique.len());
        }
    }
}

pub(crate) fn players(count: usize) -> RecordMaker {
    let mut records = RecordMaker::new();
    for i in 0..count {
        records.insert(&format!("p{i}"), i as i64);
    }
    records
}

pub(crate) fn publishing(call: &Call) -> bool {
    matches!(call.service, Service::EventBridge | Service::Sns)
}

pub(crate) const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_a_third_of_calls_delays_delivery_but_loses_nothing() {
    // Every third call of each sink, the first included: which calls that is must not depend on how the two sinks'
    // calls interleave, or a run could see no throttled call at all.
    let rig = rig(
        "throttle",
        |call, _| if publishing(call) && call.number % 3 == 1 { Fault::Throttle } else { Fault::Forward },
    )
    .await;
    let records = players(40);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    rig.assert_all_once(&rig.stack.queues.rule, &records).await;
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
    assert!(rig.proxy.calls(Service::EventBridge) > 4, "throttled calls were retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_500_and_503_then_recovery_delivers_everything_once() {
    let rig = rig("burst5xx", |call, _| match (publishing(call), call.number) {
        (true, 1 | 2) => Fault::Status(500),
        (true, 3 | 4) => Fault::Status(503),
        _ => Fault::Forward,
    })
    .await;
    let records = players(25);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    rig.assert_all_once(&rig.stack.queues.rule, &records).await;
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_to_one_sink_checkpoint_the_first_record_while_the_other_sink_delivers() {
    let rig =
        rig("dropped", |call, _| if call.service == Service::EventBridge { Fault::Drop } else { Fault::Forward }).await;
    let records = players(12);
    let outcome = rig.invoke(&records, Duration::from_secs(5)).await;
    assert_eq!(outcome.checkpoint.as_deref(), Some(records.expected[0].sequence_number.as_str()));
    assert!(rig.received(&rig.stack.queues.rule).await.is_empty());
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_is_an_outage_answered_with_a_checkpoint_not_an_error() {
    let rig = rig("refused", |_, _| Fault::Forward).await;
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let unreachable = crate::sdk_at(&format!("http://127.0.0.1:{closed_port}")).await;
    let handler = score_fanout::live_handler(&config_for(&rig.stack, false), &unreachable).expect("endpoints resolve");
    let records = players(3);
    let started = Instant::now();
    let handled = handler
        .handle(
            &StreamEvent { records: records.records.clone() },
            &Invocation::new(RetryBudget::new(Duration::from_secs(4))),
        )
        .await;
    assert!(started.elapsed() < Duration::from_secs(4));
    let checkpoint = handled.response.batch_item_failures.first().and_then(|f| f.item_identifier.clone());
    assert_eq!(checkpoint.as_deref(), Some(records.expected[0].sequence_number.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_hanging_past_the_attempt_timeout_is_retried_and_delivered() {
    let rig =
        rig("hang", |call, _| if publishing(call) && call.number == 1 { Fault::Hang } else { Fault::Forward }).await;
    let records = players(5);
    let outcome = rig.invoke(&records, MINUTE).await;
    assert_eq!(outcome.checkpoint, None);
    assert!(outcome.took >= Duration::from_secs(2), "the hung attempt was cut by the 2 s attempt timeout");
    rig.assert_all_once(&rig.stack.queues.rule, &records).await;
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_with_transient_failed_entries_resends_only_those() {
    let rig = rig("ebpartial", |call, _| match (call.service, call.number) {
        (Service::EventBridge, 1..=3) => {
            Fault::FailEntries { probability: 0.4, code: "ThrottlingException", sender_fault: false }
        }
        _ => Fault::Forward,
    })
    .await;
    let records = players(30);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    rig.assert_all_once(&rig.stack.queues.rule, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_events_validation_errors_park_the_events_in_the_dead_letter_queue() {
    let rig = rig("ebinvalid", |call, _| match call.service {
        Service::EventBridge => {
            Fault::FailEntries { probability: 0.3, code: "ValidationException", sender_fault: false }
        }
        _ => Fault::Forward,
    })
    .await;
    let records = players(20);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    let on_bus: HashSet<String> = rig
        .received(&rig.stack.queues.rule)
        .await
        .iter()
        .filter_map(|m| m.event["eventId"].as_str().map(str::to_owned))
        .collect();
    let parked = rig.received(&rig.stack.queues.poison).await;
    assert!(
        !parked.is_empty() && on_bus.len() + parked.len() == 20,
        "{} on the bus, {} parked",
        on_bus.len(),
        parked.len()
    );
    for message in &parked {
        let error = message.event["error"].as_str().expect("error");
        assert!(error.starts_with("EventBridge rejected the entry for good: ValidationException"), "{error}");
        let event_id = message.event["event"]["eventId"].as_str().expect("the event travels with its record");
        assert!(!on_bus.contains(event_id));
        assert_eq!(message.event["record"]["eventID"].as_str(), Some(event_id));
    }
    rig.assert_all_once(&rig.stack.queues.all_events, &records).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_batch_failed_entries_take_the_fate_of_their_code_whatever_sender_fault_says() {
    let rig = rig("snspartial", |call, _| match (call.service, call.number) {
        (Service::Sns, 1) => Fault::FailEntries { probability: 0.5, code: "InternalError", sender_fault: true },
        (Service::Sns, _) => Fault::FailEntries { probability: 0.1, code: "InvalidParameter", sender_fault: false },
        _ => Fault::Forward,
    })
    .await;
    let records = players(10);
    assert_eq!(rig.invoke(&records, MINUTE).await.checkpoint, None);
    let delivered = rig.received(&rig.stack.queues.all_events).await.len();
    let parked = rig.received(&rig.stack.queues.poison).await;
    assert_eq!(delivered + parked.len(), 10);
    assert!(!parked.is_empty(), "some entries were rejected as invalid");
    for message in &parked {
        assert!(message.event["error"]
            .as_str()
            .expect("error")
            .starts_with("SNS rejected the entry for good: InvalidParameter"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_so_slow_that_the_deadline_arrives_mid_batch_is_answered_in_time() {
    let rig = rig("slow", |call, _| {
        if call.service == Service::EventBridge {
            Fault::Delay(Duration::from_millis(1200))
        } else {
            Fault::Forward
        }
    })
    .await;
    let records = players(100);
    let outcome = rig.invoke(&records, Duration::from_secs(3)).await;
    let checkpoint = outcome.checkpoint.expect("not everything made it in time");
    let delivered: HashSet<String> = rig
        .received(&rig.stack.queues.rule)
        .await
        .iter()
        .filter_map(|m| m.event["eventId"].as_str().map(str::to_owned))
        .collect();
    // Every record before the checkpoint reached the bus.
    for expected in records.expected.iter().take_while(|e| e.sequence_number != checkpoint) {
        assert!(
            delivered.contains(&expected.event_id),
            "{} before the checkpoint was not delivered",
            expected.event_id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unavailable_dead_letter_queue_makes_the_poison_record_the_checkpoint() {
    let rig =
        rig("dlqdown", |call, _| if call.service == Service::Sqs { Fault::Status(503) } else { Fault::Forward }).await;
    let mut records = players(2);
    records.poison("bad");
    records.insert("after", 1);
    let outcome = rig.invoke(&records, Duration::from_secs(20)).await;
    assert_eq!(outcome.checkpoint.as_deref(), Some(records.poison[0].as_str()));
    assert_eq!(rig.received(&rig.stack.queues.rule).await.len(), 3, "the records around the poison were published");
}

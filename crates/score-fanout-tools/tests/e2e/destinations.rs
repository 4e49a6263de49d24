//! A wrong setting fails at init instead of losing events: through a proxy that answers as real EventBridge does
//! for a bus that does not exist (every `PutEvents` a success, nothing delivered; moto refuses it instead), the
//! function would report every batch delivered; the destination check at init is what catches it.

use score_fanout::{Invocation, RetryBudget, StreamEvent};
use score_fanout_testkit::fault_proxy::{Fault, FaultProxy, Service};
use score_fanout_testkit::moto;
use score_fanout_testkit::records::RecordMaker;
use score_fanout_tools::demo::config_for;
use score_fanout_tools::inbox::drain;
use score_fanout_tools::provision::provision;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bus_that_does_not_exist_fails_init_where_eventbridge_would_take_every_event_and_deliver_none() {
    let sdk = crate::harness().await;
    let stack = provision(&sdk, &moto::unique_prefix("missingbus"), "game.scores").await.expect("provisioning");
    let proxy = FaultProxy::start(moto::endpoint(), 1, |call, _| match call.service {
        Service::EventBridge => Fault::LikeAwsForMissingBus,
        _ => Fault::Forward,
    })
    .await;
    let mut config = config_for(&stack, false);
    config.event_bus = Some(format!("{}-typo", stack.bus));
    let handler = score_fanout::live_handler(&config, &crate::sdk_at(&proxy.endpoint).await).expect("endpoints");

    // What the function would do without the check: every entry answered with success, the batch answered as
    // delivered, and nothing on the bus's targets.
    let mut made = RecordMaker::new();
    made.insert("p1", 44);
    made.change("p1", 44, 50);
    let event = StreamEvent { records: made.records.clone() };
    let handled = handler.handle(&event, &Invocation::new(RetryBudget::new(Duration::from_secs(10)))).await;
    assert!(handled.response.batch_item_failures.is_empty(), "EventBridge answered success for a missing bus");
    assert_eq!(handled.tally.published_to("EventBridge"), 2, "and the function counted both events published");
    let rule_queue = drain(&aws_sdk_sqs::Client::new(&sdk), &stack.queues.rule).await.expect("rule queue");
    assert!(rule_queue.is_empty(), "yet nothing reached the rule's target: {rule_queue:?}");

    // The check at init fails, naming the variable, the value and the fix.
    let error = handler.check_destinations(Some("us-east-1")).await.expect_err("the bus does not exist");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("EVENT_BUS_NAME=\"{}-typo\": EventBridge has no such bus", stack.bus)),
        "{message}"
    );
    assert!(message.contains("set EVENT_BUS_NAME to the name or ARN of an event bus in us-east-1"), "{message}");
    assert_eq!(proxy.checks(Service::EventBridge), 1, "one DescribeEventBus");
}

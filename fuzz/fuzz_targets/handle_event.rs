//! Fuzz target: a whole raw Lambda event through the handler (decode, classify, checkpoint) and every record
//! through the dead-letter message builder. Nothing may panic; the answer names at most one record, one of the
//! event's own, and the handler's index of it is that record; every dead-letter message is JSON within the size
//! limit. (Syntactically: a record is kept byte for byte, so a number beyond f64 in it, such as `1e999`, stays as
//! it came; Lambda never sends one.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use score_fanout::{sequence_number_of, BatchOutcome, Delivery, Handler, Invocation, Poison, Publish, RetryBudget};
use score_fanout::{SqsDeadLetter, StreamEvent, MAX_DEAD_LETTER_BYTES};
use score_fanout_events::DomainEvent;
use std::future::{ready, Future};
use std::sync::OnceLock;
use std::time::Duration;

/// Takes every event: the records alone decide the answer.
struct Accepting;

impl Publish for Accepting {
    fn publish(&self, events: &[DomainEvent], _: &Invocation) -> impl Future<Output = BatchOutcome> + Send {
        ready(BatchOutcome { deliveries: vec![Delivery::Delivered; events.len()], ..BatchOutcome::default() })
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime"))
}

fuzz_target!(|data: &[u8]| {
    // Lambda only ever hands over JSON, and lambda_runtime refuses what is not an object with a Records list
    // before the handler runs; everything inside Records is the handler's to survive.
    let Ok(event) = serde_json::from_slice::<StreamEvent>(data) else { return };
    // Without a dead-letter queue, poison holds its shard: the checkpoint is exercised on every poison record.
    let handler: Handler<Accepting, SqsDeadLetter> = Handler::new(Accepting, None);
    let invocation = Invocation::new(RetryBudget::new(Duration::from_secs(5)));
    let handled = runtime().block_on(handler.handle(&event, &invocation));
    assert!(handled.response.batch_item_failures.len() <= 1);
    if let Some(failure) = handled.response.batch_item_failures.first() {
        let index = handled.checkpoint.expect("a checkpoint names its record's index");
        assert_eq!(sequence_number_of(&event.records[index]), failure.item_identifier);
    }
    for record in &event.records {
        let poison = Poison {
            index: 0,
            sequence_number: None,
            event: None,
            error: "fuzz".into(),
            refused_by: vec!["EventBridge"],
        };
        let message = poison.dead_letter_message(record);
        assert!(message.len() <= MAX_DEAD_LETTER_BYTES);
        assert!(serde_json::from_str::<Box<serde_json::value::RawValue>>(&message).is_ok());
    }
});

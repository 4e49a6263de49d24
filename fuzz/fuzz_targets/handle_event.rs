//! Fuzz target: a whole raw Lambda event through the handler (decode, classify, checkpoint) and every record
//! through the dead-letter message builder. Nothing may panic; the answer names at most one record, one of the
//! event's own; every dead-letter message is JSON within the size limit. (Syntactically: a record is kept byte for
//! byte, so a number beyond f64 in it, such as `1e999`, stays as it came; Lambda never sends one.)

#![no_main]

use libfuzzer_sys::fuzz_target;
use score_fanout::dead_letter::{self, SqsDeadLetter};
use score_fanout::decode::sequence_number_of;
use score_fanout::publish::{FanOut, Invocation};
use score_fanout::{Handler, RetryBudget, StreamEvent};
use std::sync::OnceLock;
use std::time::Duration;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("runtime"))
}

fuzz_target!(|data: &[u8]| {
    // Lambda only ever hands over JSON, and lambda_runtime refuses what is not an object with a Records list
    // before the handler runs; everything inside Records is the handler's to survive.
    let Ok(event) = serde_json::from_slice::<StreamEvent>(data) else { return };
    let handler: Handler<FanOut, SqsDeadLetter> = Handler::new(FanOut::default(), None, false);
    let response = runtime().block_on(handler.handle(&event, &Invocation::new(RetryBudget::new(Duration::from_secs(5)))));
    assert!(response.batch_item_failures.len() <= 1);
    if let Some(failure) = response.batch_item_failures.first() {
        let named = failure.item_identifier.as_deref();
        assert!(event.records.iter().any(|record| sequence_number_of(record).as_deref() == named));
    }
    for record in &event.records {
        let message = dead_letter::message(record, None, "fuzz");
        assert!(message.len() <= dead_letter::MAX_MESSAGE_BYTES);
        assert!(serde_json::from_str::<Box<serde_json::value::RawValue>>(&message).is_ok());
    }
});

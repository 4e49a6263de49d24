//! The Lambda function: configuration, logging and clients at cold start, then the handler for every invocation.

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use score_fanout::{
    flush_log, function_sdk_config, init_logging_in_blocks, live_handler, metrics_output, or_exit, Config, Incoming,
    Invocation, RetryBudget,
};

// One thread: a function has a fraction of a core, and a second worker only adds wake-ups between threads.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // An init failure is reported to the Runtime API as Lambda shows it, and logged last.
    let config = or_exit(Config::from_env()).await;
    init_logging_in_blocks(&config);
    let sdk = function_sdk_config().await;
    // Each invocation's metric document goes out with its log lines, in order.
    let handler = or_exit(live_handler(&config, &sdk)).await.with_metrics(metrics_output(&config));
    // A destination that does not exist fails init here, before any record is taken.
    or_exit(handler.check_destinations(sdk.region().map(|region| region.as_ref())).await).await;
    let handler = &handler;
    flush_log();
    // lambda_runtime::run wraps every invocation in a span carrying its requestId, which each log line repeats.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Incoming>| async move {
        let budget = RetryBudget::from_deadline_ms(event.context.deadline);
        let invocation = Invocation::traced(budget, event.context.xray_trace_id);
        // Records stay raw JSON; an event that is none answers NotAStreamEvent.
        let stream_event = event.payload.0?;
        let handled = handler.handle(&stream_event, &invocation).await;
        flush_log();
        Ok::<_, Diagnostic>(handled.response)
    }))
    .await
}

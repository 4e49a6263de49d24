//! The Lambda function: configuration and clients at cold start, then the handler for every invocation.

use lambda_runtime::layers::TracingLayer;
use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent, Runtime};
use score_fanout::event_body::{EventBodies, EventBodyLayer};
use score_fanout::{aws, logging, Config, RetryBudget, StreamRecords};

// One thread: a Lambda function has a fraction of a core, and a second worker only added wake-ups between threads
// (a quarter of the CPU of a 1,000-record invocation, and more than half of the cold start; docs/performance.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    fixed_malloc_thresholds();
    // A configuration error ends init here; Lambda reports it with this message.
    let config = Config::from_env()?;
    logging::init_in_blocks(&config);
    // Metric documents go out with the log, in its blocks (logging::Blocks).
    let handler = aws::handler(&config, &aws::function_sdk_config().await)?.with_metrics(Box::new(logging::write_line));
    let handler = &handler;
    logging::flush();
    // The event reaches the handler as the runtime received it (score_fanout::event_body): the runtime's own
    // deserialization would copy it whole first, and that copy set the peak memory of a large event.
    let bodies = EventBodies::default();
    let taken = &bodies;
    let function = service_fn(move |event: LambdaEvent<()>| async move {
        let budget = RetryBudget::from_deadline_ms(event.context.deadline);
        let body = taken
            .take(&event.context.request_id)
            .ok_or_else(|| invocation_error("NoEventBody", "the event's body was not kept for its handler"))?;
        // Not a stream event at all: an invocation error, as the runtime's own deserialization would give.
        let records: StreamRecords = serde_json::from_slice(&body).map_err(|error| {
            invocation_error("NotAStreamEvent", format!("the event is not a stream event: {error}"))
        })?;
        let response = handler.handle_records(&records.records, &budget).await;
        let large = records.records.len() >= LARGE_EVENT_RECORDS;
        drop(records);
        drop(body);
        if large {
            release_freed_memory();
        }
        logging::flush();
        Ok::<_, Diagnostic>(response)
    });
    // Layers run outside in: the runtime's span (with the requestId every log line carries), then the body.
    Runtime::new(function).layer(EventBodyLayer::new(bodies.clone())).layer(TracingLayer::new()).run().await
}

/// An invocation error as Lambda reports it: `errorType` and `errorMessage`.
fn invocation_error(error_type: &str, message: impl Into<String>) -> Diagnostic {
    Diagnostic { error_type: error_type.to_owned(), error_message: message.into() }
}

/// From this many records on, an invocation gives its freed memory back before it answers.
const LARGE_EVENT_RECORDS: usize = 1_000;

/// Returns the free pages of the heap to the system. The records of a large event are small blocks scattered
/// through the heap: freed, they stay resident unless trimmed, and the next large event's blocks land beside them,
/// so the peak grew with every large invocation (29 MiB after seven of 10,000 records; 25.5 MiB trimmed).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; no allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// glibc raises its mmap threshold to the size of any mmapped block that is freed: after the first large event
/// (the body, the records) every later one is carved from the heap, which then fragments and keeps growing.
/// Fixed thresholds keep large blocks mmapped (returned to the system when freed) and the heap trimmed.
fn fixed_malloc_thresholds() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; called before anything else runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 * 1024);
    }
}

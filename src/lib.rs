//! score-fanout: a DynamoDB Streams fan-out Lambda. Records of the `GameEvents` table become typed domain events
//! (`PlayerAdded`, `ScoreChanged`, `PlayerRemoved`, from the `score-fanout-events` crate) published to EventBridge
//! and SNS, with `batchItemFailures` so that nothing is lost silently. The interface is fixed in the contract
//! (README, "Contract").
//!
//! The public face is what the function binary, the local tools, the benchmarks and the tests use: the
//! configuration, the [`Handler`] and what it returns ([`Handled`]), its two seams ([`Publish`], [`DeadLetter`]),
//! the wiring of the live parts, decoding, and logging as Lambda reads it.

#![warn(missing_docs)]

mod config;
mod dead_letter;
mod decode;
mod destinations;
mod dry_run;
mod errors;
mod event;
mod handler;
mod init_error;
mod logging;
mod metrics;
mod publish;
mod sdk;
mod sqs_text;
mod stdout;
#[cfg(test)]
mod test_support;
mod wiring;

pub use config::{Config, ConfigError, LogLevel, Topic, DEFAULT_EVENT_SOURCE, DEFAULT_MAX_IN_FLIGHT};
pub use dead_letter::{DeadLetter, DeadLetterError, Parked, Poison, SqsDeadLetter, MAX_DEAD_LETTER_BYTES};
pub use decode::{decode, sequence_number_of, Change, DecodeError, Decoded, RecordName};
pub use destinations::DestinationError;
pub use errors::{sdk_error_detail, with_causes};
pub use event::{Incoming, NotAStreamEvent, StreamEvent};
pub use handler::{Handled, Handler};
pub use init_error::{or_exit, InitFailure};
pub use logging::{init_logging, init_logging_in_blocks, init_logging_with};
pub use metrics::{metrics_output, Metrics, MetricsOutput, Tally};
pub use publish::{
    BatchOutcome, Delivery, EventBridgeSink, FanOut, Invocation, Publish, RetryBudget, SnsSink, FIRST_CALL_TIMEOUT,
};
pub use sdk::{function_sdk_config, sdk_config, sdk_loader, EndpointError};
pub use stdout::flush_log;
pub use wiring::{fan_out, live_handler, LiveHandler, Parking, Publisher};

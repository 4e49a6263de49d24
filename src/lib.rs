//! score-fanout: a DynamoDB Streams fan-out Lambda. Records of the `GameEvents` table become typed domain events
//! (`PlayerAdded`, `ScoreChanged`, `PlayerRemoved`) published to EventBridge and SNS, with `batchItemFailures`
//! so that nothing is lost silently. The interface is fixed in the contract (README, "Contract").

pub mod aws;
pub mod config;
pub mod dead_letter;
pub mod decode;
/// The domain: `PlayerScore` and the published events, from the `score-fanout-events` crate consumers use too.
pub use score_fanout_events as domain;
pub mod errors;
pub mod event;
pub mod handler;
pub mod init_error;
pub mod logging;
pub mod metrics;
pub mod publish;
#[cfg(test)]
mod test_support;

pub use config::Config;
pub use event::{Incoming, NotAStreamEvent, StreamEvent};
pub use handler::Handler;
pub use publish::RetryBudget;

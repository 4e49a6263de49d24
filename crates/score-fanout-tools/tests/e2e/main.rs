//! The tools' end-to-end tests, on the local AWS (moto, started once for the whole binary): the offline stack and
//! the demo's story, the fault matrix, the replay, the redrive and the subscription recipes of docs/events.md.
//! One test binary, because each links the AWS SDK and linking is most of a test build.

mod capacity;
mod cli;
mod custom_bus;
mod destinations;
mod faults;
mod offline;
mod recipes;
mod redrive;
mod redrive_poison;
mod redrive_sinks;
mod replay;
mod shards;
mod wire_faults;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use score_fanout_testkit::moto;
use std::time::Duration;

/// What the tests themselves ask of the shared local server: provisioning, writing the table, reading the stream,
/// the queues and the bucket. Patient, unlike the function: moto answers in seconds while other tests load it, and
/// a timeout of the harness would fail a test for nothing the function did.
async fn harness() -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    let patient = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(5))
        .timeout_config(timeouts);
    moto::sdk_at(patient, moto::endpoint()).await
}

/// The function's own SDK settings (`score_fanout::sdk_loader`), at an endpoint on this machine: the shared
/// local server, or a fault proxy in front of it.
async fn sdk_at(endpoint: &str) -> SdkConfig {
    moto::sdk_at(score_fanout::sdk_loader(), endpoint).await
}

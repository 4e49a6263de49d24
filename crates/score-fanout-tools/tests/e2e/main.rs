//! The tools' end-to-end tests, on the local AWS (moto, started once for the whole binary): the offline stack and
//! the demo's story, the fault matrix, the replay, the redrive and the subscription recipes of docs/events.md.
//! One test binary, because each links the AWS SDK and linking is most of a test build.

mod capacity;
mod cli;
mod faults;
mod offline;
mod recipes;
mod redrive;
mod replay;
mod shards;
mod wire_faults;

use aws_config::SdkConfig;
use score_fanout_testkit::moto;

/// The function's own SDK settings, pointed at the shared local server.
async fn sdk() -> SdkConfig {
    sdk_at(moto::endpoint()).await
}

/// As [`sdk`], at another endpoint on this machine (a fault proxy in front of the local server).
async fn sdk_at(endpoint: &str) -> SdkConfig {
    moto::sdk_at(score_fanout::aws::sdk_loader(), endpoint).await
}

//! The SDK configuration of the tools' own calls: an operator's run against the control planes (Lambda,
//! CloudFormation, DynamoDB Streams, S3, SQS) waits longer for an answer than the function may, since a slow answer is
//! not a reason to stop a provisioning or a redrive halfway. The function's handler, run by the tools, keeps its own
//! timeouts for publishing (its transport sets them per call).

use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use std::time::Duration;

/// The function's SDK settings (`score_fanout::sdk_loader`: region, credentials, endpoint, short retries) with
/// patient timeouts.
pub async fn operator_sdk_config() -> SdkConfig {
    let patient = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(20))
        .operation_timeout(Duration::from_secs(60))
        .build();
    score_fanout::sdk_loader().timeout_config(patient).load().await
}

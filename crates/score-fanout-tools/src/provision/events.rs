//! The offline stack's bus: the rule that delivers every score event to a queue a test can read, and the archive
//! (`ScoreEventsArchive`) that EventBridge replays from.

use super::error::{failed, invalid, ProvisionError};
use aws_config::SdkConfig;
use serde_json::json;

/// The event names the rule and the subscriptions route.
pub const EVENT_NAMES: [&str; 3] = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"];

/// The bus as provisioned.
pub(super) struct Bus {
    pub(super) name: String,
    pub(super) arn: String,
    pub(super) rule_arn: String,
    pub(super) archive: String,
}

/// Creates `{prefix}ScoreEventsBus` with its rule (events of `source`, to `queue_arn`) and its archive.
pub(super) async fn create(
    sdk: &SdkConfig,
    prefix: &str,
    source: &str,
    queue_arn: &str,
) -> Result<Bus, ProvisionError> {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    let name = format!("{prefix}ScoreEventsBus");
    let created = events.create_event_bus().name(&name).send().await.map_err(failed(&name))?;
    let arn = created.event_bus_arn.unwrap_or_default();
    let pattern = json!({ "source": [source], "detail-type": EVENT_NAMES }).to_string();
    let rule = "ScoreEventsRule";
    let put = events.put_rule().name(rule).event_bus_name(&name).event_pattern(&pattern).send().await;
    let rule_arn = put.map_err(failed(rule))?.rule_arn.unwrap_or_default();
    let target = aws_sdk_eventbridge::types::Target::builder().id("ScoreEventsRuleQueue").arn(queue_arn).build();
    let target = target.map_err(invalid(rule))?;
    events.put_targets().rule(rule).event_bus_name(&name).targets(target).send().await.map_err(failed(rule))?;
    let archive = format!("{prefix}ScoreEventsArchive");
    let request = events.create_archive().archive_name(&archive).event_source_arn(&arn).event_pattern(pattern);
    request.retention_days(30).send().await.map_err(failed(&archive))?;
    Ok(Bus { name, arn, rule_arn, archive })
}

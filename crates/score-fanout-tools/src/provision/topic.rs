//! The offline stack's topic, with the template's two subscriber queues (raw delivery; one filtered to
//! `ScoreChanged` of schema version 1), and a FIFO topic for checking per-player order.

use super::error::{failed, ProvisionError};
use super::queues::{queue_arn, Queues};
use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::json;

pub(super) async fn create(
    sdk: &SdkConfig,
    sqs: &aws_sdk_sqs::Client,
    topic: &str,
    queues: &Queues,
) -> Result<String, ProvisionError> {
    let sns = aws_sdk_sns::Client::new(sdk);
    let created = sns.create_topic().name(topic).send().await.map_err(failed(topic))?;
    let topic_arn = created.topic_arn.unwrap_or_default();
    let score_changed_only = json!({ "eventType": ["ScoreChanged"], "schemaVersion": ["1"] }).to_string();
    for (queue, filter) in [(&queues.all_events, None), (&queues.score_changed, Some(score_changed_only))] {
        let request = sns
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn(sqs, queue).await?)
            .attributes("RawMessageDelivery", "true");
        let request = match filter {
            Some(policy) => request.attributes("FilterPolicy", policy),
            None => request,
        };
        request.send().await.map_err(failed(queue))?;
    }
    Ok(topic_arn)
}

/// A FIFO topic with a FIFO queue subscribed (raw delivery), for checking per-player order. Returns the topic's
/// ARN and the queue's URL.
pub async fn provision_fifo(sdk: &SdkConfig, prefix: &str) -> Result<(String, String), ProvisionError> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let name = format!("{prefix}ScoreEventsFifoQueue.fifo");
    let created = sqs
        .create_queue()
        .queue_name(&name)
        .attributes(QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .map_err(failed(&name))?;
    let queue_url = created.queue_url.unwrap_or_default();
    let sns = aws_sdk_sns::Client::new(sdk);
    let topic = format!("{prefix}ScoreEventsTopic.fifo");
    let created =
        sns.create_topic().name(&topic).attributes("FifoTopic", "true").send().await.map_err(failed(&topic))?;
    let topic_arn = created.topic_arn.unwrap_or_default();
    sns.subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn(&sqs, &queue_url).await?)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .map_err(failed(&topic))?;
    Ok((topic_arn, queue_url))
}

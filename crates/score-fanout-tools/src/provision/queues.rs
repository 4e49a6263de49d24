//! The offline stack's queues: created with the contract's message size, and their ARNs for subscriptions and
//! rule targets.

use super::error::{failed, ProvisionError};
use aws_sdk_sqs::types::QueueAttributeName;

/// The queues of the offline stack, by URL.
#[derive(Clone, Debug)]
pub struct Queues {
    pub rule: String,
    pub all_events: String,
    pub score_changed: String,
    pub poison: String,
}

pub(super) async fn create_queue(sqs: &aws_sdk_sqs::Client, name: String) -> Result<(String, String), ProvisionError> {
    let created = sqs
        .create_queue()
        .queue_name(&name)
        // The contract's dead-letter limit; harmless on the other queues.
        .attributes(QueueAttributeName::MaximumMessageSize, "262144")
        .send()
        .await
        .map_err(failed(&name))?;
    Ok((created.queue_url.unwrap_or_default(), name))
}

pub(super) async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, ProvisionError> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(failed(url))?;
    Ok(attributes.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default())
}

/// The name of the queue the ordered bus's FIFO subscriber delivers to (the template's `OrderedScoreEventsQueue`).
pub const ORDERED_QUEUE: &str = "OrderedScoreEventsQueue.fifo";

/// The ordered bus's queue, FIFO: the Custom Event Bus's stand-in delivers each player's events to it in order
/// (`scripts/with-custom-bus` points its FIFO subscriber there). Its URL.
pub async fn provision_ordered_queue(sdk: &aws_config::SdkConfig) -> Result<String, ProvisionError> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let created = sqs.create_queue().queue_name(ORDERED_QUEUE).attributes(QueueAttributeName::FifoQueue, "true").send();
    Ok(created.await.map_err(failed(ORDERED_QUEUE))?.queue_url.unwrap_or_default())
}

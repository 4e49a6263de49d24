//! The offline stack: the template's resources, under the template's logical names, created on a local AWS-API
//! server (moto). The EventBridge rule delivers to `ScoreEventsRuleQueue`, a queue a test can read.

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType,
};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;
use score_fanout::errors::sdk_error_detail;
use serde_json::json;

/// The event names the rule and the subscriptions route.
pub const EVENT_NAMES: [&str; 3] = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"];

/// Why provisioning failed.
#[derive(Debug, thiserror::Error)]
#[error("provisioning {resource}: {detail}")]
pub struct ProvisionError {
    resource: String,
    detail: String,
}

fn failed<E, R>(resource: &str) -> impl FnOnce(SdkError<E, R>) -> ProvisionError + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |error| ProvisionError { resource: resource.to_owned(), detail: sdk_error_detail(&error) }
}

fn invalid(resource: &str) -> impl FnOnce(aws_sdk_sqs::error::BuildError) -> ProvisionError + '_ {
    move |error| ProvisionError { resource: resource.to_owned(), detail: error.to_string() }
}

/// The queues of the offline stack, by URL.
#[derive(Clone, Debug)]
pub struct Queues {
    pub rule: String,
    pub all_events: String,
    pub score_changed: String,
    pub poison: String,
    pub stream_failure: String,
}

/// Names and addresses of a provisioned offline stack.
#[derive(Clone, Debug)]
pub struct Stack {
    pub table: String,
    pub stream_arn: String,
    pub bus: String,
    pub topic_arn: String,
    pub queues: Queues,
}

/// Creates the stack. `prefix` keeps several stacks apart on one server (tests); the demo uses none.
pub async fn provision(sdk: &SdkConfig, prefix: &str, event_source: &str) -> Result<Stack, ProvisionError> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue = |name: &'static str| create_queue(&sqs, format!("{prefix}{name}"));
    let queues = Queues {
        rule: queue("ScoreEventsRuleQueue").await?.0,
        all_events: queue("AllScoreEventsQueue").await?.0,
        score_changed: queue("ScoreChangedQueue").await?.0,
        poison: queue("PoisonRecordQueue").await?.0,
        stream_failure: queue("StreamFailureQueue").await?.0,
    };
    let table = format!("{prefix}GameEvents");
    let stream_arn = create_table(&aws_sdk_dynamodb::Client::new(sdk), &table).await?;
    let bus = format!("{prefix}ScoreEventsBus");
    create_bus_and_rule(sdk, &bus, event_source, &queue_arn(&sqs, &queues.rule).await?).await?;
    let topic_arn = create_topic_and_subscriptions(sdk, &sqs, &format!("{prefix}ScoreEventsTopic"), &queues).await?;
    Ok(Stack { table, stream_arn, bus, topic_arn, queues })
}

async fn create_queue(sqs: &aws_sdk_sqs::Client, name: String) -> Result<(String, String), ProvisionError> {
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

async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> Result<String, ProvisionError> {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(failed(url))?;
    Ok(attributes.attributes().and_then(|a| a.get(&QueueAttributeName::QueueArn)).cloned().unwrap_or_default())
}

async fn create_table(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> Result<String, ProvisionError> {
    let key = |name: &str, key_type| KeySchemaElement::builder().attribute_name(name).key_type(key_type).build();
    let string =
        |name: &str| AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build();
    let stream =
        StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::NewAndOldImages).build();
    let output = dynamodb
        .create_table()
        .table_name(table)
        .key_schema(key("playerId", KeyType::Hash).map_err(invalid(table))?)
        .key_schema(key("date", KeyType::Range).map_err(invalid(table))?)
        .attribute_definitions(string("playerId").map_err(invalid(table))?)
        .attribute_definitions(string("date").map_err(invalid(table))?)
        .billing_mode(BillingMode::PayPerRequest)
        .stream_specification(stream.map_err(invalid(table))?)
        .send()
        .await
        .map_err(failed(table))?;
    let arn = output.table_description().and_then(|d| d.latest_stream_arn()).map(str::to_owned);
    arn.ok_or_else(|| ProvisionError { resource: table.to_owned(), detail: "the table has no stream".into() })
}

async fn create_bus_and_rule(sdk: &SdkConfig, bus: &str, source: &str, queue_arn: &str) -> Result<(), ProvisionError> {
    let events = aws_sdk_eventbridge::Client::new(sdk);
    events.create_event_bus().name(bus).send().await.map_err(failed(bus))?;
    let pattern = json!({ "source": [source], "detail-type": EVENT_NAMES }).to_string();
    let rule = "ScoreEventsRule";
    events.put_rule().name(rule).event_bus_name(bus).event_pattern(pattern).send().await.map_err(failed(rule))?;
    let target = aws_sdk_eventbridge::types::Target::builder().id("ScoreEventsRuleQueue").arn(queue_arn).build();
    let target = target.map_err(invalid(rule))?;
    events.put_targets().rule(rule).event_bus_name(bus).targets(target).send().await.map_err(failed(rule))?;
    Ok(())
}

async fn create_topic_and_subscriptions(
    sdk: &SdkConfig,
    sqs: &aws_sdk_sqs::Client,
    topic: &str,
    queues: &Queues,
) -> Result<String, ProvisionError> {
    let sns = aws_sdk_sns::Client::new(sdk);
    let created = sns.create_topic().name(topic).send().await.map_err(failed(topic))?;
    let topic_arn = created.topic_arn.unwrap_or_default();
    let score_changed_only = json!({ "eventType": ["ScoreChanged"] }).to_string();
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

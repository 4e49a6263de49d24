//! The offline stack: the template's resources, under the template's logical names, created on a local AWS-API
//! server (moto). The EventBridge rule delivers to `ScoreEventsRuleQueue`, a queue a test can read.

mod events;
mod topic;

pub use topic::provision_fifo;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType,
};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::QueueAttributeName;
use score_fanout::errors::sdk_error_detail;

/// The event names the rule and the subscriptions route.
pub const EVENT_NAMES: [&str; 3] = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"];

/// Why provisioning failed.
#[derive(Debug, thiserror::Error)]
#[error("provisioning {resource}: {detail}")]
pub struct ProvisionError {
    resource: String,
    detail: String,
}

pub(super) fn failed<E, R>(resource: &str) -> impl FnOnce(SdkError<E, R>) -> ProvisionError + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    move |error| ProvisionError { resource: resource.to_owned(), detail: sdk_error_detail(&error) }
}

pub(super) fn invalid(resource: &str) -> impl FnOnce(aws_sdk_sqs::error::BuildError) -> ProvisionError + '_ {
    move |error| ProvisionError { resource: resource.to_owned(), detail: error.to_string() }
}

/// The queues of the offline stack, by URL.
#[derive(Clone, Debug)]
pub struct Queues {
    pub rule: String,
    pub all_events: String,
    pub score_changed: String,
    pub poison: String,
}

/// Names and addresses of a provisioned offline stack.
#[derive(Clone, Debug)]
pub struct Stack {
    pub table: String,
    pub stream_arn: String,
    pub bus: String,
    pub bus_arn: String,
    /// The rule that delivers every score event to `ScoreEventsRuleQueue`.
    pub rule_arn: String,
    /// The bus's archive (`ScoreEventsArchive`), which EventBridge can replay.
    pub archive: String,
    pub topic_arn: String,
    pub queues: Queues,
    /// The on-failure destination (`StreamFailureBucket`): whole skipped batches.
    pub failure_bucket: String,
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
    };
    let table = format!("{prefix}GameEvents");
    let stream_arn = create_table(&aws_sdk_dynamodb::Client::new(sdk), &table).await?;
    let bus = events::create(sdk, prefix, event_source, &queue_arn(&sqs, &queues.rule).await?).await?;
    let topic_arn = topic::create(sdk, &sqs, &format!("{prefix}ScoreEventsTopic"), &queues).await?;
    let failure_bucket = create_bucket(sdk, &format!("{prefix}stream-failure-bucket").to_ascii_lowercase()).await?;
    let (bus, bus_arn, rule_arn, archive) = (bus.name, bus.arn, bus.rule_arn, bus.archive);
    Ok(Stack { table, stream_arn, bus, bus_arn, rule_arn, archive, topic_arn, queues, failure_bucket })
}

/// A versioned bucket, as the template's `StreamFailureBucket`.
async fn create_bucket(sdk: &SdkConfig, name: &str) -> Result<String, ProvisionError> {
    let s3 = aws_sdk_s3::Client::new(sdk);
    s3.create_bucket().bucket(name).send().await.map_err(failed(name))?;
    let versioning = aws_sdk_s3::types::VersioningConfiguration::builder()
        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled);
    let request = s3.put_bucket_versioning().bucket(name).versioning_configuration(versioning.build());
    request.send().await.map_err(failed(name))?;
    Ok(name.to_owned())
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

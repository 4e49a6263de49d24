//! The offline stack: the template's resources, under the template's logical names, created on a local AWS-API
//! server (moto). The EventBridge rule delivers to `ScoreEventsRuleQueue`, a queue a test can read; the function and
//! its role are a CloudFormation stack with the template's outputs ([`function`]), stored and never run.

mod error;
mod events;
mod function;
mod queues;
mod topic;

pub use error::ProvisionError;
pub use events::EVENT_NAMES;
pub use queues::{provision_ordered_queue, Queues, ORDERED_QUEUE};
pub use topic::provision_fifo;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, StreamSpecification,
    StreamViewType,
};
use error::{failed, invalid};
use queues::{create_queue, queue_arn};
use std::collections::BTreeMap;

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
    /// The function's `EVENT_SOURCE`.
    pub event_source: String,
    /// The CloudFormation stack holding the function and its role, with the template's outputs.
    pub stack_name: String,
    /// The function (`ScoreFanoutFunction`), stored with its environment and never run.
    pub function_name: String,
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
    let mut stack = Stack {
        table,
        stream_arn,
        bus,
        bus_arn,
        rule_arn,
        archive,
        topic_arn,
        queues,
        failure_bucket,
        event_source: event_source.to_owned(),
        stack_name: String::new(),
        function_name: String::new(),
    };
    let created = function::create(sdk, prefix, resources(&stack, &environment(&stack))).await?;
    (stack.stack_name, stack.function_name) = (created.stack_name, created.function_name);
    Ok(stack)
}

/// The function's environment, as the template sets it.
pub fn environment(stack: &Stack) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("EVENT_BUS_NAME", stack.bus.clone()),
        ("TOPIC_ARN", stack.topic_arn.clone()),
        ("EVENT_SOURCE", stack.event_source.clone()),
        ("DEAD_LETTER_QUEUE_URL", stack.queues.poison.clone()),
    ])
}

/// The template's outputs a redrive or a test reads.
fn resources<'a>(stack: &Stack, environment: &'a BTreeMap<&'static str, String>) -> function::Resources<'a> {
    let outputs = BTreeMap::from([
        ("GameEventsTableName", stack.table.clone()),
        ("GameEventsStreamArn", stack.stream_arn.clone()),
        ("ScoreEventsBusName", stack.bus.clone()),
        ("ScoreEventsTopicArn", stack.topic_arn.clone()),
        ("ScoreEventsSource", stack.event_source.clone()),
        ("PoisonRecordQueueUrl", stack.queues.poison.clone()),
        ("StreamFailureBucketName", stack.failure_bucket.clone()),
    ]);
    function::Resources { environment, outputs }
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
    arn.ok_or_else(|| ProvisionError::new(table, "the table has no stream"))
}

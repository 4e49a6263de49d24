//! The deployed function's own configuration, the only one a redrive uses: its environment (Lambda's
//! `GetFunctionConfiguration`), found by its name or through its stack's outputs (CloudFormation's
//! `DescribeStacks`), and its event source mapping (`ListEventSourceMappings`): the mapping's UUID and stream, which
//! tell its skipped batches from others in a shared bucket, and its S3 on-failure destination. A hand-set
//! environment could name one sink of two, or the wrong source, and every object would look done.

use super::outcome::RedriveError;
use aws_config::SdkConfig;
use score_fanout::{sdk_error_detail, Config, ConfigError};
use std::collections::BTreeMap;

/// The stack output that names the function.
pub const FUNCTION_OUTPUT: &str = "ScoreFanoutFunctionName";
/// The stack output that names the on-failure bucket.
pub const BUCKET_OUTPUT: &str = "StreamFailureBucketName";
/// Stack outputs that repeat a variable of the function's environment: a difference is worth telling. The bus is
/// one of two outputs: the classic bus's name, or with `EventBusKind` `Custom` the Custom Event Bus's ARN.
const ECHOED_OUTPUTS: [(&str, &str); 5] = [
    ("ScoreEventsBusName", "EVENT_BUS_NAME"),
    ("OrderedScoreEventsBusArn", "EVENT_BUS_NAME"),
    ("ScoreEventsTopicArn", "TOPIC_ARN"),
    ("ScoreEventsSource", "EVENT_SOURCE"),
    ("PoisonRecordQueueUrl", "DEAD_LETTER_QUEUE_URL"),
];

/// Which function a redrive is for.
#[derive(Clone, Debug)]
pub enum Target {
    /// `--function-name`: its name or ARN.
    Function(String),
    /// `--stack-name`: the stack whose `ScoreFanoutFunctionName` output names it.
    Stack(String),
}

/// The function as deployed.
#[derive(Clone, Debug, Default)]
pub struct Deployed {
    pub function_name: String,
    /// Its environment's variables.
    pub environment: BTreeMap<String, String>,
    /// Its event source mapping of a DynamoDB stream, when it has one (on AWS; never offline).
    pub mapping: Option<StreamMapping>,
    /// The stack's `StreamFailureBucketName` output, when found through a stack.
    pub stack_bucket: Option<String>,
    /// What an operator should know: a stack output that differs from the function's variable, say.
    pub notes: Vec<String>,
}

/// A function's event source mapping of a DynamoDB stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamMapping {
    pub uuid: String,
    pub stream_arn: String,
    /// The bucket of its S3 on-failure destination, when it has one.
    pub bucket: Option<String>,
}

impl Deployed {
    /// The function's `Config`, read from its environment as its init reads it.
    pub fn config(&self) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| self.environment.get(name).cloned())
    }

    /// The bucket its skipped batches are in: the mapping's destination, else the stack's output, else `flag`
    /// (`--bucket`); a `flag` that names another bucket is refused.
    pub fn bucket(&self, flag: Option<&str>) -> Result<String, String> {
        let known = self.mapping.as_ref().and_then(|m| m.bucket.clone()).or_else(|| self.stack_bucket.clone());
        match (known, flag) {
            (Some(known), Some(flag)) if known != flag => Err(format!(
                "--bucket {flag} is not where {} keeps its skipped batches (s3://{known}): leave --bucket out",
                self.function_name
            )),
            (Some(known), _) => Ok(known),
            (None, Some(flag)) => Ok(flag.to_owned()),
            (None, None) => Err(format!(
                "{} has no event source mapping with an S3 on-failure destination: give --bucket",
                self.function_name
            )),
        }
    }
}

/// Finds `target` and reads its configuration.
pub async fn find(sdk: &SdkConfig, target: &Target) -> Result<Deployed, RedriveError> {
    let lambda = aws_sdk_lambda::Client::new(sdk);
    match target {
        Target::Function(name) => from_function(&lambda, name).await,
        Target::Stack(stack) => {
            let outputs = stack_outputs(&aws_sdk_cloudformation::Client::new(sdk), stack).await?;
            let Some(name) = outputs.get(FUNCTION_OUTPUT) else {
                let detail = format!("no output {FUNCTION_OUTPUT}: not a score-fanout stack");
                return Err(RedriveError { operation: "DescribeStacks", resource: stack.clone(), detail });
            };
            let mut deployed = from_function(&lambda, name).await?;
            deployed.stack_bucket = outputs.get(BUCKET_OUTPUT).cloned();
            deployed.notes.extend(differences(&outputs, &deployed.environment));
            Ok(deployed)
        }
    }
}

async fn from_function(lambda: &aws_sdk_lambda::Client, name: &str) -> Result<Deployed, RedriveError> {
    let fail = |operation, detail| RedriveError { operation, resource: name.to_owned(), detail };
    let configuration = lambda.get_function_configuration().function_name(name).send().await;
    let configuration = configuration.map_err(|e| fail("GetFunctionConfiguration", sdk_error_detail(&e)))?;
    let environment = configuration.environment.and_then(|e| e.variables).unwrap_or_default();
    let function_name = configuration.function_name.unwrap_or_else(|| name.to_owned());
    let mut mappings = Vec::new();
    let mut pages = lambda.list_event_source_mappings().function_name(name).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| fail("ListEventSourceMappings", sdk_error_detail(&e)))?;
        mappings.extend(page.event_source_mappings.unwrap_or_default().into_iter().filter_map(stream_mapping));
    }
    if mappings.len() > 1 {
        let streams: Vec<&str> = mappings.iter().map(|m| m.stream_arn.as_str()).collect();
        let detail =
            format!("{} DynamoDB stream mappings ({}): a redrive serves one", mappings.len(), streams.join(", "));
        return Err(fail("ListEventSourceMappings", detail));
    }
    let environment = environment.into_iter().collect();
    Ok(Deployed { function_name, environment, mapping: mappings.pop(), ..Deployed::default() })
}

/// The mapping, if it reads a DynamoDB stream.
fn stream_mapping(mapping: aws_sdk_lambda::types::EventSourceMappingConfiguration) -> Option<StreamMapping> {
    let stream_arn = mapping.event_source_arn.filter(|arn| arn.contains(":dynamodb:"))?;
    let destination = mapping.destination_config.and_then(|d| d.on_failure).and_then(|f| f.destination);
    let bucket = destination.as_deref().and_then(bucket_of_arn).map(str::to_owned);
    Some(StreamMapping { uuid: mapping.uuid?, stream_arn, bucket })
}

/// The bucket an S3 ARN names (`arn:<partition>:s3:::<bucket>`), if it is one.
pub fn bucket_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (service, bucket) = (parts.nth(2)?, parts.nth(2)?);
    (service == "s3" && !bucket.is_empty() && !bucket.contains('/')).then_some(bucket)
}

async fn stack_outputs(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<BTreeMap<String, String>, RedriveError> {
    let described = cfn.describe_stacks().stack_name(stack).send().await;
    let fail = |detail| RedriveError { operation: "DescribeStacks", resource: stack.to_owned(), detail };
    let stacks = described.map_err(|e| fail(sdk_error_detail(&e)))?.stacks.unwrap_or_default();
    let outputs = stacks.into_iter().next().ok_or_else(|| fail("no such stack".to_owned()))?.outputs;
    Ok(outputs.unwrap_or_default().into_iter().filter_map(|o| Some((o.output_key?, o.output_value?))).collect())
}

/// A note for each stack output that says otherwise than the function's own variable: the function's is used.
fn differences(outputs: &BTreeMap<String, String>, environment: &BTreeMap<String, String>) -> Vec<String> {
    ECHOED_OUTPUTS
        .iter()
        .filter_map(|(output, variable)| {
            let (said, has) = (outputs.get(*output)?, environment.get(*variable).map_or("(unset)", String::as_str));
            // Another output naming the same variable may be the one the function follows.
            let echoed = ECHOED_OUTPUTS.iter().any(|(o, v)| v == variable && outputs.get(*o).is_some_and(|x| x == has));
            (!echoed).then(|| {
                format!("the stack's output {output} is {said}, the function's {variable} {has}: using the function's")
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "deployed_tests.rs"]
mod tests;

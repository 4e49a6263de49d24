//! The offline stack's function, as a CloudFormation stack on the local server: the role (`ScoreFanoutRole`), the
//! function (`ScoreFanoutFunction`) with the environment it has in Lambda, and the template's outputs, so that the
//! redrive finds the function's configuration offline as on AWS (`--function-name`, `--stack-name`). moto stores a
//! function without running it. No event source mapping: moto would run the function in Docker on every write, and
//! drain the stream the local mapping reads.

use super::error::{failed, ProvisionError};
use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::StackStatus;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The function's stack as created.
pub(super) struct Function {
    pub(super) stack_name: String,
    pub(super) function_name: String,
}

/// The stack's outputs under the template's names, with the function's environment (`EVENT_BUS_NAME`, ...).
pub(super) struct Resources<'a> {
    pub(super) environment: &'a BTreeMap<&'static str, String>,
    pub(super) outputs: BTreeMap<&'static str, String>,
}

/// Creates `{prefix}score-fanout`: `{prefix}ScoreFanoutRole` and `{prefix}ScoreFanoutFunction` with `resources`.
pub(super) async fn create(
    sdk: &SdkConfig,
    prefix: &str,
    resources: Resources<'_>,
) -> Result<Function, ProvisionError> {
    let cloudformation = aws_sdk_cloudformation::Client::new(sdk);
    let stack_name = format!("{prefix}score-fanout");
    let function_name = format!("{prefix}ScoreFanoutFunction");
    let template = template(prefix, &function_name, &resources).to_string();
    let request = cloudformation.create_stack().stack_name(&stack_name).template_body(template);
    match request.send().await {
        // An attempt the SDK gave up on may have created it: it is then waited for as any other.
        Err(error) if error.as_service_error().is_some_and(|e| e.is_already_exists_exception()) => {}
        answer => answer.map(|_| ()).map_err(failed(&stack_name))?,
    }
    // moto creates a stack at once; the wait is for a server that takes its time.
    for _ in 0..50 {
        let described = cloudformation.describe_stacks().stack_name(&stack_name).send().await;
        let stacks = described.map_err(failed(&stack_name))?.stacks.unwrap_or_default();
        match stacks.first().and_then(|stack| stack.stack_status.clone()) {
            Some(StackStatus::CreateComplete) => return Ok(Function { stack_name, function_name }),
            Some(StackStatus::CreateInProgress) => tokio::time::sleep(Duration::from_millis(100)).await,
            other => return Err(ProvisionError::new(&stack_name, format!("stack status {other:?}"))),
        }
    }
    Err(ProvisionError::new(&stack_name, "not created within 5 s"))
}

fn template(prefix: &str, function_name: &str, resources: &Resources<'_>) -> Value {
    let trust = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let mut outputs: serde_json::Map<String, Value> =
        resources.outputs.iter().map(|(name, value)| (name.to_string(), json!({"Value": value}))).collect();
    outputs.insert("ScoreFanoutFunctionName".into(), json!({"Value": {"Ref": "ScoreFanoutFunction"}}));
    json!({
        "Resources": {
            "ScoreFanoutRole": {"Type": "AWS::IAM::Role", "Properties": {
                "RoleName": format!("{prefix}ScoreFanoutRole"), "AssumeRolePolicyDocument": trust}},
            "ScoreFanoutFunction": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": function_name,
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Role": {"Fn::GetAtt": ["ScoreFanoutRole", "Arn"]},
                // Never run: moto keeps the code, and nothing invokes the function.
                "Code": {"ZipFile": "score-fanout offline: stored, never run"},
                "Environment": {"Variables": resources.environment}}}
        },
        "Outputs": outputs
    })
}

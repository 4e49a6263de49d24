"""Stacks beside each other and around this one: two stacks of the template in one account (every account-wide name
carries the stack name, and samconfig's development environment, the one `sam sync` deploys, has a table of its own),
subscribers in other accounts (SubscriberAccountIds, the topic and bus policies, exported outputs), and X-Ray across
the topic."""

import json
import re
import tomllib

from conftest import ROOT, of_type, sub_text, sub_variables

# The properties that name something account-wide (or Region-wide), by resource type.
ACCOUNT_WIDE_NAMES = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::EventSchemas::Registry": "RegistryName",
    "AWS::XRay::ResourcePolicy": "PolicyName",
    "AWS::Logs::ResourcePolicy": "PolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::EventBus": "Name",
    "AWS::Events::Rule": "Name",
    "AWS::Events::Archive": "ArchiveName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Serverless::Function": "FunctionName",
}
# Names that must be set, so that an alarm page or an import names its stack.
REQUIRED = {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::EventSchemas::Registry", "AWS::XRay::ResourcePolicy"}


def unique_per_stack(value, template):
    """Whether a name is built from the stack name, or from the generated name of one of this stack's resources."""
    variables = sub_variables(value)
    return "AWS::StackName" in variables or any(v.split(".")[0] in template["Resources"] for v in variables)


def samconfig():
    return tomllib.loads((ROOT / "samconfig.toml").read_text())


def overrides(section):
    text = section.get("parameter_overrides", "")
    return dict(pair.split("=", 1) for pair in text.split())


def test_every_account_wide_name_carries_the_stack_name(template):
    for logical_id, resource in template["Resources"].items():
        name_property = ACCOUNT_WIDE_NAMES.get(resource["Type"])
        if name_property is None:
            continue
        name = resource.get("Properties", {}).get(name_property)
        if name is None:
            assert resource["Type"] not in REQUIRED, f"{logical_id} has no {name_property}"
            continue
        if logical_id == "GameEventsTable":
            assert name == {"Ref": "TableName"}, "the table's name is the TableName parameter (see the samconfig test)"
            continue
        assert unique_per_stack(name, template), f"{logical_id}.{name_property} {name} does not carry ${{AWS::StackName}}"
    for key, output in template["Outputs"].items():
        if "Export" in output:
            assert output["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-" + key}, key


def test_sam_sync_deploys_a_development_stack_with_a_table_of_its_own_never_production():
    config = samconfig()
    production = config["default"]["global"]["parameters"]["stack_name"]
    for env in ["default", "dev"]:
        sections = config[env]
        stack = sections.get("sync", {}).get("parameters", {}).get("stack_name") or sections["global"]["parameters"]["stack_name"]
        assert stack != production, f"`sam sync --config-env {env}` would deploy the production stack {production}"
        assert sections["sync"]["parameters"]["watch"] is True
        table = overrides(sections["sync"]["parameters"]).get("TableName")
        assert table and table != "GameEvents", f"{env}: the development stack's table must not be production's"
    dev = config["dev"]
    assert dev["global"]["parameters"]["stack_name"] == config["default"]["sync"]["parameters"]["stack_name"]
    assert overrides(dev["deploy"]["parameters"]) == overrides(dev["sync"]["parameters"]) == overrides(config["default"]["sync"]["parameters"])


def test_subscriber_accounts_are_a_parameter_that_allows_none_by_default(template):
    parameter = template["Parameters"]["SubscriberAccountIds"]
    assert (parameter["Type"], parameter["Default"]) == ("CommaDelimitedList", "")
    assert re.fullmatch(parameter["AllowedPattern"], "123456789012") and re.fullmatch(parameter["AllowedPattern"], "")
    assert not re.fullmatch(parameter["AllowedPattern"], "12345")
    condition = template["Conditions"]["HasSubscriberAccounts"]
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "SubscriberAccountIds"}]}, ""]}]}


def test_subscriber_accounts_may_subscribe_to_the_topic_and_manage_only_their_own_rules_on_the_bus(template):
    (topic_policy,) = [p for p in of_type(template, "AWS::SNS::TopicPolicy").values()
                       if p["Properties"]["Topics"] == [{"Ref": "ScoreEventsTopic"}]]
    assert topic_policy["Condition"] == "HasSubscriberAccounts"
    (statement,) = topic_policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Ref": "SubscriberAccountIds"}}
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Allow", "sns:Subscribe", {"Ref": "ScoreEventsTopic"})

    (bus_policy,) = of_type(template, "AWS::Events::EventBusPolicy").values()
    assert bus_policy["Condition"] == "HasSubscriberAccounts"
    props = bus_policy["Properties"]
    assert props["EventBusName"] == {"Ref": "ScoreEventsBus"}
    statement = props["Statement"]
    assert statement["Principal"] == {"AWS": {"Ref": "SubscriberAccountIds"}}
    assert "events:PutEvents" not in statement["Action"], "subscribers read the bus, they do not publish to it"
    assert {"events:PutRule", "events:PutTargets", "events:DeleteRule", "events:RemoveTargets"} <= set(statement["Action"])
    assert sub_text(statement["Resource"]).endswith(":rule/${ScoreEventsBus}/*")
    assert statement["Condition"] == {"StringEqualsIfExists": {"events:creatorAccount": "${aws:PrincipalAccount}"}}


def test_what_subscribers_need_is_exported_by_name(template):
    outputs = template["Outputs"]
    for key, value in {
        "ScoreEventsTopicArn": {"Ref": "ScoreEventsTopic"},
        "ScoreEventsBusName": {"Ref": "ScoreEventsBus"},
        "ScoreEventsBusArn": {"Fn::GetAtt": ["ScoreEventsBus", "Arn"]},
        "ScoreEventsSource": {"Ref": "EventSource"},
        "ScoreEventsSchemaRegistryName": {"Fn::GetAtt": ["ScoreEventsSchemaRegistry", "RegistryName"]},
    }.items():
        assert outputs[key]["Value"] == value, key
        assert outputs[key]["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-" + key}, key


def test_the_topic_traces_actively_and_x_ray_lets_sns_send_its_segments(template):
    topic = template["Resources"]["ScoreEventsTopic"]["Properties"]
    assert topic["TracingConfig"] == "Active"
    assert "FifoTopic" not in topic, "SNS traces standard topics"
    (policy,) = of_type(template, "AWS::XRay::ResourcePolicy").values()
    document = json.loads(sub_text(policy["Properties"]["PolicyDocument"]))
    (statement,) = document["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert "xray:PutTraceSegments" in statement["Action"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "${AWS::AccountId}"}
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": "${ScoreEventsTopic}"}


def test_the_subscriber_stack_of_docs_events_lints_clean_and_filters_as_the_template_does(template):
    from cfnlint.api import lint
    from cfnlint.decode import decode_str

    page = (ROOT / "docs" / "events.md").read_text()
    section = page[page.index("## Subscribing from another account"):]
    stack = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert [str(match) for match in lint(stack)] == []
    parsed, problems = decode_str(stack)
    assert not problems, problems
    assert set(parsed["Parameters"]) >= {"ScoreEventsTopicArn", "ScoreEventsBusArn", "ScoreEventsSource"}
    (subscription,) = [r["Properties"] for r in parsed["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    ours = template["Resources"]["ScoreChangedSubscription"]["Properties"]
    assert subscription["FilterPolicy"] == ours["FilterPolicy"]
    rules = [r["Properties"] for r in parsed["Resources"].values() if r["Type"] == "AWS::Events::Rule"]
    assert {"Ref": "ScoreEventsBusArn"} in [rule["EventBusName"] for rule in rules], "a rule on score-fanout's bus"

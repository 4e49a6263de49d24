"""Stacks beside each other and around this one: two stacks of the template in one account (every account-wide name
carries the stack name, and samconfig's development environment, the one `sam sync` deploys, has a table of its own),
subscribers in other accounts (SubscriberAccountIds, the topic and bus policies, exported outputs), X-Ray across the
topic, and what every stack takes from the account: names that fit whatever the stack's name, and the quotas."""

import json
import re
import tomllib

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from conftest import BUS_KINDS, ROOT, SUBSCRIBER_ACCOUNT, of_type, resolve, sub_text, sub_variables

DEPLOY_DOC = ROOT / "docs" / "deploy.md"

# The properties that name something account-wide (or Region-wide), by resource type.
ACCOUNT_WIDE_NAMES = {
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::EventSchemas::Registry": "RegistryName",
    "AWS::XRay::ResourcePolicy": "PolicyName",
    "AWS::Logs::ResourcePolicy": "PolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Events::EventBus": "Name",
    "AWS::EventsV2::EventBus": "Name",
    "AWS::EventsV2::Subscriber": "Name",
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


def on_this_stacks_bus(resource, template):
    """A rule's name is unique per bus: on a bus of this stack, a fixed name is this stack's alone."""
    bus = resource.get("Properties", {}).get("EventBusName")
    return resource["Type"] == "AWS::Events::Rule" and isinstance(bus, dict) and bus.get("Ref") in template["Resources"]


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
        if on_this_stacks_bus(resource, template):
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
        "OrderedScoreEventsBusArn": {"Fn::GetAtt": ["OrderedScoreEventsBus", "EventBusArn"]},
    }.items():
        assert outputs[key]["Value"] == value, key
        assert outputs[key]["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-" + key}, key
    # The classic bus's exports stay with the Custom Event Bus: CloudFormation refuses to remove an imported export.
    custom = resolve(template, {"EventBusKind": "Custom"})["Outputs"]
    assert {"ScoreEventsBusName", "ScoreEventsBusArn", "OrderedScoreEventsBusArn"} <= set(custom)
    assert "OrderedScoreEventsBusArn" not in resolve(template, {"EventBusKind": "Classic"})["Outputs"]


def test_subscriber_accounts_may_attach_subscribers_to_the_ordered_bus_through_a_ram_share(template):
    """The EventBridge guide recommends sharing a Custom Event Bus through AWS RAM over a bus policy; SubscribeOnly is
    the narrowest managed permission that lets an account attach subscribers, and it publishes nothing."""
    (name,) = of_type(template, "AWS::RAM::ResourceShare")
    share = template["Resources"][name]
    assert share["Condition"] == "SharesOrderedScoreEventsBus"
    assert template["Conditions"]["SharesOrderedScoreEventsBus"] == {
        "Fn::And": [{"Condition": "UseCustomEventBus"}, {"Condition": "HasSubscriberAccounts"}]}
    props = share["Properties"]
    assert props["ResourceArns"] == [{"Fn::GetAtt": ["OrderedScoreEventsBus", "EventBusArn"]}]
    assert props["Principals"] == {"Ref": "SubscriberAccountIds"}
    assert props["PermissionArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ram::aws:permission/AWSRAMEventBridgeEventBusV2SubscribeOnly"}]
    assert props["AllowExternalPrincipals"] is True, "subscriber accounts need not be in this account's organization"
    assert of_type(template, "AWS::EventsV2::ResourcePolicy") == {}, "one way to share the bus, not two"
    for kind in BUS_KINDS:
        for accounts in ["", SUBSCRIBER_ACCOUNT]:
            shared = name in resolve(template, {"EventBusKind": kind, "SubscriberAccountIds": accounts})["Resources"]
            assert shared == (kind == "Custom" and accounts != ""), (kind, accounts)


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


def test_subscriber_accounts_may_do_all_that_cloudformation_does_to_manage_their_rule_on_the_bus(template):
    """A subscriber's stack holds an AWS::Events::Rule on our bus: CloudFormation's handlers for it call what the
    resource type's registry schema lists, for create, read, update and delete (tagging included)."""
    handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Events::Rule").schema["handlers"]
    needed = {permission for operation in ["create", "read", "update", "delete"]
              for permission in handlers[operation]["permissions"] if permission.startswith("events:")}
    assert {"events:TagResource", "events:UntagResource", "events:ListTagsForResource"} <= needed
    (bus_policy,) = of_type(template, "AWS::Events::EventBusPolicy").values()
    statement = bus_policy["Properties"]["Statement"]
    assert needed <= set(statement["Action"]), needed - set(statement["Action"])
    # Scoped as the rest: this bus's rules, each account its own.
    assert sub_text(statement["Resource"]).endswith(":rule/${ScoreEventsBus}/*")
    assert statement["Condition"] == {"StringEqualsIfExists": {"events:creatorAccount": "${aws:PrincipalAccount}"}}


# CloudFormation takes stack names of up to 128 characters (letters, digits, hyphens; a letter first).
LONGEST_STACK_NAME = ("score-fanout-dev-" * 8)[:127] + "x"
# Every name the template can give a resource, and the most characters its service takes (the API reference of the
# call that creates it, or the service's naming rules). None: no maximum is documented (the schema registry's API
# reference and resource schema state none for registry and schema names).
NAME_LIMITS = {
    ("AWS::CloudWatch::Alarm", "AlarmName"): 255,  # PutMetricAlarm
    ("AWS::CloudWatch::Dashboard", "DashboardName"): 255,  # PutDashboard
    ("AWS::EventSchemas::Registry", "RegistryName"): None,
    ("AWS::EventSchemas::Schema", "SchemaName"): None,
    ("AWS::XRay::ResourcePolicy", "PolicyName"): 128,  # PutResourcePolicy
    ("AWS::Logs::LogGroup", "LogGroupName"): 512,  # CreateLogGroup
    ("AWS::Events::EventBus", "Name"): 256,  # CreateEventBus
    ("AWS::EventsV2::EventBus", "Name"): 256,  # CreateEventBus (eventbridgev2)
    ("AWS::EventsV2::Subscriber", "Name"): 256,  # CreateSubscriber
    ("AWS::RAM::ResourceShare", "Name"): None,  # CreateResourceShare states no maximum
    ("AWS::Events::Rule", "Name"): 64,  # PutRule
    ("AWS::Events::Archive", "ArchiveName"): 48,  # CreateArchive
    ("AWS::Events::EventBusPolicy", "StatementId"): 64,  # PutPermission
    ("AWS::DynamoDB::Table", "TableName"): 255,  # DynamoDB naming rules
    ("AWS::SQS::Queue", "QueueName"): 80,  # CreateQueue
    ("AWS::SNS::Topic", "TopicName"): 256,  # CreateTopic
    ("AWS::S3::Bucket", "BucketName"): 63,  # bucket naming rules
    ("AWS::IAM::Role", "RoleName"): 64,  # CreateRole
    ("AWS::Serverless::Function", "FunctionName"): 64,  # CreateFunction (the name alone)
}
NAME_PROPERTY = {resource_type: name for resource_type, name in NAME_LIMITS}


def longest(name, template):
    """The longest value a ${name} can take: the stack's name, a parameter at its longest, a resource's own name."""
    if name == "AWS::StackName":
        return LONGEST_STACK_NAME
    if name in template["Parameters"]:
        parameter = template["Parameters"][name]
        if "MaxLength" in parameter:
            return "a" * parameter["MaxLength"]
        return "a" * int(re.search(r"\{\d+,(\d+)\}$", parameter["AllowedPattern"]).group(1))
    resource = template["Resources"][name]
    return rendered(resource["Properties"][NAME_PROPERTY[resource["Type"]]], template)


def rendered(value, template):
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return longest(value["Ref"], template)
    return re.sub(r"\$\{([^}!][^}]*)\}", lambda found: longest(found.group(1), template), sub_text(value))


def names(template):
    """(logical ID, type, property, value) of every name the template gives a resource."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        key = NAME_PROPERTY.get(resource["Type"])
        if key is None:
            # A type missing from NAME_LIMITS must not be named after the stack either.
            named = [k for k, v in properties.items() if k.endswith("Name") and "AWS::StackName" in sub_variables(v)]
            assert not named, f"{logical_id}.{named}: add {resource['Type']} and its documented limit to NAME_LIMITS"
        elif key in properties:
            yield logical_id, resource["Type"], key, properties[key]


def test_every_name_fits_its_service_whatever_the_stacks_name(template):
    """A 128-character stack name must deploy: each name rendered with it (and each parameter at its longest) fits
    the documented limit, and CloudFormation generates the names that could not fit (a rule, the archive)."""
    assert len(LONGEST_STACK_NAME) == 128 and re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9]*", LONGEST_STACK_NAME)
    checked = set()
    for logical_id, resource_type, key, value in names(template):
        name = rendered(value, template)
        limit = NAME_LIMITS[(resource_type, key)]
        if limit is not None:
            assert len(name) <= limit, f"{logical_id}.{key} is {len(name)} characters, {resource_type} takes {limit}"
            checked.add(logical_id)
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema["properties"].get(key, {})
        if limit is not None and "maxLength" in schema:
            assert limit <= schema["maxLength"], f"NAME_LIMITS is looser than the resource schema for {resource_type}.{key}"
        if "pattern" in schema:
            assert re.search(schema["pattern"], name), f"{logical_id}.{key} {name!r} does not match {schema['pattern']}"
    assert len(checked) >= 8
    # The Custom Event Bus's names too, though only its stack creates them.
    assert {"OrderedScoreEventsBus", "OrderedScoreEventsSubscriber", "OrderedScoreEventsDeadLettersAlarm"} <= checked
    for logical_id in ["StreamFailureBucketObjectRule", "ScoreEventsArchive"]:
        resource = template["Resources"][logical_id]
        assert NAME_PROPERTY[resource["Type"]] not in resource["Properties"], f"{logical_id}: CloudFormation names it"


def test_each_stack_takes_one_x_ray_resource_policy_and_no_account_wide_logs_policy(template):
    """An account holds 5 X-Ray resource policies per region (each stack takes one) and 10 account-level CloudWatch
    Logs resource policies, but a policy attached to a log group is that group's own."""
    assert of_type(template, "AWS::Logs::ResourcePolicy") == {}
    for rule in of_type(template, "AWS::Events::Rule").values():
        for target in rule["Properties"]["Targets"]:
            groups = [v for v in sub_variables(target["Arn"]) if v in of_type(template, "AWS::Logs::LogGroup")]
            for group in groups:
                assert "ResourcePolicyDocument" in template["Resources"][group]["Properties"], group
    assert len(of_type(template, "AWS::XRay::ResourcePolicy")) == 1
    deploy = DEPLOY_DOC.read_text()
    limits = deploy[deploy.index("## Limits"):]
    limits = limits[:limits.index("\n## ", 1)]
    for quota in ["5 X-Ray resource policies", "10 schema registries", "128 characters", "5 Custom Event Buses"]:
        assert quota in limits, f"docs/deploy.md's Limits do not say {quota!r}"

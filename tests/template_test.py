"""The SAM template's wiring, read with cfn-lint's decoder (it understands !Ref and friends), so it cannot drift.

Most tests read template.yaml as written. Some read it the way CloudFormation will see it: translated by the SAM
translator (offline: its bundled managed-policy list, no AWS call), to check that SAM adds no role or policy of its own
and to check the event source mapping it generates. Those that depend on the bus the function publishes to read the
stack resolved for each value of EventBusKind (conftest.resolve). One checks local/env.dry-run.json against the
template, for `sam local invoke --env-vars`.
"""

import json
import re
from pathlib import Path

import pytest
from cfnlint.decode import decode
from classic_stack import RECORD, classic_stack
from conftest import BUS_KINDS, resolve, translate

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DRY_RUN_ENV_VARS = ROOT / "local" / "env.dry-run.json"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

LAYOUT = {
    "GameEventsTable": "AWS::DynamoDB::Table",
    "ScoreFanoutFunction": "AWS::Serverless::Function",
    "ScoreFanoutRole": "AWS::IAM::Role",
    "ScoreEventsBus": "AWS::Events::EventBus",
    "ScoreEventsTopic": "AWS::SNS::Topic",
    "PoisonRecordQueue": "AWS::SQS::Queue",
    "StreamFailureBucket": "AWS::S3::Bucket",
    "AllScoreEventsQueue": "AWS::SQS::Queue",
    "ScoreChangedQueue": "AWS::SQS::Queue",
    "ScoreEventsRule": "AWS::Events::Rule",
    "ScoreEventsLogGroup": "AWS::Logs::LogGroup",
    "AlarmTopic": "AWS::SNS::Topic",
}
# With EventBusKind Custom only.
ORDERED_LAYOUT = {
    "OrderedScoreEventsBus": "AWS::EventsV2::EventBus",
    "OrderedScoreEventsSubscriber": "AWS::EventsV2::Subscriber",
    "OrderedScoreEventsQueue": "AWS::SQS::Queue",
}
ORDERED_BUS_ARN = {"Fn::GetAtt": ["OrderedScoreEventsBus", "EventBusArn"]}


@pytest.fixture(scope="module")
def template():
    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return json.loads(json.dumps(parsed))  # plain dicts and lists, as the translator wants them


@pytest.fixture(scope="module")
def translated(template):
    """The CloudFormation template the SAM transform makes of ours, with the parameters at their defaults."""
    return translate(template)


@pytest.fixture(scope="module", params=BUS_KINDS)
def bus_kind(request):
    return request.param


@pytest.fixture(scope="module")
def stack(template, bus_kind):
    """The template as written, resolved for one value of EventBusKind."""
    return resolve(template, {"EventBusKind": bus_kind})


@pytest.fixture(scope="module")
def translated_stack(template, bus_kind):
    """SAM's translation with EventBusKind at one of its values, resolved for it."""
    parameters = {"EventBusKind": bus_kind}
    return resolve(translate(template, parameters), parameters)


def resource(template, logical_id, expected_type):
    found = template["Resources"][logical_id]
    assert found["Type"] == expected_type
    return found.get("Properties", {})


def of_type(template, resource_type):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def referenced(value):
    """Logical IDs (and parameters) a value refers to through Ref, Fn::GetAtt or ${...} in Fn::Sub."""
    found = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else inner.split(".")[0])
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else inner
                for name in re.findall(r"\$\{([^}!]+)\}", text):
                    if name in variables:
                        found |= referenced(variables[name])
                    elif not name.startswith("AWS::"):
                        found.add(name.split(".")[0])
            else:
                found |= referenced(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= referenced(inner)
    return found


def test_every_logical_id_of_the_layout_exists_with_its_type(template):
    for logical_id, resource_type in LAYOUT.items():
        assert logical_id in template["Resources"], logical_id
        assert template["Resources"][logical_id]["Type"] == resource_type, logical_id
    kind = template["Parameters"]["EventBusKind"]
    assert (kind["Type"], kind["Default"], kind["AllowedValues"]) == ("String", "Classic", list(BUS_KINDS))
    assert template["Conditions"]["UseCustomEventBus"] == {"Fn::Equals": [{"Ref": "EventBusKind"}, "Custom"]}
    for logical_id, resource_type in ORDERED_LAYOUT.items():
        assert logical_id in template["Resources"], logical_id
        assert template["Resources"][logical_id]["Type"] == resource_type, logical_id
        assert template["Resources"][logical_id]["Condition"] == "UseCustomEventBus", logical_id


def test_the_classic_stack_is_the_recorded_one_when_the_default_bus_is_kept(template):
    """Every resource (SAM's translation included) and output of the stack with EventBusKind at its default, names and
    properties, digest for digest as recorded in tests/classic-stack.json: a classic stack already deployed does not
    change when it is updated with the default."""
    recorded = json.loads(RECORD.read_text())
    now = classic_stack(template)
    for section in ("Resources", "Outputs"):
        changed = sorted(name for name in recorded[section].keys() | now[section].keys()
                         if recorded[section].get(name) != now[section].get(name))
        assert not changed, f"{section} of the classic stack changed: {changed} (tests/classic_stack.py says how to record it)"


def test_the_table_is_the_demo_table_with_a_new_and_old_images_stream(template):
    table = resource(template, "GameEventsTable", "AWS::DynamoDB::Table")
    assert table["TableName"] == {"Ref": "TableName"}
    assert template["Parameters"]["TableName"]["Default"] == "GameEvents"
    assert table["KeySchema"] == [{"AttributeName": "playerId", "KeyType": "HASH"}, {"AttributeName": "date", "KeyType": "RANGE"}]
    assert {"AttributeName": "playerId", "AttributeType": "S"} in table["AttributeDefinitions"]
    assert {"AttributeName": "date", "AttributeType": "S"} in table["AttributeDefinitions"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": {"Ref": "TimeToLiveAttribute"}, "Enabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_function_is_the_arm64_rust_bootstrap_with_json_logs(template):
    found = template["Resources"]["ScoreFanoutFunction"]
    assert (found["Metadata"]["BuildMethod"], found["Metadata"]["BuildProperties"]) == ("rust-cargolambda", {"Binary": "score-fanout"})
    function = found["Properties"]
    assert (function["Runtime"], function["Handler"], function["Architectures"]) == ("provided.al2023", "bootstrap", ["arm64"])
    assert function["MemorySize"] == 128
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["ApplicationLogLevel"] == {"Ref": "LogLevel"}
    assert template["Parameters"]["LogLevel"]["AllowedValues"] == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


def test_the_timeout_holds_the_whole_retry_budget_and_bounds_a_stuck_invocation(template):
    timeout = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Timeout"]
    # Retrying failed entries stops after 10 s, or when less than max(1 s, 10%) of the time is left: the 10 s must
    # fit before that reserve with room for the first attempt and a cold start, or outages end in timeouts.
    assert timeout - max(1, timeout / 10) >= 10 + 20
    # Each retry of a stuck invocation holds its shard for the whole timeout.
    assert timeout <= 120


def test_the_environment_points_at_this_stacks_bus_topic_source_and_dead_letter_queue(template, stack, bus_kind):
    variables = stack["Resources"]["ScoreFanoutFunction"]["Properties"]["Environment"]["Variables"]
    assert variables == {
        # The classic bus by its name; the Custom Event Bus by its ARN, the only way PutEvents names one.
        "EVENT_BUS_NAME": {"Classic": {"Ref": "ScoreEventsBus"}, "Custom": ORDERED_BUS_ARN}[bus_kind],
        "TOPIC_ARN": {"Ref": "ScoreEventsTopic"},
        "EVENT_SOURCE": {"Ref": "EventSource"},
        "DEAD_LETTER_QUEUE_URL": {"Ref": "PoisonRecordQueue"},
        "MAX_REQUESTS_IN_FLIGHT": {"Ref": "MaxRequestsInFlight"},
        "DRY_RUN": "false",
    }
    assert template["Parameters"]["EventSource"]["Default"] == "game.scores"
    # EventBridge's rules for Source, as the function checks them at init: a typo fails the deploy, not every entry.
    source = template["Parameters"]["EventSource"]
    assert (source["MinLength"], source["MaxLength"]) == (1, 256)
    pattern = re.compile(source["AllowedPattern"])
    assert pattern.fullmatch("game.scores") and not pattern.fullmatch("aws.game")
    in_flight = template["Parameters"]["MaxRequestsInFlight"]
    assert (in_flight["Default"], in_flight["MinValue"], in_flight["MaxValue"]) == (8, 1, 64)


# The namespaces whose resources hold data: no action of theirs may be granted on every resource of the account.
DATA_SERVICES = ("dynamodb:", "s3:", "sns:", "sqs:", "events:")


def role_statements(template_or_translation):
    (policy,) = template_or_translation["Resources"]["ScoreFanoutRole"]["Properties"]["Policies"]
    return policy["PolicyDocument"]["Statement"]


def listed(value):
    return value if isinstance(value, list) else [value]


def test_the_function_runs_with_a_role_of_its_own_and_sam_adds_nothing_to_it(template, stack, translated_stack, bus_kind):
    function = template["Resources"]["ScoreFanoutFunction"]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": ["ScoreFanoutRole", "Arn"]}
    # SAM ignores Policies once a role is given; none may sit there looking as if they applied.
    assert "Policies" not in function
    # CloudFormation sees exactly this role: SAM generated none, and attached no managed policy (AWSLambdaDynamoDB-
    # ExecutionRole, which the DynamoDB event would bring, reads every stream of the account). The other role of the
    # Custom Event Bus's stack is EventBridge's, to deliver to the ordered queue.
    roles = {"Classic": ["ScoreFanoutRole"], "Custom": ["ScoreFanoutRole", "OrderedScoreEventsDeliveryRole"]}[bus_kind]
    assert sorted(of_type(translated_stack, "AWS::IAM::Role")) == sorted(roles)
    translated = translated_stack
    assert translated["Resources"]["ScoreFanoutFunction"]["Properties"]["Role"] == {"Fn::GetAtt": ["ScoreFanoutRole", "Arn"]}
    role = translated["Resources"]["ScoreFanoutRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role_statements(translated) == role_statements(stack)
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert (trust["Effect"], trust["Principal"], trust["Action"]) == ("Allow", {"Service": "lambda.amazonaws.com"}, "sts:AssumeRole")


def test_no_dynamodb_s3_sns_sqs_or_eventbridge_action_is_granted_on_every_resource(stack):
    for statement in role_statements(stack):
        assert statement["Effect"] == "Allow"
        for action in listed(statement["Action"]):
            if not action.startswith(DATA_SERVICES):
                continue
            for target in listed(statement["Resource"]):
                assert not isinstance(target, str), f"{action} on {target}: name this stack's resource"
                assert referenced(target) and referenced(target) <= set(stack["Resources"]), (action, target)


def test_the_function_publishes_to_the_one_bus_of_its_kind_by_its_arn(stack, bus_kind):
    """SAM's EventBridge policy templates build classic `event-bus/` ARNs: the Custom Event Bus's grant is written by
    hand, on its ARN (`event-busv2/`), and the classic bus gets nothing from the function then."""
    bus = {"Classic": {"Fn::GetAtt": ["ScoreEventsBus", "Arn"]}, "Custom": ORDERED_BUS_ARN}[bus_kind]
    events = [statement for statement in role_statements(stack)
              if any(action.startswith("events:") for action in listed(statement["Action"]))]
    assert [(sorted(listed(s["Action"])), listed(s["Resource"])) for s in events] == [
        (["events:DescribeEventBus", "events:PutEvents"], [bus])]


def test_the_role_reads_only_this_tables_streams_and_writes_only_to_this_stacks_resources(stack, bus_kind):
    granted = {(action, json.dumps(target, sort_keys=True))
               for statement in role_statements(stack)
               for action in listed(statement["Action"]) for target in listed(statement["Resource"])}
    bus = {"Classic": {"Fn::GetAtt": ["ScoreEventsBus", "Arn"]}, "Custom": ORDERED_BUS_ARN}[bus_kind]
    stream = {"Fn::Sub": "${GameEventsTable.Arn}/stream/*"}  # every stream the table has or will have
    expected = [(action, stream) for action in
                ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]]
    expected += [
        # The S3 on-failure destination: Lambda writes skipped batches with the function's role.
        ("s3:PutObject", {"Fn::Sub": "${StreamFailureBucket.Arn}/*"}),
        ("s3:ListBucket", {"Fn::GetAtt": ["StreamFailureBucket", "Arn"]}),
        ("events:PutEvents", bus),
        ("sns:Publish", {"Ref": "ScoreEventsTopic"}),
        ("sqs:SendMessage", {"Fn::GetAtt": ["PoisonRecordQueue", "Arn"]}),
        # The destination checks at init, each on its destination only.
        ("events:DescribeEventBus", bus),
        ("sns:GetTopicAttributes", {"Ref": "ScoreEventsTopic"}),
        ("sqs:GetQueueAttributes", {"Fn::GetAtt": ["PoisonRecordQueue", "Arn"]}),
        ("logs:CreateLogStream", {"Fn::GetAtt": ["ScoreFanoutLogGroup", "Arn"]}),
        ("logs:PutLogEvents", {"Fn::GetAtt": ["ScoreFanoutLogGroup", "Arn"]}),
        # X-Ray takes these on "*" only.
        ("xray:PutTraceSegments", "*"),
        ("xray:PutTelemetryRecords", "*"),
    ]
    assert granted == {(action, json.dumps(target, sort_keys=True)) for action, target in expected}


def test_the_functions_log_group_is_named_after_the_stack_kept_and_the_one_lambda_writes_to(template):
    group = template["Resources"]["ScoreFanoutLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    # A replaced function's first log line cannot race CloudFormation for this name, and an update or a deleted stack
    # leaves the function's logs in place.
    assert group["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${AWS::StackName}/ScoreFanoutFunction"}
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert group["Properties"]["RetentionInDays"] == 30
    logging = template["Resources"]["ScoreFanoutFunction"]["Properties"]["LoggingConfig"]
    assert logging["LogGroup"] == {"Ref": "ScoreFanoutLogGroup"}
    deploy = DEPLOY_DOC.read_text()
    update = deploy[deploy.index("## Updating an existing stack"):]
    assert "/aws/lambda/<function name>" in update, "docs/deploy.md says what an update does to the old log group"


def test_the_stream_trigger_reports_item_failures_and_records_skipped_ranges(template):
    events = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Events"]
    (trigger,) = events.values()
    assert trigger["Type"] == "DynamoDB"
    props = trigger["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["GameEventsTable", "StreamArn"]}
    assert props["BatchSize"] == 100
    assert props["StartingPosition"] == "TRIM_HORIZON"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] == {"Ref": "MaximumRetryAttempts"}
    assert props["MaximumRecordAgeInSeconds"] == {"Ref": "MaximumRecordAgeInSeconds"}
    assert props["MaximumBatchingWindowInSeconds"] == {"Ref": "MaximumBatchingWindowInSeconds"}
    assert props["ParallelizationFactor"] == {"Ref": "ParallelizationFactor"}
    assert props["DestinationConfig"] == {"OnFailure": {"Type": "S3", "Destination": {"Fn::GetAtt": ["StreamFailureBucket", "Arn"]}}}
    parameters = template["Parameters"]
    # Bounded (-1 would mean forever): Lambda gives up on a record, and keeps it, before the stream's 24 hours end.
    assert parameters["MaximumRetryAttempts"]["MinValue"] == 0 and parameters["MaximumRetryAttempts"]["MaxValue"] <= 10000
    age = parameters["MaximumRecordAgeInSeconds"]
    assert (age["MinValue"], age["MaxValue"]) == (60, 22 * 3600)
    assert 60 <= age["Default"] <= 6 * 3600


def test_the_generated_event_source_mapping_is_the_one_cloudformation_creates(translated):
    (mapping,) = of_type(translated, "AWS::Lambda::EventSourceMapping").values()
    props = mapping["Properties"]
    assert props["FunctionName"] == {"Ref": "ScoreFanoutFunction"}
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["GameEventsTable", "StreamArn"]}
    assert (props["BatchSize"], props["StartingPosition"], props["BisectBatchOnFunctionError"]) == (100, "TRIM_HORIZON", True)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": ["StreamFailureBucket", "Arn"]}}}


def test_the_topic_and_the_queues_are_encrypted_and_the_dead_letter_queue_takes_256_kib(template):
    assert resource(template, "ScoreEventsTopic", "AWS::SNS::Topic")["KmsMasterKeyId"] == "alias/aws/sns"
    assert "FifoTopic" not in resource(template, "ScoreEventsTopic", "AWS::SNS::Topic")
    for queue in ["PoisonRecordQueue", "AllScoreEventsQueue", "ScoreChangedQueue"]:
        props = resource(template, queue, "AWS::SQS::Queue")
        assert props["SqsManagedSseEnabled"] is True, queue
        # SNS cannot deliver to a queue under the AWS-managed SQS key.
        assert "KmsMasterKeyId" not in props, queue
    assert resource(template, "PoisonRecordQueue", "AWS::SQS::Queue")["MaximumMessageSize"] == 262144
    # CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key.
    assert "KmsMasterKeyId" not in resource(template, "AlarmTopic", "AWS::SNS::Topic")


def subscription_for(template, queue):
    for found in of_type(template, "AWS::SNS::Subscription").values():
        if found["Properties"].get("Endpoint") == {"Fn::GetAtt": [queue, "Arn"]}:
            return found["Properties"]
    raise AssertionError(f"no subscription delivers to {queue}")


def test_example_subscribers_get_raw_messages_and_only_score_changes_are_filtered(template):
    everything = subscription_for(template, "AllScoreEventsQueue")
    changed = subscription_for(template, "ScoreChangedQueue")
    for props in (everything, changed):
        assert props["TopicArn"] == {"Ref": "ScoreEventsTopic"}
        assert props["Protocol"] == "sqs"
        assert props["RawMessageDelivery"] is True
    assert "FilterPolicy" not in everything
    # Version 1 only: the schemaVersion attribute keeps a version 2, published beside it in a migration, out.
    assert changed["FilterPolicy"] == {"eventType": ["ScoreChanged"], "schemaVersion": ["1"]}
    # eventType is a message attribute of every SNS message (the contract), not a field of the body.
    assert changed.get("FilterPolicyScope", "MessageAttributes") == "MessageAttributes"


def test_the_topic_and_only_the_topic_may_deliver_to_the_subscriber_queues(template):
    for queue in ["AllScoreEventsQueue", "ScoreChangedQueue"]:
        arn = {"Fn::GetAtt": [queue, "Arn"]}
        allowing = []
        for policy in of_type(template, "AWS::SQS::QueuePolicy").values():
            props = policy["Properties"]
            if {"Ref": queue} not in props["Queues"]:
                continue
            for statement in props["PolicyDocument"]["Statement"]:
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                if arn in resources:
                    allowing.append(statement)
        assert allowing, f"no queue policy statement names {queue}"
        for statement in allowing:
            assert statement["Effect"] == "Allow"
            assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
            assert statement["Action"] == "sqs:SendMessage"
            assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "ScoreEventsTopic"}}}


def log_group_statements(template):
    return resource(template, "ScoreEventsLogGroup", "AWS::Logs::LogGroup")["ResourcePolicyDocument"]["Statement"]


def test_the_rule_sends_every_score_event_of_the_bus_to_the_log_group(template):
    rule = resource(template, "ScoreEventsRule", "AWS::Events::Rule")
    assert rule["EventBusName"] == {"Ref": "ScoreEventsBus"}
    assert rule["EventPattern"] == {"source": [{"Ref": "EventSource"}], "detail-type": ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ScoreEventsLogGroup}"}
    statements = log_group_statements(template)
    for statement in statements:
        assert "events.amazonaws.com" in statement["Principal"]["Service"]
    assert {statement["Action"] for statement in statements} == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_only_this_accounts_score_events_rule_may_write_to_its_log_group(template):
    group = resource(template, "ScoreEventsLogGroup", "AWS::Logs::LogGroup")
    rule = resource(template, "ScoreEventsRule", "AWS::Events::Rule")
    # The rule's ARN on this stack's bus, spelled out from its fixed name (a reference to it would be a cycle).
    rule_arn = {"Fn::Sub": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/${ScoreEventsBus}/" + rule["Name"]}
    group_arn = {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                 + group["LogGroupName"]["Fn::Sub"] + ":*"}
    account = {"Ref": "AWS::AccountId"}
    for statement in log_group_statements(template):
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == group_arn
        if statement["Action"] == "logs:PutLogEvents":
            # The events themselves: both keys, always.
            assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn},
                                              "StringEquals": {"aws:SourceAccount": account}}
        else:
            # An empty log stream: the same keys, held whenever EventBridge sends them.
            assert statement["Action"] == "logs:CreateLogStream"
            assert statement["Condition"] == {"ArnEqualsIfExists": {"aws:SourceArn": rule_arn},
                                              "StringEqualsIfExists": {"aws:SourceAccount": account}}


def test_alarms_watch_errors_iterator_age_and_the_dead_letter_queue_and_notify_the_alarm_topic(template):
    alarms = {k: v["Properties"] for k, v in of_type(template, "AWS::CloudWatch::Alarm").items()}
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"], sort_keys=True)) for a in alarms.values()}
    function = json.dumps([{"Name": "FunctionName", "Value": {"Ref": "ScoreFanoutFunction"}}], sort_keys=True)
    assert ("AWS/Lambda", "Errors", function) in watched
    assert ("AWS/Lambda", "IteratorAge", function) in watched
    dimensions = json.dumps([{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PoisonRecordQueue", "QueueName"]}}], sort_keys=True)
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimensions) in watched
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    email = template["Resources"]["AlarmEmailSubscription"]
    assert email["Condition"] == "HasAlarmEmail"
    assert email["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_the_dry_run_env_vars_file_gives_sam_local_invoke_a_configuration_the_function_accepts(template):
    # sam local invoke renders a Ref to a resource as its logical ID ("ScoreEventsTopic" is no topic ARN, and init
    # would fail on it), and --env-vars only overrides variables the template declares.
    declared = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Environment"]["Variables"]
    overrides = json.loads(DRY_RUN_ENV_VARS.read_text())["ScoreFanoutFunction"]
    assert set(overrides) <= set(declared), "variables the template does not declare are ignored"
    assert overrides["DRY_RUN"] == "true"
    for name, value in declared.items():
        if referenced(value) & set(template["Resources"]):
            assert name in overrides, f"{name} would be the logical ID {value}"
    assert re.fullmatch(r"arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", overrides["TOPIC_ARN"])
    assert re.fullmatch(r"[A-Za-z0-9._/-]{1,256}", overrides["EVENT_BUS_NAME"])
    assert re.fullmatch(r"https://sqs\.[a-z0-9-]+\.amazonaws\.com/\d{12}/[A-Za-z0-9_-]+", overrides["DEAD_LETTER_QUEUE_URL"])


def test_outputs_name_everything_a_user_needs_after_deploy(template):
    outputs = template["Outputs"]
    for name, value in {
        "OrderedScoreEventsBusArn": ORDERED_BUS_ARN,
        "OrderedScoreEventsSubscriberArn": {"Fn::GetAtt": ["OrderedScoreEventsSubscriber", "SubscriberArn"]},
        "OrderedScoreEventsQueueUrl": {"Ref": "OrderedScoreEventsQueue"},
        "OrderedScoreEventsDeadLetterQueueUrl": {"Ref": "OrderedScoreEventsDeadLetterQueue"},
    }.items():
        assert (outputs[name]["Value"], outputs[name]["Condition"]) == (value, "UseCustomEventBus"), name
    for name, value in {
        "GameEventsTableName": {"Ref": "GameEventsTable"},
        "GameEventsStreamArn": {"Fn::GetAtt": ["GameEventsTable", "StreamArn"]},
        "ScoreFanoutFunctionName": {"Ref": "ScoreFanoutFunction"},
        "ScoreEventsBusName": {"Ref": "ScoreEventsBus"},
        "ScoreEventsTopicArn": {"Ref": "ScoreEventsTopic"},
        "PoisonRecordQueueUrl": {"Ref": "PoisonRecordQueue"},
        "StreamFailureBucketName": {"Ref": "StreamFailureBucket"},
        "ScoreEventsArchiveName": {"Ref": "ScoreEventsArchive"},
        "AllScoreEventsQueueUrl": {"Ref": "AllScoreEventsQueue"},
        "ScoreChangedQueueUrl": {"Ref": "ScoreChangedQueue"},
        "ScoreEventsLogGroupName": {"Ref": "ScoreEventsLogGroup"},
        "AlarmTopicArn": {"Ref": "AlarmTopic"},
    }.items():
        assert outputs[name]["Value"] == value, name


def test_a_configuration_outage_pages_within_minutes_through_records_failed(template):
    """An outage holds the shard and parks nothing (docs/reliability.md): RecordsFailed, by the function's name, is
    what pages, three one-minute periods in a row, long before IteratorAge would."""
    alarm = template["Resources"]["RecordsFailedAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("ScoreFanout", "RecordsFailed", "Sum")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "ScoreFanoutFunction"}}]
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 300, "pages within five minutes"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def ordered(template, logical_id, expected_type):
    found = template["Resources"][logical_id]
    assert (found["Type"], found.get("Condition")) == (expected_type, "UseCustomEventBus"), logical_id
    return found["Properties"]


def test_the_ordered_bus_keeps_every_event_for_the_retention_parameter(template):
    bus = ordered(template, "OrderedScoreEventsBus", "AWS::EventsV2::EventBus")
    assert bus["StorageConfiguration"] == {"RetentionPeriodInDays": {"Ref": "OrderedScoreEventsRetentionDays"}}
    retention = template["Parameters"]["OrderedScoreEventsRetentionDays"]
    assert (retention["Type"], retention["MinValue"], retention["MaxValue"]) == ("Number", 1, 365)
    # Every record in the dead-letter queue (kept 14 days) names events the bus still holds, to replay.
    dead_letters = ordered(template, "OrderedScoreEventsDeadLetterQueue", "AWS::SQS::Queue")
    assert retention["Default"] * 86400 >= dead_letters["MessageRetentionPeriod"]


def test_the_ordered_subscriber_delivers_every_score_event_in_order_and_once_to_the_fifo_queue(template):
    subscriber = ordered(template, "OrderedScoreEventsSubscriber", "AWS::EventsV2::Subscriber")
    assert subscriber["EventBusArn"] == ORDERED_BUS_ARN
    assert subscriber["Type"] == "FIFO"
    # Every score event of this stack's source: the classic rule's pattern, on the envelope PutEvents events carry.
    (event_filter,) = subscriber["FilterConfiguration"]["Filters"]
    assert event_filter["Scope"] == "DATA"
    pattern = json.loads(event_filter["Pattern"]["Fn::Sub"].replace("${EventSource}", "game.scores"))
    rule = resource(template, "ScoreEventsRule", "AWS::Events::Rule")["EventPattern"]
    assert pattern == {**rule, "source": ["game.scores"]}
    assert subscriber.get("Transformer", {"Type": "RAW"}) == {"Type": "RAW"}, "the envelope, as a classic rule delivers it"
    invoke = subscriber["InvokeConfiguration"]
    assert invoke["TargetArn"] == {"Fn::GetAtt": ["OrderedScoreEventsQueue", "Arn"]}
    assert invoke["RoleArn"] == {"Fn::GetAtt": ["OrderedScoreEventsDeliveryRole", "Arn"]}
    # The queue's message group is the player's event group; its deduplication id the bus's id of the event (JSONata,
    # the colon-holding name quoted as the EventBridge guide writes it).
    assert invoke["SqsParameters"] == {
        "MessageGroupId": "{% $events.SystemMetadata.EventGroupId %}",
        "MessageDeduplicationId": '{% $events.SystemMetadata."aws:EventId" %}',
    }
    queue = ordered(template, "OrderedScoreEventsQueue", "AWS::SQS::Queue")
    assert queue["FifoQueue"] is True
    assert not queue.get("ContentBasedDeduplication", False), "the subscriber gives every message its deduplication id"
    assert queue["SqsManagedSseEnabled"] is True


def test_what_the_ordered_subscriber_cannot_deliver_is_recorded_in_a_fifo_dead_letter_queue(template):
    subscriber = ordered(template, "OrderedScoreEventsSubscriber", "AWS::EventsV2::Subscriber")
    dead_letters = {"Fn::GetAtt": ["OrderedScoreEventsDeadLetterQueue", "Arn"]}
    assert subscriber["OnFailureConfiguration"] == {"Arn": dead_letters}
    # A failing event holds its player's later ones while it is retried: as long as the stream mapping holds a shard.
    retry = subscriber["RetryPolicy"]
    assert retry["MaxEventAgeInSeconds"] == template["Parameters"]["MaximumRecordAgeInSeconds"]["Default"]
    assert retry["MaxRetryAttempts"] == 185
    queue = ordered(template, "OrderedScoreEventsDeadLetterQueue", "AWS::SQS::Queue")
    # FIFO, for a FIFO subscriber: EventBridge writes each record in its events' group. It names no deduplication id.
    assert (queue["FifoQueue"], queue["ContentBasedDeduplication"]) == (True, True)
    assert queue["MessageRetentionPeriod"] == 1209600
    redrive = ordered(template, "OrderedScoreEventsQueue", "AWS::SQS::Queue")["RedrivePolicy"]
    assert redrive == {"deadLetterTargetArn": dead_letters, "maxReceiveCount": 5}


def test_eventbridge_delivers_with_a_role_that_sends_to_the_ordered_queues_only(template):
    role = ordered(template, "OrderedScoreEventsDeliveryRole", "AWS::IAM::Role")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert (trust["Effect"], trust["Principal"], trust["Action"]) == ("Allow", {"Service": "events.amazonaws.com"}, "sts:AssumeRole")
    (policy,) = role["Policies"]
    granted = [(statement["Effect"], statement["Action"], statement["Resource"])
               for statement in policy["PolicyDocument"]["Statement"]]
    assert sorted(granted, key=json.dumps) == sorted([
        ("Allow", "sqs:SendMessage", {"Fn::GetAtt": ["OrderedScoreEventsQueue", "Arn"]}),
        # Without it a record has nowhere to go, and its events are lost to the subscriber.
        ("Allow", "sqs:SendMessage", {"Fn::GetAtt": ["OrderedScoreEventsDeadLetterQueue", "Arn"]}),
    ], key=json.dumps)
    assert "ManagedPolicyArns" not in role


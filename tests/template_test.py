"""The SAM template's wiring, read with cfn-lint's decoder (it understands !Ref and friends), so it cannot drift.

Most tests read template.yaml as written. Two read it the way CloudFormation will see it: translated by the SAM
translator (offline: its bundled managed-policy list, no AWS call), to check the role and the event source mapping
SAM generates. One checks local/env.dry-run.json against the template, for `sam local invoke --env-vars`.
"""

import copy
import json
import re
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
DRY_RUN_ENV_VARS = ROOT / "local" / "env.dry-run.json"

LAYOUT = {
    "GameEventsTable": "AWS::DynamoDB::Table",
    "ScoreFanoutFunction": "AWS::Serverless::Function",
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


@pytest.fixture(scope="module")
def template():
    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return json.loads(json.dumps(parsed))  # plain dicts and lists, as the translator wants them


@pytest.fixture(scope="module")
def translated(template):
    """The CloudFormation template the SAM transform makes of ours (CodeUri as `sam package` would set it)."""
    sam = copy.deepcopy(template)
    sam["Resources"]["ScoreFanoutFunction"]["Properties"]["CodeUri"] = "s3://bucket/score-fanout.zip"
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

    def no_policy_lookups():
        raise AssertionError("the translator wanted to look managed policies up in IAM")

    return Translator(None, Parser(), boto_session=session).translate(
        sam, parameter_values={}, get_managed_policy_map=no_policy_lookups)


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
    assert found["Metadata"] == {"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "score-fanout"}}
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


def test_the_environment_points_at_this_stacks_bus_topic_source_and_dead_letter_queue(template):
    variables = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Environment"]["Variables"]
    assert variables == {
        "EVENT_BUS_NAME": {"Ref": "ScoreEventsBus"},
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


def test_publishing_is_scoped_to_exactly_this_bus_topic_and_queue(template):
    policies = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Policies"]
    assert policies == [
        "AWSLambdaDynamoDBExecutionRole",
        {"EventBridgePutEventsPolicy": {"EventBusName": {"Ref": "ScoreEventsBus"}}},
        {"SNSPublishMessagePolicy": {"TopicName": {"Fn::GetAtt": ["ScoreEventsTopic", "TopicName"]}}},
        {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["PoisonRecordQueue", "QueueName"]}}},
    ]


def test_the_generated_role_reads_the_stream_and_writes_only_to_this_stacks_resources(translated):
    (role,) = of_type(translated, "AWS::IAM::Role").values()
    props = role["Properties"]
    assert sorted(props["ManagedPolicyArns"]) == sorted([
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
        # Its Resource "*" is the one accepted exception (see the template).
        "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    ])
    granted = set()
    for policy in props["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Resource"] != "*" and referenced(statement["Resource"]), statement
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                for target in referenced(statement["Resource"]):
                    granted.add((action, target))
    assert granted == {
        ("events:PutEvents", "ScoreEventsBus"),
        ("sns:Publish", "ScoreEventsTopic"),
        ("sqs:SendMessage*", "PoisonRecordQueue"),
        # Granted by SAM for the on-failure destination: Lambda writes skipped batches with the function's role.
        ("s3:PutObject", "StreamFailureBucket"),
        ("s3:ListBucket", "StreamFailureBucket"),
    }


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


def test_the_rule_sends_every_score_event_of_the_bus_to_the_log_group(template):
    rule = resource(template, "ScoreEventsRule", "AWS::Events::Rule")
    assert rule["EventBusName"] == {"Ref": "ScoreEventsBus"}
    assert rule["EventPattern"] == {"source": [{"Ref": "EventSource"}], "detail-type": ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${ScoreEventsLogGroup}"}
    (policy,) = of_type(template, "AWS::Logs::ResourcePolicy").values()
    document = json.loads(policy["Properties"]["PolicyDocument"]["Fn::Sub"])
    (statement,) = document["Statement"]
    assert "events.amazonaws.com" in statement["Principal"]["Service"]
    assert set(statement["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert statement["Resource"] == "${ScoreEventsLogGroup.Arn}"


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

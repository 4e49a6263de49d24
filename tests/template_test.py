"""The SAM template's wiring, read with cfn-lint's decoder (it understands !Ref and friends), so it cannot drift."""

from pathlib import Path

import pytest
from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


@pytest.fixture(scope="module")
def template():
    parsed, problems = decode(str(TEMPLATE))
    assert not problems, problems
    return parsed


def resource(template, logical_id, expected_type):
    found = template["Resources"][logical_id]
    assert found["Type"] == expected_type
    return found.get("Properties", {})


def test_every_logical_id_of_the_layout_exists(template):
    for logical_id in ["GameEventsTable", "ScoreFanoutFunction", "ScoreEventsBus", "ScoreEventsTopic", "PoisonRecordQueue",
                       "StreamFailureQueue", "AllScoreEventsQueue", "ScoreChangedQueue", "ScoreEventsRule",
                       "ScoreEventsLogGroup", "AlarmTopic"]:
        assert logical_id in template["Resources"], logical_id


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
    # The retry budget (10 s at most, stopping with max(1 s, 10%) left) must fit well inside the timeout.
    assert function["Timeout"] >= 30
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["ApplicationLogLevel"] == {"Ref": "LogLevel"}
    assert template["Parameters"]["LogLevel"]["AllowedValues"] == ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


def test_the_environment_points_at_this_stacks_bus_topic_source_and_dead_letter_queue(template):
    variables = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Environment"]["Variables"]
    assert variables == {
        "EVENT_BUS_NAME": {"Ref": "ScoreEventsBus"},
        "TOPIC_ARN": {"Ref": "ScoreEventsTopic"},
        "EVENT_SOURCE": {"Ref": "EventSource"},
        "DEAD_LETTER_QUEUE_URL": {"Ref": "PoisonRecordQueue"},
        "DRY_RUN": "false",
    }
    assert template["Parameters"]["EventSource"]["Default"] == "game.scores"


def test_publishing_is_scoped_to_exactly_this_bus_topic_and_queue(template):
    policies = template["Resources"]["ScoreFanoutFunction"]["Properties"]["Policies"]
    assert policies == [
        "AWSLambdaDynamoDBExecutionRole",
        {"EventBridgePutEventsPolicy": {"EventBusName": {"Ref": "ScoreEventsBus"}}},
        {"SNSPublishMessagePolicy": {"TopicName": {"Fn::GetAtt": ["ScoreEventsTopic", "TopicName"]}}},
        {"SQSSendMessagePolicy": {"QueueName": {"Fn::GetAtt": ["PoisonRecordQueue", "QueueName"]}}},
    ]


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
    assert props["DestinationConfig"] == {"OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}}}
    parameters = template["Parameters"]
    # Bounded, and well inside the stream's 24-hour retention so that skipped ranges can still be redriven.
    assert 0 <= parameters["MaximumRetryAttempts"]["Default"] <= 10000
    assert 0 < parameters["MaximumRecordAgeInSeconds"]["Default"] <= 6 * 3600


def test_the_topic_and_the_queues_are_encrypted_and_the_dead_letter_queue_takes_256_kib(template):
    assert resource(template, "ScoreEventsTopic", "AWS::SNS::Topic")["KmsMasterKeyId"] == "alias/aws/sns"
    for queue in ["PoisonRecordQueue", "StreamFailureQueue", "AllScoreEventsQueue", "ScoreChangedQueue"]:
        assert resource(template, queue, "AWS::SQS::Queue")["SqsManagedSseEnabled"] is True, queue
    assert resource(template, "PoisonRecordQueue", "AWS::SQS::Queue")["MaximumMessageSize"] == 262144
    assert "KmsMasterKeyId" not in resource(template, "AlarmTopic", "AWS::SNS::Topic")


def subscription_for(template, queue):
    for found in template["Resources"].values():
        props = found.get("Properties", {})
        if found["Type"] == "AWS::SNS::Subscription" and props.get("Endpoint") == {"Fn::GetAtt": [queue, "Arn"]}:
            return props
    raise AssertionError(f"no subscription delivers to {queue}")


def test_example_subscribers_get_raw_messages_and_only_score_changes_are_filtered(template):
    everything = subscription_for(template, "AllScoreEventsQueue")
    changed = subscription_for(template, "ScoreChangedQueue")
    for props in (everything, changed):
        assert props["TopicArn"] == {"Ref": "ScoreEventsTopic"}
        assert props["Protocol"] == "sqs"
        assert props["RawMessageDelivery"] is True
    assert "FilterPolicy" not in everything
    assert changed["FilterPolicy"] == {"eventType": ["ScoreChanged"]}
    policies = [found["Properties"] for found in template["Resources"].values() if found["Type"] == "AWS::SQS::QueuePolicy"]
    allowed = [p for p in policies if {"Ref": "AllScoreEventsQueue"} in p["Queues"] and {"Ref": "ScoreChangedQueue"} in p["Queues"]]
    assert allowed, "a queue policy lets the topic deliver to both subscriber queues"
    statement = allowed[0]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "ScoreEventsTopic"}}}


def test_the_rule_sends_every_score_event_of_the_bus_to_the_log_group(template):
    rule = resource(template, "ScoreEventsRule", "AWS::Events::Rule")
    assert rule["EventBusName"] == {"Ref": "ScoreEventsBus"}
    assert rule["EventPattern"] == {"source": [{"Ref": "EventSource"}], "detail-type": ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]}
    (target,) = rule["Targets"]
    assert "${ScoreEventsLogGroup}" in target["Arn"]["Fn::Sub"]
    policy = [f["Properties"] for f in template["Resources"].values() if f["Type"] == "AWS::Logs::ResourcePolicy"]
    assert policy and "events.amazonaws.com" in policy[0]["PolicyDocument"]["Fn::Sub"]


def test_alarms_watch_errors_iterator_age_and_both_failure_queues_and_notify_the_alarm_topic(template):
    alarms = {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {(a["Namespace"], a["MetricName"], str(a["Dimensions"][0]["Value"])) for a in alarms.values()}
    assert ("AWS/Lambda", "Errors", "{'Ref': 'ScoreFanoutFunction'}") in watched
    assert ("AWS/Lambda", "IteratorAge", "{'Ref': 'ScoreFanoutFunction'}") in watched
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "{'Fn::GetAtt': ['StreamFailureQueue', 'QueueName']}") in watched
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "{'Fn::GetAtt': ['PoisonRecordQueue', 'QueueName']}") in watched
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert template["Resources"]["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"


def test_outputs_name_everything_a_user_needs_after_deploy(template):
    outputs = template["Outputs"]
    for name in ["GameEventsTableName", "GameEventsStreamArn", "ScoreFanoutFunctionName", "ScoreEventsBusName",
                 "ScoreEventsTopicArn", "PoisonRecordQueueUrl", "StreamFailureQueueUrl", "AllScoreEventsQueueUrl",
                 "ScoreChangedQueueUrl", "ScoreEventsLogGroupName", "AlarmTopicArn"]:
        assert name in outputs, name

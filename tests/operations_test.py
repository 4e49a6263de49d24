"""What on-call sees: every alarm named after its stack and keyed in the runbook's alarm table by the rest of its
name, the subscriber dead-letter queue alarmed, and the dashboard with the metrics and destinations it promises."""

import json
import re

from conftest import ROOT, of_type, sub_text

RUNBOOK = ROOT / "docs" / "operations.md"
EVENT_TYPES = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]


def alarms(template):
    return {k: v["Properties"] for k, v in of_type(template, "AWS::CloudWatch::Alarm").items()}


def fixed_part(alarm):
    text = sub_text(alarm.get("AlarmName"))
    assert text and text.startswith("${AWS::StackName}-"), alarm.get("AlarmName")
    return text.removeprefix("${AWS::StackName}-")


def dashboard(template):
    (resource,) = of_type(template, "AWS::CloudWatch::Dashboard").values()
    return resource["Properties"]


def dashboard_metrics(template):
    """(namespace, metric, dimension name, dimension value) of every metric line on the dashboard, and the body."""
    body = sub_text(dashboard(template)["DashboardBody"])
    widgets = json.loads(body)["widgets"]
    lines = [line for w in widgets if w["type"] == "metric" for line in w["properties"]["metrics"]]
    return {tuple(line[:4]) for line in lines}, widgets


def test_every_alarm_is_named_after_its_stack_and_has_its_row_in_the_runbook(template):
    runbook = RUNBOOK.read_text()
    table = runbook[runbook.index("## Alarms"):]
    keys = set(re.findall(r"^\| `([A-Za-z]+)` \|", table, re.MULTILINE))
    for logical_id, alarm in alarms(template).items():
        name = fixed_part(alarm)
        assert name in keys, f"docs/operations.md has no alarm row keyed `{name}` (for {logical_id})"
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_subscriber_dead_letter_queue_is_alarmed_on_its_first_message(template):
    (alarm,) = [a for a in alarms(template).values() if a.get("Dimensions") == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["SubscriberDeadLetterQueue", "QueueName"]}}]]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert fixed_part(alarm) == "SubscriberDeadLetters"


def test_the_dashboard_shows_events_per_sink_and_type_failures_and_lag(stack):
    assert sub_text(dashboard(stack)["DashboardName"]).startswith("${AWS::StackName}-")
    metrics, _ = dashboard_metrics(stack)
    function = ("FunctionName", "${ScoreFanoutFunction}")
    for sink in ["EventBridge", "SNS"]:
        for event in EVENT_TYPES:
            assert ("ScoreFanout", f"EventsPublished.{sink}.{event}", *function) in metrics, (sink, event)
    for metric in ["RecordsFailed", "RecordsDeadLettered", "OldestRecordAge"]:
        assert ("ScoreFanout", metric, *function) in metrics, metric
    for metric in ["IteratorAge", "Errors", "Duration"]:
        assert ("AWS/Lambda", metric, *function) in metrics, metric


def test_the_dashboard_shows_every_failure_destination_and_every_alarm(stack, bus_kind):
    """Whichever the bus: every alarm of the stack, and no other, and every queue that holds what failed."""
    metrics, widgets = dashboard_metrics(stack)
    queues = ["PoisonRecordQueue", "SubscriberDeadLetterQueue"] + (["OrderedScoreEventsDeadLetterQueue"] if bus_kind == "Custom" else [])
    for queue in queues:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${%s.QueueName}" % queue) in metrics, queue
    if "StreamFailureBucketObjectRule" in stack["Resources"]:
        # Each object Lambda writes to StreamFailureBucket (a skipped range) fires this rule.
        assert ("AWS/Events", "TriggeredRules", "RuleName", "${StreamFailureBucketObjectRule}") in metrics
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted("${%s.Arn}" % logical_id for logical_id in alarms(stack))
    assert stack["Outputs"]["ScoreFanoutDashboardUrl"]["Value"]["Fn::Sub"].endswith("#dashboards:name=${ScoreFanoutDashboard}")


def test_the_dashboard_shows_how_the_ordered_subscriber_delivers_with_the_custom_event_bus(stack, bus_kind):
    metrics, widgets = dashboard_metrics(stack)
    bus = ("EventBus", "${OrderedScoreEventsBus.EventBusArn}")
    shown = {line[:2] for line in metrics if line[2:4] == bus}
    if bus_kind == "Classic":
        assert not shown and not [w for w in widgets if "Ordered" in w["properties"].get("title", "")]
        return
    # Delivered, dead-lettered, lost (no dead-letter record could be written), failed transformations, and the backlog.
    for metric in ["EventsDelivered", "OnFailureDestinationDelivered", "OnFailureDestinationFailed",
                   "EventTransformationFailures", "ApproximateBacklogAge"]:
        assert ("AWS/EventsV2", metric) in shown, metric
    body = json.loads(sub_text(dashboard(stack)["DashboardBody"]))["widgets"]
    subscriber_lines = [line for w in body if w["type"] == "metric" for line in w["properties"]["metrics"] if line[2:4] == list(bus)]
    assert all(line[4:6] == ["Subscriber", "${OrderedScoreEventsSubscriber.SubscriberArn}"] for line in subscriber_lines)


def test_the_alarm_topic_lets_exactly_the_alarms_this_stack_can_create_publish(template):
    """By ARN, not a name pattern: `alarm:score-fanout-*` would also let the stack score-fanout-dev's alarms page here.
    An alarm under a Condition is named under the same condition, so that every parameter value deploys."""
    policy = template["Resources"]["AlarmTopicPolicy"]["Properties"]
    assert policy["Topics"] == [{"Ref": "AlarmTopic"}]
    (statement,) = [s for s in policy["PolicyDocument"]["Statement"]
                    if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == ("Allow", "sns:Publish", {"Ref": "AlarmTopic"})
    assert list(statement["Condition"]) == ["ArnEquals"], "no ArnLike pattern"
    named = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    expected = []
    for logical_id, alarm in of_type(template, "AWS::CloudWatch::Alarm").items():
        arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        expected.append({"Fn::If": [alarm["Condition"], arn, {"Ref": "AWS::NoValue"}]} if "Condition" in alarm else arn)
    assert expected, "the template has alarms"
    key = lambda value: json.dumps(value, sort_keys=True)  # noqa: E731
    assert sorted(named, key=key) == sorted(expected, key=key)

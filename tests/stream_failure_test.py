"""The on-failure destination and the archive: skipped batches kept whole in a private, TLS-only, versioned bucket
that outlives the stack and pages on-call per object; every published event kept for EventBridge's replay."""

from conftest import of_type


def test_the_bucket_is_private_encrypted_versioned_and_retained(template):
    bucket = template["Resources"]["StreamFailureBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    # A deleted bucket's name can be taken by another account, which would then receive the skipped batches.
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    props = bucket["Properties"]
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert set(props["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}


def test_skipped_batches_and_their_old_versions_expire_after_the_retention_parameter(template):
    (rule,) = template["Resources"]["StreamFailureBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    retention = {"Ref": "StreamFailureRetentionDays"}
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == retention
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": retention}
    assert template["Parameters"]["StreamFailureRetentionDays"]["Default"] >= 30


def test_the_bucket_refuses_requests_without_tls(template):
    policy = template["Resources"]["StreamFailureBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "StreamFailureBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "s3:*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["StreamFailureBucket", "Arn"]} in statement["Resource"]
    assert {"Fn::Sub": "${StreamFailureBucket.Arn}/*"} in statement["Resource"]


def test_every_object_lambda_stores_pages_the_alarm_topic_by_a_rule_the_runbook_names(template):
    rule = template["Resources"]["StreamFailureBucketObjectRule"]["Properties"]
    assert rule["Name"] == {"Fn::Sub": "${AWS::StackName}-SkippedBatchInS3"}
    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": "StreamFailureBucket"}]}},
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "AlarmTopic"}
    assert "score-fanout-redrive skipped --bucket" in target["InputTransformer"]["InputTemplate"]["Fn::Sub"]
    policy = template["Resources"]["AlarmTopicPolicy"]["Properties"]
    alarms, rule = policy["PolicyDocument"]["Statement"]
    assert rule["Principal"] == {"Service": "events.amazonaws.com"}
    assert rule["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["StreamFailureBucketObjectRule", "Arn"]}}}
    # The policy replaces the topic's default one: without this statement no alarm could page.
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == "sns:Publish"
    source = alarms["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":alarm:${AWS::StackName}-*")
    paging = [
        r["Properties"] for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and {"Ref": "AlarmTopic"} in r["Properties"].get("AlarmActions", [])
    ]
    assert paging, "the alarms page through AlarmTopic"
    for alarm in paging:
        assert alarm["AlarmName"]["Fn::Sub"].startswith("${AWS::StackName}-"), "the statement covers every alarm"
    docs = (__import__("pathlib").Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    assert "SkippedBatchInS3" in docs, "the runbook has the page's row"


def test_the_queue_it_replaces_and_its_alarm_are_gone(template):
    assert "StreamFailureQueue" not in template["Resources"]
    queues = {props["Properties"].get("QueueName") for props in of_type(template, "AWS::SQS::Queue").values()}
    assert not any("StreamFailure" in str(name) for name in queues)
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    assert "StreamFailureQueue" not in str(alarms)


def test_the_bus_archive_keeps_every_score_event_for_the_retention_parameter(template):
    archive = template["Resources"]["ScoreEventsArchive"]
    assert archive["Type"] == "AWS::Events::Archive"
    props = archive["Properties"]
    assert props["SourceArn"] == {"Fn::GetAtt": ["ScoreEventsBus", "Arn"]}
    assert props["RetentionDays"] == {"Ref": "ArchiveRetentionDays"}
    assert props["EventPattern"] == {"source": [{"Ref": "EventSource"}]}

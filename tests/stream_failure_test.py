"""The on-failure destination and the archive: skipped batches kept whole in a private, TLS-only, versioned bucket
that outlives the stack and pages on-call per object; every published event kept for EventBridge's replay."""

from conftest import ROOT, of_type

RUNBOOK = ROOT / "docs" / "operations.md"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


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


def test_a_skipped_batch_is_kept_retention_plus_7_days_and_every_doc_says_so(template):
    (rule,) = template["Resources"]["StreamFailureBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == {"Ref": "StreamFailureRetentionDays"}
    # In a versioned bucket the expiry only adds a delete marker; the data lives on as a noncurrent version, counted
    # from that day. The retention again here would keep it twice as long as stated.
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    parameter = template["Parameters"]["StreamFailureRetentionDays"]
    assert parameter["Default"] >= 30
    assert "retention + 7 days" in parameter["Description"]
    runbook, deploy = RUNBOOK.read_text(), DEPLOY_DOC.read_text()
    assert "no deadline" not in runbook, "a skipped batch's deadline is the bucket's retention"
    assert "`StreamFailureRetentionDays` + 7 days" in runbook
    assert "`StreamFailureRetentionDays` + 7 days" in deploy
    assert "+ 7 days" in (ROOT / "README.md").read_text()


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
    # CloudFormation names the rule (a rule name holds 64 characters, a stack name 128); the page names its key.
    assert "Name" not in rule
    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [{"Ref": "StreamFailureBucket"}]}},
    }
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": "AlarmTopic"}
    page = target["InputTransformer"]["InputTemplate"]["Fn::Sub"]
    assert page.startswith('"${AWS::StackName}-SkippedBatchInS3: ')
    assert "score-fanout-redrive skipped --stack-name ${AWS::StackName}" in page
    policy = template["Resources"]["AlarmTopicPolicy"]["Properties"]
    alarms, rule = policy["PolicyDocument"]["Statement"]
    assert rule["Principal"] == {"Service": "events.amazonaws.com"}
    assert rule["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["StreamFailureBucketObjectRule", "Arn"]}}}
    # The policy replaces the topic's default one: without this statement no alarm could page (which alarms it names:
    # operations_test.py).
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == "sns:Publish"
    assert "| `SkippedBatchInS3`" in RUNBOOK.read_text(), "the runbook has the page's row"


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

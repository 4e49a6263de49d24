"""Baseline 2: what a user would otherwise write: the demo's function that also publishes each change as an event
to EventBridge (PutEvents) and SNS (PublishBatch) with boto3, in chunks of 10, the same events score-fanout
publishes. Clients are created at init (module level), as the Lambda guidance says."""

import datetime
import json
import os

import boto3

EVENT_BUS_NAME = os.environ["EVENT_BUS_NAME"]
TOPIC_ARN = os.environ["TOPIC_ARN"]
EVENT_SOURCE = os.environ.get("EVENT_SOURCE", "game.scores")
events_client = boto3.client("events")
sns_client = boto3.client("sns")


def handler(event, context):
    published = []
    for record in event["Records"]:
        domain_event = to_event(record)
        if domain_event is not None:
            published.append(domain_event)
    for start in range(0, len(published), 10):
        chunk = published[start:start + 10]
        put_events(chunk)
        publish_batch(chunk)
    return {"batchItemFailures": []}


def to_event(record):
    dynamodb = record["dynamodb"]
    meta = {
        "eventId": record["eventID"],
        "occurredAt": datetime.datetime.fromtimestamp(dynamodb["ApproximateCreationDateTime"], datetime.timezone.utc)
        .isoformat().replace("+00:00", "Z"),
        "schemaVersion": "1",
    }
    name = record["eventName"]
    if name == "INSERT":
        new = dynamodb["NewImage"]
        print("New row added with playerId=" + new["playerId"]["S"])
        return "PlayerAdded", {**meta, **row(new)}
    if name == "MODIFY":
        old, new = dynamodb["OldImage"], dynamodb["NewImage"]
        old_score, new_score = score(old), score(new)
        if old_score == new_score:
            return None
        print("Scores changed - oldScore=" + str(old_score) + ", newScore=" + str(new_score))
        fields = row(new)
        return "ScoreChanged", {**meta, "playerId": fields["playerId"], "date": fields["date"],
                                "oldScore": old_score, "newScore": new_score, "delta": new_score - old_score}
    if name == "REMOVE":
        old = dynamodb["OldImage"]
        print("Row removed with playerId=" + old["playerId"]["S"])
        by_ttl = record.get("userIdentity", {}).get("principalId") == "dynamodb.amazonaws.com"
        return "PlayerRemoved", {**meta, **row(old), "reason": "expired" if by_ttl else "deleted"}
    return None


def row(image):
    return {"playerId": image["playerId"]["S"], "date": image["date"]["S"], "score": score(image)}


def score(image):
    attribute = image["score"]
    return int(attribute.get("N") or attribute["S"])


def put_events(chunk):
    entries = [{"Source": EVENT_SOURCE, "DetailType": name, "Detail": json.dumps(detail),
                "EventBusName": EVENT_BUS_NAME} for name, detail in chunk]
    response = events_client.put_events(Entries=entries)
    if response["FailedEntryCount"]:
        raise RuntimeError(f"{response['FailedEntryCount']} entries failed")


def publish_batch(chunk):
    entries = [{"Id": str(i), "Message": json.dumps(detail), "MessageAttributes": {
        "eventType": {"DataType": "String", "StringValue": name},
        "playerId": {"DataType": "String", "StringValue": detail["playerId"]},
    }} for i, (name, detail) in enumerate(chunk)]
    response = sns_client.publish_batch(TopicArn=TOPIC_ARN, PublishBatchRequestEntries=entries)
    if response.get("Failed"):
        raise RuntimeError(f"{len(response['Failed'])} entries failed")

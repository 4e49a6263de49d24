#!/usr/bin/env python3
"""Baseline 2: what a user would otherwise write: print like the demo, then publish the same events with boto3 to
EventBridge and SNS in chunks of 10, and report the first failed record."""

import json
import os

import boto3
from baseline_runtime import serve

events = boto3.client("events")
sns = boto3.client("sns")
BUS, TOPIC, SOURCE = os.environ["EVENT_BUS_NAME"], os.environ["TOPIC_ARN"], os.environ.get("EVENT_SOURCE", "game.scores")


def to_event(record):
    image_new, image_old = record["dynamodb"].get("NewImage"), record["dynamodb"].get("OldImage")
    meta = {"eventId": record["eventID"], "occurredAt": record["dynamodb"]["ApproximateCreationDateTime"], "schemaVersion": "1"}
    name = record["eventName"]
    if name == "INSERT":
        print("New row added with playerId=" + image_new["playerId"]["S"])
        return "PlayerAdded", {**meta, "playerId": image_new["playerId"]["S"], "date": image_new["date"]["S"], "score": int(image_new["score"]["N"])}
    if name == "MODIFY":
        old, new = int(image_old["score"]["N"]), int(image_new["score"]["N"])
        print(f"Scores changed - oldScore={old}, newScore={new}")
        if old == new:
            return None
        return "ScoreChanged", {**meta, "playerId": image_new["playerId"]["S"], "date": image_new["date"]["S"], "oldScore": old, "newScore": new, "delta": new - old}
    print("Row removed with playerId=" + image_old["playerId"]["S"])
    return "PlayerRemoved", {**meta, "playerId": image_old["playerId"]["S"], "date": image_old["date"]["S"], "score": int(image_old["score"]["N"]), "reason": "deleted"}


def handler(event):
    pending = [(r["dynamodb"]["SequenceNumber"], e) for r in event["Records"] if (e := to_event(r))]
    failed = []
    for start in range(0, len(pending), 10):
        chunk = pending[start:start + 10]
        answer = events.put_events(Entries=[{"EventBusName": BUS, "Source": SOURCE, "DetailType": n, "Detail": json.dumps(d)} for _, (n, d) in chunk])
        failed += [chunk[i][0] for i, entry in enumerate(answer["Entries"]) if "ErrorCode" in entry]
        answer = sns.publish_batch(TopicArn=TOPIC, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": json.dumps(d), "MessageAttributes": {
                "eventType": {"DataType": "String", "StringValue": n}, "playerId": {"DataType": "String", "StringValue": d["playerId"]}}}
            for i, (_, (n, d)) in enumerate(chunk)])
        failed += [chunk[int(entry["Id"])][0] for entry in answer.get("Failed", [])]
    return {"batchItemFailures": [{"itemIdentifier": min(failed, key=lambda s: (len(s), s))}] if failed else []}


serve(handler)

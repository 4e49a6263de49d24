#!/usr/bin/env python3
"""Baseline 1: what the classic DynamoDB Streams demo does, in Python: print each record the demo's way."""

from baseline_runtime import serve


def handler(event):
    for record in event["Records"]:
        name = record["eventName"]
        if name == "INSERT":
            print("New row added with playerId=" + record["dynamodb"]["NewImage"]["playerId"]["S"])
        elif name == "MODIFY":
            print("Scores changed - oldScore=" + record["dynamodb"]["OldImage"]["score"]["N"]
                  + ", newScore=" + record["dynamodb"]["NewImage"]["score"]["N"])
        elif name == "REMOVE":
            print("Row removed with playerId=" + record["dynamodb"]["OldImage"]["playerId"]["S"])
    return {"batchItemFailures": []}


serve(handler)

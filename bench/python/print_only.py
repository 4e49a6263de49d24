"""Baseline 1: what the classic demo's function does with a GameEvents stream batch: print one line per record,
the demo's lines (the lines score-fanout logs at info level). Nothing is published."""


def handler(event, context):
    for record in event["Records"]:
        name = record["eventName"]
        if name == "INSERT":
            print("New row added with playerId=" + record["dynamodb"]["NewImage"]["playerId"]["S"])
        elif name == "MODIFY":
            old, new = record["dynamodb"]["OldImage"], record["dynamodb"]["NewImage"]
            print("Scores changed - oldScore=" + str(score(old)) + ", newScore=" + str(score(new)))
        elif name == "REMOVE":
            print("Row removed with playerId=" + record["dynamodb"]["OldImage"]["playerId"]["S"])
    return {"batchItemFailures": []}


def score(image):
    # The demo's console sample stores the score as a string ("S"), the SDK as a number ("N").
    attribute = image["score"]
    return int(attribute.get("N") or attribute["S"])

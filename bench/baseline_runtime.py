"""The Lambda Runtime API loop our Python baselines run in (what a provided runtime or the Python bootstrap does)."""

import json
import os
import urllib.request


def serve(handler):
    api = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
    while True:
        with urllib.request.urlopen(f"{api}/next") as response:
            request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
            event = json.loads(response.read())
        result = json.dumps(handler(event)).encode()
        urllib.request.urlopen(urllib.request.Request(f"{api}/{request_id}/response", data=result, method="POST")).read()

"""A minimal Lambda Runtime API client, standing in for the Python runtime's bootstrap so that the baselines run
under the same driver as score-fanout: import the handler module at init (its module level runs then, as on
Lambda), then loop on next -> handler -> response over one keep-alive connection.

usage: python runtime_loop.py MODULE.FUNCTION   (AWS_LAMBDA_RUNTIME_API from the environment)"""

import http.client
import importlib
import json
import os
import sys
import time


class Context:
    def __init__(self, request_id, deadline_ms, function_arn):
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    module_name, function_name = sys.argv[1].rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function_name)
    api = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
    base = "/2018-06-01/runtime/invocation"
    while True:
        api.request("GET", f"{base}/next")
        response = api.getresponse()
        event = json.loads(response.read())
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id")
        context = Context(request_id, int(response.getheader("Lambda-Runtime-Deadline-Ms")),
                          response.getheader("Lambda-Runtime-Invoked-Function-Arn"))
        try:
            body, path = json.dumps(handler(event, context)), f"{base}/{request_id}/response"
        except Exception as error:  # what the Python runtime reports as an invocation error
            body = json.dumps({"errorMessage": str(error), "errorType": type(error).__name__})
            path = f"{base}/{request_id}/error"
        api.request("POST", path, body.encode(), {"Content-Type": "application/json"})
        api.getresponse().read()


if __name__ == "__main__":
    main()

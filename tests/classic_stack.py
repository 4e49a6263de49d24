"""The classic stack, recorded: what CloudFormation creates from the template with EventBusKind at its default, as a
digest per resource and output, so that tests/template_test.py can hold it equal to tests/classic-stack.json. The
Custom Event Bus is an option; keeping the default must not change a stack already deployed.

When the classic stack is changed on purpose, record it again:

    .venv/bin/python tests/classic_stack.py > tests/classic-stack.json
"""

import hashlib
import json
import sys

from cfnlint.decode import decode
from conftest import ROOT, SUBSCRIBER_ACCOUNT, resolve, translate

RECORD = ROOT / "tests" / "classic-stack.json"
# Every condition of the classic stack on, so that each of its resources is in the record.
PARAMETERS = {"SubscriberAccountIds": SUBSCRIBER_ACCOUNT, "AlarmEmail": "on-call@example.com"}


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def classic_stack(template):
    """Each resource of the translated, resolved stack (type, properties, policies, condition) and each output (value,
    export, condition; not its description), as a digest."""
    stack = resolve(translate(template, PARAMETERS), PARAMETERS)
    return {
        "Resources": {name: digest(body) for name, body in sorted(stack["Resources"].items())},
        "Outputs": {name: digest({k: v for k, v in body.items() if k != "Description"})
                    for name, body in sorted(stack["Outputs"].items())},
    }


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "template.yaml")
    parsed, problems = decode(path)
    assert not problems, problems
    json.dump(classic_stack(json.loads(json.dumps(parsed))), sys.stdout, indent=1)
    print()

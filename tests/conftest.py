"""What the template tests share: the template as CloudFormation reads it (cfn-lint's decoder understands !Ref and
friends) and the helpers that walk it. tests/template_test.py has its own copy of the fixture."""

import json
import re
from pathlib import Path

import pytest
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def template():
    parsed, problems = decode(str(ROOT / "template.yaml"))
    assert not problems, problems
    return json.loads(json.dumps(parsed))


def of_type(template, resource_type):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def sub_text(value):
    """The text of an Fn::Sub (either form), else None."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        inner = value["Fn::Sub"]
        return inner if isinstance(inner, str) else inner[0]
    return None


def sub_variables(value):
    """The ${...} names an Fn::Sub text refers to (`!` escapes excluded)."""
    return set(re.findall(r"\$\{([^}!][^}]*)\}", sub_text(value) or ""))

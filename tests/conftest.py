"""What the template tests share: the template as CloudFormation reads it (cfn-lint's decoder understands !Ref and
friends), the template as SAM translates it, either resolved for one choice of parameters, and the helpers that walk
them. tests/template_test.py has its own copy of the template fixture."""

import copy
import json
import re
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import decode
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

ROOT = Path(__file__).resolve().parent.parent
# The values of EventBusKind: the classic bus (the default) or EventBridge's Custom Event Bus.
BUS_KINDS = ("Classic", "Custom")
# A parameter value that turns on every resource under HasSubscriberAccounts.
SUBSCRIBER_ACCOUNT = "111122223333"


@pytest.fixture(scope="session")
def template():
    parsed, problems = decode(str(ROOT / "template.yaml"))
    assert not problems, problems
    return json.loads(json.dumps(parsed))


@pytest.fixture(scope="session", params=BUS_KINDS)
def bus_kind(request):
    """Each value of EventBusKind."""
    return request.param


@pytest.fixture(scope="session")
def stack(template, bus_kind):
    """The template as CloudFormation deploys it with EventBusKind at bus_kind (see resolve)."""
    return resolve(template, {"EventBusKind": bus_kind})


def translate(template, parameters=None):
    """The CloudFormation template the SAM transform makes of ours (CodeUri as `sam package` would set it), offline:
    the translator's bundled managed-policy list, no AWS call."""
    sam = copy.deepcopy(template)
    sam["Resources"]["ScoreFanoutFunction"]["Properties"]["CodeUri"] = "s3://bucket/score-fanout.zip"
    session = boto3.session.Session(region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

    def no_policy_lookups():
        raise AssertionError("the translator wanted to look managed policies up in IAM")

    return Translator(None, Parser(), boto_session=session).translate(
        sam, parameter_values=dict(parameters or {}), get_managed_policy_map=no_policy_lookups)


def parameter_values(template, parameters=None):
    """Every parameter's value as a Ref gives it: the ones given, else the default (a CommaDelimitedList a list)."""
    values = {}
    for name, declared in template["Parameters"].items():
        value = str((parameters or {}).get(name, declared.get("Default", "")))
        values[name] = value.split(",") if declared["Type"] == "CommaDelimitedList" else value
    return values


def evaluate(expression, values, conditions):
    """A condition's value: Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition, over Ref and Fn::Join of parameters."""
    if isinstance(expression, str):
        return expression
    ((function, argument),) = expression.items()
    if function == "Ref":
        return values[argument]
    if function == "Condition":
        return conditions[argument]
    if function == "Fn::Join":
        separator, items = argument
        return separator.join(evaluate(items, values, conditions))
    operands = [evaluate(operand, values, conditions) for operand in argument]
    return {"Fn::Equals": lambda a, b: a == b, "Fn::Not": lambda a: not a,
            "Fn::And": lambda *a: all(a), "Fn::Or": lambda *a: any(a)}[function](*operands)


def conditions_of(template, parameters=None):
    """Each condition of the template and whether it holds with these parameter values."""
    values = parameter_values(template, parameters)
    conditions = {}
    pending = dict(template.get("Conditions", {}))
    while pending:
        progress = False
        for name, expression in list(pending.items()):
            try:
                conditions[name] = evaluate(expression, values, conditions)
            except KeyError:
                continue  # refers to a condition not evaluated yet
            del pending[name]
            progress = True
        assert progress, f"conditions this helper cannot evaluate: {pending}"
    return conditions


NO_VALUE = object()


def _resolved(value, conditions):
    if isinstance(value, list):
        items = [_resolved(item, conditions) for item in value]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(value, dict):
        return value
    if list(value) == ["Ref"] and value["Ref"] == "AWS::NoValue":
        return NO_VALUE
    if list(value) == ["Fn::If"]:
        condition, when_true, when_false = value["Fn::If"]
        return _resolved(when_true if conditions[condition] else when_false, conditions)
    if list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], list):
        text, variables = value["Fn::Sub"]
        kept = {}
        for name, variable in _resolved(variables, conditions).items():
            # Text, or the text of an Fn::Sub without variables (its ${...} mean the same here), goes into the text as
            # CloudFormation would put its value there.
            nested = isinstance(variable, dict) and list(variable) == ["Fn::Sub"] and isinstance(variable["Fn::Sub"], str)
            if nested:
                text = text.replace("${%s}" % name, variable["Fn::Sub"])
            elif isinstance(variable, str) and "${" not in variable:
                text = text.replace("${%s}" % name, variable)
            else:
                kept[name] = variable
        return {"Fn::Sub": [text, kept] if kept else text}
    resolved = {key: _resolved(inner, conditions) for key, inner in value.items()}
    return {key: inner for key, inner in resolved.items() if inner is not NO_VALUE}


def resolve(template, parameters=None):
    """The template as CloudFormation deploys it with these parameter values (the others at their defaults): the
    resources and outputs of a condition that does not hold left out, each Fn::If replaced by the branch taken
    (AWS::NoValue removes the value), and the variables of an Fn::Sub that became text put into its text. References,
    Fn::GetAtt and Fn::Sub stay as written, so that the result compares with the template."""
    conditions = conditions_of(template, parameters)
    result = {key: value for key, value in template.items() if key not in ("Resources", "Outputs")}
    for section in ("Resources", "Outputs"):
        kept = {name: body for name, body in template.get(section, {}).items()
                if conditions.get(body.get("Condition"), True)}
        result[section] = _resolved(kept, conditions)
    return result


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

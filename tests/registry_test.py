"""The schema registry's documents (schemas/registry/, generated from the Rust types and held to them by
`cargo test --test function schemas::`): valid OpenAPI 3.0, true to what EventBridge delivers, and registered by the
template exactly as committed, each under this stack's EventSource."""

import copy
import json

import pytest
from conftest import ROOT, of_type, sub_text
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

REGISTRY = ROOT / "schemas" / "registry"
EVENTS = ["PlayerAdded", "ScoreChanged", "PlayerRemoved"]
META = {"eventId": "7a2d9e4b", "occurredAt": "2026-11-24T09:01:00Z", "schemaVersion": "1", "playerId": "1234", "date": "Aug 23"}
DETAILS = {
    "PlayerAdded": {**META, "score": 44},
    "ScoreChanged": {**META, "oldScore": 44, "newScore": 50, "delta": 6},
    "PlayerRemoved": {**META, "score": 50, "reason": "expired"},
}


def document(event):
    return json.loads((REGISTRY / f"{event}.openapi.json").read_text())


def delivered(event, detail):
    """An event as an EventBridge rule target receives it on AWS (`account` included)."""
    return {"version": "0", "id": "53e7f7f5-591e-4c79-a201-81680520888f", "detail-type": event, "source": "game.scores",
            "account": "123456789012", "time": "2026-11-24T09:01:01Z", "region": "eu-west-1", "resources": [],
            "detail": detail}


def errors(event, instance):
    schemas = document(event)["components"]
    validator = OAS30Validator({"$ref": "#/components/schemas/AWSEvent", "components": schemas})
    return [error.message for error in validator.iter_errors(instance)]


def test_there_is_one_document_per_event_and_no_other():
    assert sorted(path.name for path in REGISTRY.iterdir()) == sorted(f"{event}.openapi.json" for event in EVENTS)


@pytest.mark.parametrize("event", EVENTS)
def test_each_document_is_valid_openapi_3_0(event):
    validate(document(event))


@pytest.mark.parametrize("event", EVENTS)
def test_each_document_accepts_its_event_as_delivered_and_refuses_others(event):
    assert errors(event, delivered(event, DETAILS[event])) == []
    other = next(name for name in EVENTS if name != event)
    assert errors(event, delivered(other, DETAILS[event])), "another detail-type"
    broken = copy.deepcopy(DETAILS[event])
    del broken["playerId"]
    assert errors(event, delivered(event, broken)), "a detail without playerId"
    newer = {**DETAILS[event], "schemaVersion": "2"}
    assert errors(event, delivered(event, newer)), "another schemaVersion"


def test_a_score_change_of_zero_or_beyond_2_to_the_52_is_refused():
    assert errors("ScoreChanged", delivered("ScoreChanged", {**DETAILS["ScoreChanged"], "newScore": 44, "delta": 0}))
    beyond = {**DETAILS["ScoreChanged"], "newScore": 2**52, "delta": 2**52 - 44}
    assert errors("ScoreChanged", delivered("ScoreChanged", beyond))


def test_the_template_registers_every_document_as_committed_under_its_event_source(template):
    (registry_id,) = of_type(template, "AWS::EventSchemas::Registry")
    assert registry_id == "ScoreEventsSchemaRegistry"
    schemas = of_type(template, "AWS::EventSchemas::Schema").values()
    registered = {}
    for schema in schemas:
        props = schema["Properties"]
        assert props["Type"] == "OpenApi3"
        assert props["RegistryName"] == {"Fn::GetAtt": ["ScoreEventsSchemaRegistry", "RegistryName"]}
        content = sub_text(props["Content"])
        assert content is not None, "Content is an Fn::Sub, the source its ${EventSource}"
        as_deployed = json.loads(content.replace("${EventSource}", template["Parameters"]["EventSource"]["Default"]))
        event = as_deployed["info"]["title"]
        # The naming of discovered schemas, <source>@<detail-type>: code bindings come out as schema.<source>.<event>.
        assert props["SchemaName"] == {"Fn::Sub": "${EventSource}@" + event}
        assert json.loads(content)["components"]["schemas"]["AWSEvent"]["x-amazon-events-source"] == "${EventSource}"
        expected = document(event)
        expected["components"]["schemas"]["AWSEvent"]["x-amazon-events-source"] = "${EventSource}"
        line = json.dumps(expected, separators=(",", ":"), ensure_ascii=False)
        assert as_deployed == document(event), f"template.yaml's {event} Content is stale; it should be:\n{line}"
        registered[event] = as_deployed
    assert sorted(registered) == sorted(EVENTS)

"""The wire models against every JSON example of the CDS Hooks 2.0.1 specification."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from cds_hooks.models import (
    Action,
    Card,
    CDSRequest,
    CDSResponse,
    Coding,
    DiscoveryResponse,
    FeedbackRequest,
    Link,
    ServiceDescriptor,
    Source,
    Suggestion,
)
from tests.paths import SPEC_EXAMPLES


def load(name: str) -> Any:
    return json.loads((SPEC_EXAMPLES / name).read_text())


# Each whole-document example and the model that reads it.
DOCUMENTS: dict[str, type[BaseModel]] = {
    "discovery-response.json": DiscoveryResponse,
    "discovery-with-extension.json": DiscoveryResponse,
    "patient-view-request.json": CDSRequest,
    "request-with-extension.json": CDSRequest,
    "cards-response.json": CDSResponse,
    "empty-response.json": CDSResponse,
    "feedback-accepted.json": FeedbackRequest,
    "feedback-overridden.json": FeedbackRequest,
    "feedback-overridden-with-reason.json": FeedbackRequest,
}

# Two examples of the spec break the spec's own REQUIRED fields (they were abbreviated for
# the page). The models are strict so Microcyte can never emit such a document: these
# examples are refused, naming the missing field, and read once that field is supplied.
SPEC_DEFECTS: dict[str, tuple[str, str, Any]] = {
    "cards-response-smart-link.json": ("cards.0.indicator", "/cards/0/indicator", "info"),
    "system-actions-response.json": (
        "systemActions.0.description",
        "/systemActions/0/description",
        "Update the MRI order",
    ),
}


def wire(model: type[BaseModel], document: Any) -> Any:
    """The wire form of a document, checked to be the JSON the service writes over HTTP."""
    built = model.model_validate(document)
    dumped = built.to_wire()  # type: ignore[attr-defined]
    assert json.loads(built.to_json()) == dumped  # type: ignore[attr-defined]
    return dumped


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_spec_example_round_trips_without_loss(name: str) -> None:
    document = load(name)
    assert wire(DOCUMENTS[name], document) == document


@pytest.mark.parametrize("name", sorted(SPEC_DEFECTS))
def test_spec_example_missing_a_required_field_is_refused_then_reads(name: str) -> None:
    document = load(name)
    location, pointer, value = SPEC_DEFECTS[name]
    with pytest.raises(ValidationError) as refused:
        CDSResponse.model_validate(document)
    assert location in {".".join(map(str, e["loc"])) for e in refused.value.errors()}

    fixed = copy.deepcopy(document)
    *parents, leaf = pointer.strip("/").split("/")
    target = fixed
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    target[leaf] = value
    assert wire(CDSResponse, fixed) == fixed


@pytest.mark.parametrize(
    ("name", "wrapper"),
    [
        ("override-reasons.json", "overrideReasons"),
    ],
)
def test_override_reason_examples_are_valid_codings(name: str, wrapper: str) -> None:
    for coding in load(name)[wrapper]:
        assert Coding.model_validate(coding).to_wire() == coding


def test_fhir_authorization_example_reads_and_hides_its_token() -> None:
    document = load("fhir-authorization.json")
    request = CDSRequest.model_validate(
        {
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "fhirServer": "https://fhir.example.org",
            "context": {"userId": "Practitioner/1", "patientId": "1"},
            **document,
        }
    )
    assert request.fhirAuthorization is not None
    token = document["fhirAuthorization"]["access_token"]
    assert token not in repr(request)
    assert token not in str(request.fhirAuthorization)
    assert request.to_wire()["fhirAuthorization"] == document["fhirAuthorization"]


def test_prefetch_examples_read_as_request_parts() -> None:
    templates = load("prefetch-templates.json")["prefetch"]
    assert all(isinstance(v, str) for v in templates.values())
    request = CDSRequest.model_validate(
        {
            "hook": "patient-view",
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/1", "patientId": "1"},
            **load("prefetch-data.json"),
        }
    )
    assert request.prefetch == load("prefetch-data.json")["prefetch"]


def card(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "summary": "Consider ferritin",
        "indicator": "info",
        "source": {"label": "Microcyte"},
    }
    base.update(changes)
    return base


SUGGESTION = {
    "label": "Order ferritin",
    "actions": [
        {"type": "create", "description": "Order ferritin", "resource": {"resourceType": "ServiceRequest"}}
    ],
}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (card(summary="x" * 140), "at most 139 characters"),
        (card(summary=""), "at least 1 character"),
        (card(indicator="urgent"), "indicator"),
        (card(source={}), "label"),
        (card(suggestions=[SUGGESTION]), "cds-resp-6"),
        (
            card(
                suggestions=[{**SUGGESTION, "isRecommended": True}, {**SUGGESTION, "isRecommended": True}],
                selectionBehavior="at-most-one",
            ),
            "cds-resp-1",
        ),
        (card(overrideReasons=[{"system": "urn:x", "code": "a"}]), "cds-resp-4"),
        (
            card(
                links=[
                    {"label": "App", "url": "https://app.example.org", "type": "absolute", "appContext": "{}"}
                ]
            ),
            "cds-resp-3",
        ),
        (
            card(
                suggestions=[{"label": "x", "actions": [{"type": "create", "resource": {"a": 1}}]}],
                selectionBehavior="any",
            ),
            "description",
        ),
        (
            card(
                suggestions=[{"label": "x", "actions": [{"type": "create", "description": "x"}]}],
                selectionBehavior="any",
            ),
            "needs a resource",
        ),
        (
            card(
                suggestions=[{"label": "x", "actions": [{"type": "delete", "description": "x"}]}],
                selectionBehavior="any",
            ),
            "needs a resourceId",
        ),
        (card(uuid="not-a-uuid"), "UUID"),
    ],
)
def test_invalid_cards_cannot_be_built(document: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Card.model_validate(document)


def test_serialization_never_holds_null_or_empty_members() -> None:
    built = Card(
        summary="Consider ferritin",
        detail="",
        indicator="info",
        source=Source(label="Microcyte", url=None, topic=Coding(system="urn:x", code="r", display="")),
        suggestions=[Suggestion(label="Order", actions=[])],
        selectionBehavior="any",
        overrideReasons=[],
        links=[],
    )
    assert built.to_wire() == {
        "summary": "Consider ferritin",
        "indicator": "info",
        "source": {"label": "Microcyte", "topic": {"system": "urn:x", "code": "r"}},
        "suggestions": [{"label": "Order"}],
        "selectionBehavior": "any",
    }
    assert json.loads(built.to_json()) == built.to_wire()


def test_free_form_members_go_over_the_wire_pruned() -> None:
    topic = Coding(system="urn:x", code="r", version="", extension=[{"url": ""}], userSelected=False)
    assert topic.to_wire() == {"system": "urn:x", "code": "r", "extension": [{}], "userSelected": False}
    assert json.loads(topic.to_json()) == topic.to_wire()
    descriptor = ServiceDescriptor(
        hook="patient-view",
        id="s",
        description="d",
        prefetch={"a": "", "b": "Patient/1"},
        extension={"x": {}},
    )
    assert descriptor.to_wire() == {
        "hook": "patient-view",
        "id": "s",
        "description": "d",
        "prefetch": {"b": "Patient/1"},
    }
    assert json.loads(descriptor.to_json()) == descriptor.to_wire()


def test_an_empty_response_keeps_its_empty_cards() -> None:
    assert CDSResponse().to_wire() == {"cards": []}
    assert CDSResponse(cards=[], systemActions=[]).to_wire() == {"cards": []}
    assert CDSResponse(cards=[], systemActions=[]).to_json() == b'{"cards":[]}'


def test_what_the_service_sends_cannot_be_changed_once_made() -> None:
    built = Card.model_validate(card(detail="Ferritin 8 µg/L"))
    with pytest.raises(ValidationError, match="frozen"):
        built.detail = ""
    with pytest.raises(ValidationError, match="frozen"):
        built.source.topic = Coding(system="urn:x", code="r", display="")


def test_a_create_action_whose_resource_holds_only_empty_members_is_refused() -> None:
    # Its wire form would be a create action without a resource (cds-resp-5 and the spec's Action).
    with pytest.raises(ValidationError, match="needs a resource"):
        Action(type="create", description="x", resource={"resourceType": "", "code": {"coding": []}})


def test_a_smart_link_may_carry_app_context() -> None:
    link = {"label": "App", "url": "https://app.example.org/launch", "type": "smart", "appContext": '{"a":1}'}
    assert Link.model_validate(link).to_wire() == link


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "accepted",
                "outcomeTimestamp": "2021-12-11T10:05:31Z",
            },
            "cds-fb-2",
        ),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "overrideReason": {},
                "outcomeTimestamp": "2021-12-11T10:05:31Z",
            },
            "cds-fb-3",
        ),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "acceptedSuggestions": [{"id": "a"}],
                "outcomeTimestamp": "2021-12-11T10:05:31Z",
            },
            "cds-fb-1",
        ),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "outcomeTimestamp": "2021-12-11",
            },
            "RFC 3339",
        ),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "overridden",
                "outcomeTimestamp": "2021-12-11T10:05:31",
            },
            "offset",
        ),
        ({"card": "card-1", "outcome": "overridden", "outcomeTimestamp": "2021-12-11T10:05:31Z"}, "UUID"),
        (
            {
                "card": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
                "outcome": "ignored",
                "outcomeTimestamp": "2021-12-11T10:05:31Z",
            },
            "outcome",
        ),
    ],
)
def test_invalid_feedback_is_refused(item: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        FeedbackRequest.model_validate({"feedback": [item]})


def test_fhir_authorization_requires_a_fhir_server() -> None:
    document = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {},
        **load("fhir-authorization.json"),
    }
    with pytest.raises(ValidationError, match="cds-r-1"):
        CDSRequest.model_validate(document)


# Every form Python's uuid parser reads, and some it does not: a card or hookInstance uuid is
# valid exactly when it reads one, whether or not it is written in the canonical form.
UUID_FORMS = (
    "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "D1577C69-DFBE-44AD-BA6D-3E05E953B2EA",
    "{d1577c69-dfbe-44ad-ba6d-3e05e953b2ea}",
    "urn:uuid:d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "d1577c69dfbe44adba6d3e05e953b2ea",
    "d1577c69-dfbe-44ad-ba6d-3e05e953b2e",
    "d1577c69-dfbe-44ad-ba6d-3e05e953b2eaa",
    "d1577c69-dfbe-44ad-ba6d-3e05e953b2eg",
    "d1577c69-dfbe-44ad-ba6d_3e05e953b2ea",
    "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea\n",
    "",
)


def _reads_as_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", UUID_FORMS)
def test_a_uuid_is_accepted_exactly_when_it_reads_as_one(value: str) -> None:
    def accepted(build: Any) -> bool:
        try:
            build()
        except ValidationError:
            return False
        return True

    expected = _reads_as_uuid(value)
    assert accepted(lambda: Card.model_validate(card(uuid=value))) is expected
    assert accepted(lambda: Suggestion(label="x", uuid=value)) is expected
    request = {"hook": "patient-view", "hookInstance": value, "context": {}}
    assert accepted(lambda: CDSRequest.model_validate(request)) is expected


def test_pruning_judges_a_member_after_pruning_it_and_a_list_item_before() -> None:
    action = {"type": "create", "description": "x", "resource": {"a": [{}, {"b": ""}]}}
    card_document = card(suggestions=[{"label": "x", "actions": [action]}], selectionBehavior="any")
    wire = Card.model_validate(card_document).to_wire()
    assert wire["suggestions"][0]["actions"][0]["resource"] == {"a": [{}]}

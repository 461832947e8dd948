"""Prefetch templates and the four states of a prefetch key."""

from __future__ import annotations

import pytest

from cds_hooks.prefetch import PrefetchState, PrefetchTemplate, Unrenderable, classify, read_prefetch, render

CONTEXT = {"userId": "Practitioner/abc", "patientId": "123", "encounterId": "e-9", "selections": ["a"]}


@pytest.mark.parametrize(
    ("template", "rendered"),
    [
        ("Patient/{{context.patientId}}", "Patient/123"),
        ("Encounter/{{ context.encounterId }}", "Encounter/e-9"),
        (
            "Observation?patient={{context.patientId}}&code=718-7&_sort=-date",
            "Observation?patient=123&code=718-7&_sort=-date",
        ),
        ("Practitioner/{{userPractitionerId}}", "Practitioner/abc"),
        (
            "PractitionerRole?practitioner={{context.userId}}",
            "PractitionerRole?practitioner=Practitioner/abc",
        ),
    ],
)
def test_templates_fill_context_and_user_tokens(template: str, rendered: str) -> None:
    assert render(template, CONTEXT) == rendered


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("Patient/{{userPatientId}}", "userPatientId"),  # the user is a Practitioner
        ("X/{{context.selections}}", "not a primitive"),
        ("X/{{context.missing}}", "not a primitive"),
        ("X/{{today()}}", "unknown prefetch token"),  # a 3.0 ballot token, not STU2
    ],
)
def test_a_token_the_request_cannot_fill_is_refused(template: str, says: str) -> None:
    with pytest.raises(Unrenderable, match=says.replace("(", r"\(").replace(")", r"\)")):
        render(template, CONTEXT)


def test_the_four_states_of_a_key() -> None:
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    raw = {"patient": {"resourceType": "Patient", "id": "123"}, "labs": None, "meds": outcome}
    assert classify("patient", raw).state is PrefetchState.PRESENT
    assert classify("labs", raw).state is PrefetchState.NULL
    assert classify("meds", raw).state is PrefetchState.OUTCOME
    assert classify("orders", raw).state is PrefetchState.ABSENT
    assert classify("orders", None).state is PrefetchState.ABSENT
    assert classify("odd", {"odd": "123"}).problem == "not a FHIR resource"


def test_a_null_key_is_usable_and_holds_no_resources() -> None:
    data = read_prefetch(
        {"labs": PrefetchTemplate("Observation?patient={{context.patientId}}")}, {"labs": None}
    )
    assert data["labs"].usable
    assert data.resources("labs") == []


def test_a_searchset_with_a_next_link_is_read_and_marked_incomplete() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [
            {"relation": "self", "url": "x"},
            {"relation": "next", "url": "https://fhir.example.org/p2"},
        ],
        "entry": [{"resource": {"resourceType": "Observation", "id": "1"}}, {"fullUrl": "no resource"}],
    }
    item = classify("labs", {"labs": bundle})
    assert item.incomplete
    assert [r["id"] for r in item.resources()] == ["1"]


@pytest.mark.parametrize(
    ("template", "value", "rendered"),
    [
        # In the query a value cannot add a parameter, widen the search or name a code system.
        (
            "Observation?patient={{context.patientId}}&code=718-7",
            "x&patient=other",
            "Observation?patient=x%26patient%3Dother&code=718-7",
        ),
        ("Observation?patient={{context.patientId}}", "1,2", "Observation?patient=1%2C2"),
        (
            "Observation?code={{context.patientId}}",
            "http://loinc.org|718-7",
            "Observation?code=http://loinc.org%7C718-7",
        ),
        ("Observation?patient={{context.patientId}}", "a#b c+d", "Observation?patient=a%23b%20c%2Bd"),
        # In the path it cannot add or climb a segment, nor start a query.
        ("Patient/{{context.patientId}}", "../Practitioner/9", "Patient/..%2FPractitioner%2F9"),
        ("Patient/{{context.patientId}}", "1?_count=1000", "Patient/1%3F_count%3D1000"),
    ],
)
def test_a_context_value_is_encoded_for_its_place(template: str, value: str, rendered: str) -> None:
    assert render(template, {**CONTEXT, "patientId": value}) == rendered

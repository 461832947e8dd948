"""No 5xx for anything a client sends: valid bodies, mutated, posted through the real app.

The bodies are the hand-made cases of fixtures/cases/ (every service) and the spec's feedback
examples, each broken by :mod:`tests.property.mutations`. Whatever arrives, the answer is a 200
that is valid CDS Hooks (a feedback 200 has no body), or an OperationOutcome with a 4xx the
endpoint may give and the issue code that status carries. The profile in conftest.py bounds the
run; ``HYPOTHESIS_PROFILE=long`` explores further.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask.testing import FlaskClient
from hypothesis import event, given
from hypothesis import strategies as st

from cds_hooks.errors import operation_outcome
from cds_hooks.models import CDSResponse
from tests.paths import AHRQ_REQUESTS, FIXTURES, SPEC_EXAMPLES
from tests.ports import free_port
from tests.property.mutations import encode, mutated

WORKUP = "/cds-services/microcytosis-workup"
IRON_CHECK = "/cds-services/iron-prescribing-check"
FEEDBACK = "/cds-services/microcytosis-workup/feedback"


def _cases(service: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted((FIXTURES / "cases").glob("*.json")):
        case = json.loads(path.read_text())
        if case.get("service", "microcytosis-workup") == service:
            found.append(case["request"])
    return found


PATIENT_VIEW = _cases("microcytosis-workup")
ORDER_SELECT = _cases("iron-prescribing-check")
# order-select and order-sign bodies of the checks other than the iron check on order-select.
ORDER_HOOKS = [
    (service, body)
    for service in ("iron-prescribing-check-sign", "workup-order-check", "workup-order-check-sign")
    for body in _cases(service)
]
FEEDBACK_BODIES = [
    json.loads(path.read_text())
    for path in [
        SPEC_EXAMPLES / "feedback-accepted.json",
        SPEC_EXAMPLES / "feedback-overridden.json",
        SPEC_EXAMPLES / "feedback-overridden-with-reason.json",
        AHRQ_REQUESTS / "feedback.json",
    ]
]
# Nothing listens there: the keys a mutation removed are fetched, and fail at once.
CLOSED_SERVER = f"http://127.0.0.1:{free_port()}/fhir"


# Where a mutation is likeliest to reach past validation into the code that reads the data.
FOCUS = (("prefetch",), ("context", "draftOrders"), ("context", "selections"))


@st.composite
def hook_body(draw: st.DrawFn, bodies: list[dict[str, Any]]) -> bytes:
    body = dict(draw(st.sampled_from(bodies)))
    if draw(st.booleans()):
        body["fhirServer"] = CLOSED_SERVER
    return encode(draw(mutated(body, focus=FOCUS)))


@st.composite
def order_hook_call(draw: st.DrawFn) -> tuple[str, bytes]:
    service, body = draw(st.sampled_from(ORDER_HOOKS))
    return f"/cds-services/{service}", draw(hook_body([body]))


def check_refusal(response: Any, allowed: set[int]) -> None:
    event(f"status {response.status_code}")
    assert response.status_code in allowed, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/json"
    outcome = orjson.loads(response.get_data())
    assert outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["severity"] == "error"
    assert issue["code"] == operation_outcome(response.status_code, "")["issue"][0]["code"]
    assert isinstance(issue["diagnostics"], str) and issue["diagnostics"]


def check_hook_answer(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code == 200:
        event("status 200")
        CDSResponse.model_validate(orjson.loads(response.get_data()))
    else:
        check_refusal(response, {400, 412})


@given(body=hook_body(PATIENT_VIEW))
def test_a_mutated_patient_view_call_is_answered_or_refused(client: FlaskClient, body: bytes) -> None:
    check_hook_answer(client.post(WORKUP, data=body, content_type="application/json"))


@given(body=hook_body(ORDER_SELECT))
def test_a_mutated_order_select_call_is_answered_or_refused(client: FlaskClient, body: bytes) -> None:
    check_hook_answer(client.post(IRON_CHECK, data=body, content_type="application/json"))


@given(call=order_hook_call())
def test_a_mutated_order_sign_or_order_check_call_is_answered_or_refused(
    client: FlaskClient, call: tuple[str, bytes]
) -> None:
    path, body = call
    check_hook_answer(client.post(path, data=body, content_type="application/json"))


@given(
    body=st.sampled_from(FEEDBACK_BODIES)
    .flatmap(lambda body: mutated(body, focus=(("feedback",),)))
    .map(encode)
)
def test_mutated_feedback_is_stored_or_refused(client: FlaskClient, body: bytes) -> None:
    response = client.post(FEEDBACK, data=body, content_type="application/json")
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code == 200:
        event("status 200")
        assert response.get_data() == b""
    else:
        check_refusal(response, {400})

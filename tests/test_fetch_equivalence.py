"""The same cards whether the EHR prefetches the data or the service fetches it itself.

A CDS client may prefetch every key, some of them, none, or only the first page of a
search; the clinician must see the same cards whichever it chose. Each hand-made case of
fixtures/cases/ is put on a real FHIR server (sekmet, one per test session) and sent
through the app each way, at the instant the case is written for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cds_hooks.blueprint import EXTENSION_KEY
from cds_hooks.models import CDSResponse
from cds_hooks.prefetch import render
from service.app import create_app
from service.labs.analytes import LOINC
from service.services import SERVICES
from service.services.prefetch import OBSERVATION_COUNT
from tests.bodies import without_uuids
from tests.fhir.faulty import Answer, FaultyServer, Seen
from tests.fhirserver import SYNTHEA, PatientRecord, SekmetServer
from tests.served_cases import CASE_FILES, CASES, Case, hook_of, put_on, read_case, search

SERVICE = next(service for service in SERVICES if service.id == "microcytosis-workup")
SERVICE_URL = f"/cds-services/{SERVICE.id}"

# The cases whose point is data a FHIR server would never hand out, so that no fetch can
# give the prefetch's answer. Every other case must come out the same.
NOT_ON_A_SERVER = {
    "13-ferritin-of-another-patient": "a search by patient never returns another patient's Observation",
    "15-invalid-observation": "sekmet refuses to store an Observation whose value is not a decimal",
    "19-condition-prefetch-failed": (
        "the client's failed Condition prefetch (an OperationOutcome) has no counterpart on a server"
        " that answers"
    ),
    "48-patient-of-another-id": "a read of Patient/{patientId} never returns a Patient with another id",
}
PATIENT_VIEW_CASES = [path for path in CASE_FILES if hook_of(path) == "patient-view"]
SERVER_CASES = [path for path in PATIENT_VIEW_CASES if path.stem not in NOT_ON_A_SERVER]

# Generous budgets: a loaded CI machine must not turn a correct fetch into a timeout.
RELAXED = {"deadline_seconds": 20.0, "connect_timeout_seconds": 5.0, "read_timeout_seconds": 10.0}
PAGE_SIZE = 2  # every case with more than two results takes several pages
# A boy born 2012 with 45 of the results the service asks for: 6 pages of 8, within the
# fetcher's default of 10.
SYNTHEA_RECORD = "3dd33b34fb87f0ac"
SYNTHEA_PAGE_SIZE = 8
SYNTHEA_NOW = datetime.fromisoformat("2024-06-01T12:00:00+00:00")  # the records end in 2024
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"


def fetching_app(**fhir: Any) -> Flask:
    return create_app({"auth": {"enabled": False}, "fhir": {**RELAXED, **fhir}})


@pytest.fixture
def app() -> Flask:
    return fetching_app()


def at(app: Flask, now: datetime) -> FlaskClient:
    app.extensions[EXTENSION_KEY].clock = lambda: now
    return app.test_client()


def answer(response: TestResponse) -> dict[str, Any]:
    """The response's body without uuids, once it is known to be a valid CDS Hooks answer."""
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    CDSResponse.model_validate(body)
    found: dict[str, Any] = without_uuids(body)
    return found


def rules(body: dict[str, Any]) -> list[str]:
    return [card["source"]["topic"]["code"] for card in body["cards"]]


def refusal(response: TestResponse) -> tuple[int, list[str], str]:
    """Status, the fields the OperationOutcome names, and its message."""
    body = response.get_json()
    assert body["resourceType"] == "OperationOutcome"
    fields = [field for issue in body["issue"] for field in issue.get("expression", [])]
    return response.status_code, fields, body["issue"][0]["diagnostics"]


def first_page(server: SekmetServer, patient_id: str, count: int) -> dict[str, Any]:
    """The first page of the service's Observation search, ``count`` results long."""
    query = render(SERVICE.prefetch["Observation"].query, {"patientId": patient_id})
    paged = query.replace(f"_count={OBSERVATION_COUNT}", f"_count={count}")
    assert paged != query, "the Observation template no longer sets _count"
    page = search(server, paged)
    assert any(link["relation"] == "next" for link in page["link"]), "the search fits one page"
    return page


def is_paged_with_cards(path: Path) -> bool:
    """Does the case's search take several pages, and show a card a lost page would change?"""
    case = read_case(path)
    return len(case.observations()) > PAGE_SIZE and bool(case.rules)


@pytest.fixture(scope="module")
def cases_on_server(fhir_server: SekmetServer) -> dict[str, Case]:
    return {
        path.stem: put_on(fhir_server, read_case(path, f"c{path.stem.split('-')[0]}-"))
        for path in SERVER_CASES
    }


def test_only_cases_a_server_cannot_hold_are_left_out() -> None:
    assert set(NOT_ON_A_SERVER) <= {path.stem for path in PATIENT_VIEW_CASES}
    assert len(SERVER_CASES) >= 40


@pytest.mark.parametrize("name", [path.stem for path in SERVER_CASES])
def test_fetched_data_gives_the_prefetched_cards(
    name: str, cases_on_server: dict[str, Case], fhir_server: SekmetServer, app: Flask
) -> None:
    case = cases_on_server[name]
    client = at(app, case.now)
    server = fhir_server.base_url

    as_written = answer(client.post(SERVICE_URL, json=read_case(CASES / f"{name}.json").request))
    prefetched = answer(client.post(SERVICE_URL, json=case.request))
    fetched = answer(client.post(SERVICE_URL, json=case.fetching_from(server)))
    patient_only = answer(client.post(SERVICE_URL, json=case.fetching_from(server, Patient=case.patient)))

    assert rules(prefetched) == rules(as_written)  # the ids made unique changed nothing
    assert fetched == prefetched
    assert patient_only == prefetched


@pytest.mark.parametrize("name", [path.stem for path in SERVER_CASES if is_paged_with_cards(path)])
def test_a_prefetched_first_page_gives_the_cards_of_the_whole_search(
    name: str, cases_on_server: dict[str, Case], fhir_server: SekmetServer, app: Flask
) -> None:
    case = cases_on_server[name]
    client = at(app, case.now)
    page = first_page(fhir_server, case.patient_id, PAGE_SIZE)

    paged = answer(
        client.post(
            SERVICE_URL, json=case.fetching_from(fhir_server.base_url, Patient=case.patient, Observation=page)
        )
    )

    assert paged == answer(client.post(SERVICE_URL, json=case.request))


def synthea_request(server: SekmetServer, record: PatientRecord, **prefetch: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": server.base_url,
        "context": {"userId": "Practitioner/example", "patientId": record.patient_id},
    }
    if prefetch:
        request["prefetch"] = prefetch
    return request


def test_synthea_patients_fetched_whole_get_a_valid_answer_without_cards(
    fhir_server: SekmetServer, synthea_patients: dict[str, PatientRecord], app: Flask
) -> None:
    client = at(app, SYNTHEA_NOW)
    for name, record in synthea_patients.items():
        response = client.post(SERVICE_URL, json=synthea_request(fhir_server, record))
        # Synthea's blood counts are normocytic: a card would be a false alarm.
        assert answer(response) == {"cards": []}, name


def laboratory(patient_id: str, code: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2024-05-20T09:00:00Z",
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


@pytest.fixture(scope="module")
def microcytic_synthea_patient(fhir_server: SekmetServer) -> PatientRecord:
    """A copy of a Synthea record, given a microcytic blood count.

    Synthea's own blood counts are normal, and without a card a search could lose its
    later pages unseen; a card says which data was not available.
    """
    record = fhir_server.load_record(SYNTHEA / f"{SYNTHEA_RECORD}.json")
    fhir_server.load(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {"resource": observation, "request": {"method": "POST", "url": "Observation"}}
                for observation in (
                    laboratory(record.patient_id, "718-7", 9.8, "g/dL"),
                    laboratory(record.patient_id, "787-2", 66, "fL"),
                )
            ],
        }
    )
    return record


def test_a_synthea_search_read_page_by_page_gives_the_cards_of_the_whole_one(
    fhir_server: SekmetServer, microcytic_synthea_patient: PatientRecord, app: Flask
) -> None:
    record = microcytic_synthea_patient
    client = at(app, SYNTHEA_NOW)
    page = first_page(fhir_server, record.patient_id, SYNTHEA_PAGE_SIZE)
    patient = search(fhir_server, f"Patient/{record.patient_id}")

    paged = answer(
        client.post(SERVICE_URL, json=synthea_request(fhir_server, record, Patient=patient, Observation=page))
    )
    whole = answer(client.post(SERVICE_URL, json=synthea_request(fhir_server, record)))

    assert rules(whole) == ["no-ferritin"]
    assert paged == whole


@pytest.fixture(scope="module")
def secured_case(secured_fhir_server: SekmetServer) -> Case:
    case = read_case(CASES / "01-microcytic-anemia-no-ferritin.json", "secured-")
    return put_on(secured_fhir_server, case)


def granting(case: Case, server: SekmetServer, token: str) -> dict[str, Any]:
    """The case's request without prefetch, granting ``token`` for ``server``."""
    request = case.fetching_from(server.base_url)
    request["fhirAuthorization"] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "microcyte",
    }
    return request


def test_the_access_token_opens_a_secured_server(
    secured_case: Case, secured_fhir_server: SekmetServer, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = secured_fhir_server.token
    assert token is not None
    client = at(app, secured_case.now)

    fetched = answer(client.post(SERVICE_URL, json=granting(secured_case, secured_fhir_server, token)))

    assert rules(fetched)
    assert fetched == answer(client.post(SERVICE_URL, json=secured_case.request))
    assert token not in caplog.text


def test_a_refused_token_leaves_the_required_patient_unavailable(
    secured_case: Case, secured_fhir_server: SekmetServer, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-token-a1b2c3"

    response = at(app, secured_case.now).post(
        SERVICE_URL, json=granting(secured_case, secured_fhir_server, wrong)
    )

    status, fields, message = refusal(response)
    assert (status, fields) == (412, ["prefetch.Patient"])
    assert "refused the access token (HTTP 401)" in message
    assert wrong not in caplog.text


@pytest.fixture
def recorder() -> Iterator[FaultyServer]:
    """A loopback server that records every request and holds nothing."""

    def not_found(server: FaultyServer, seen: Seen) -> Answer:
        return Answer(404, {"resourceType": "OperationOutcome", "issue": []})

    server = FaultyServer(not_found)
    yield server
    server.close()


def test_a_server_off_the_allow_list_is_never_contacted(
    cases_on_server: dict[str, Case], fhir_server: SekmetServer, recorder: FaultyServer
) -> None:
    case = cases_on_server["01-microcytic-anemia-no-ferritin"]
    client = at(fetching_app(allowed_servers=[fhir_server.base_url]), case.now)

    refused = client.post(SERVICE_URL, json=case.fetching_from(recorder.base_url))
    # With the required Patient sent, the optional keys go without rather than the call.
    partial = client.post(SERVICE_URL, json=case.fetching_from(recorder.base_url, Patient=case.patient))
    allowed = client.post(SERVICE_URL, json=case.fetching_from(fhir_server.base_url))

    status, fields, _ = refusal(refused)
    assert (status, fields) == (403, ["fhirServer"])
    assert answer(partial) == {"cards": []}  # no labs, so nothing to say
    assert recorder.seen == []
    # The same app fetches from the server it lists.
    assert rules(answer(allowed))
    assert answer(allowed) == answer(client.post(SERVICE_URL, json=case.request))

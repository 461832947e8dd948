"""Filling the prefetch keys a client left out, from the request's fhirServer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from cds_hooks.errors import CDSHooksError
from cds_hooks.fhir.client import FhirFetcher
from cds_hooks.fhir.resolve import fill_missing, prefetch_filler
from cds_hooks.handling import prepare
from cds_hooks.models import CDSRequest, CDSResponse
from cds_hooks.prefetch import PrefetchData, PrefetchState, PrefetchTemplate, read_prefetch
from cds_hooks.service import HookCall, cds_service
from tests.fhir.faulty import Answer, FaultyServer, Seen, bundle, observation
from tests.fhirserver import PatientRecord, SekmetServer

Serve = Callable[[Callable[[FaultyServer, Seen], Answer]], FaultyServer]
MakeFetcher = Callable[..., FhirFetcher]

RECORD = "3dd33b34fb87f0ac"
TEMPLATES = {
    "patient": PrefetchTemplate("Patient/{{context.patientId}}", required=True),
    "hemoglobin": PrefetchTemplate(
        "Observation?patient={{context.patientId}}&code=http://loinc.org|718-7&_sort=-date&_count=1"
    ),
}


def hook_request(
    server: str | None,
    patient: str,
    prefetch: dict[str, Any] | None = None,
    token: str | None = None,
) -> CDSRequest:
    payload: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": patient},
    }
    if server is not None:
        payload["fhirServer"] = server
    if prefetch is not None:
        payload["prefetch"] = prefetch
    if token is not None:
        payload["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Observation.read",
            "subject": "microcyte",
        }
    return CDSRequest.model_validate(payload)


def fill(
    request: CDSRequest,
    fetcher: FhirFetcher | None,
    templates: dict[str, PrefetchTemplate] = TEMPLATES,
) -> PrefetchData:
    deadline = fetcher.deadline() if fetcher else 0.0
    return fill_missing(
        read_prefetch(templates, request.prefetch), templates, request, fetcher, deadline=deadline
    )


def test_keys_the_client_did_not_send_are_fetched(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: MakeFetcher,
) -> None:
    patient = synthea_patients[RECORD].patient_id

    data = fill(hook_request(fhir_server.base_url, patient), make_fetcher())

    assert data["patient"].state is PrefetchState.PRESENT
    assert data["patient"].value["id"] == patient
    assert data["hemoglobin"].state is PrefetchState.PRESENT
    assert not data["hemoglobin"].incomplete
    assert len(data.resources("hemoglobin")) == 3  # one per page of _count=1, merged
    assert data.missing() == []


def test_an_incomplete_prefetched_search_is_read_to_its_end(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: MakeFetcher,
) -> None:
    patient = synthea_patients[RECORD].patient_id
    query = f"Observation?patient={patient}&code=http://loinc.org|718-7&_sort=-date&_count=1"
    first_page = requests.get(f"{fhir_server.base_url}/{query}", timeout=30).json()
    prefetch = {"patient": {"resourceType": "Patient", "id": patient}, "hemoglobin": first_page}

    data = fill(hook_request(fhir_server.base_url, patient, prefetch), make_fetcher())

    assert data["hemoglobin"].state is PrefetchState.PRESENT
    assert not data["hemoglobin"].incomplete and data["hemoglobin"].problem is None
    assert len(data.resources("hemoglobin")) == 3


def test_a_patient_the_server_does_not_hold_is_null(
    fhir_server: SekmetServer, make_fetcher: MakeFetcher
) -> None:
    data = fill(hook_request(fhir_server.base_url, "no-such-patient"), make_fetcher())

    assert data["patient"].state is PrefetchState.NULL
    assert data["hemoglobin"].state is PrefetchState.PRESENT
    assert data.resources("hemoglobin") == []


def test_only_absent_and_failed_keys_are_fetched(serve: Serve, make_fetcher: MakeFetcher) -> None:
    def respond(server: FaultyServer, seen: Seen) -> Answer:
        return Answer(
            body=bundle([observation(1)]) if "?" in seen.path else {"resourceType": "Patient", "id": "p-7"}
        )

    server = serve(respond)
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}

    sent = fill(
        hook_request(server.base_url, "p-7", {"patient": {"resourceType": "Patient", "id": "p-7"}}),
        make_fetcher(),
    )
    null = fill(hook_request(server.base_url, "p-7", {"patient": None, "hemoglobin": None}), make_fetcher())
    failed = fill(
        hook_request(server.base_url, "p-7", {"patient": outcome, "hemoglobin": None}), make_fetcher()
    )

    assert sent["hemoglobin"].state is PrefetchState.PRESENT
    assert null["patient"].state is PrefetchState.NULL and null["hemoglobin"].state is PrefetchState.NULL
    assert failed["patient"].state is PrefetchState.PRESENT
    assert [seen.path.split("?")[0] for seen in server.seen] == ["/fhir/Observation", "/fhir/Patient/p-7"]


def test_the_clients_access_token_is_used(
    secured_fhir_server: SekmetServer, make_fetcher: MakeFetcher
) -> None:
    base = secured_fhir_server.base_url
    token = secured_fhir_server.token

    granted = fill(hook_request(base, "p-unknown", token=token), make_fetcher())
    refused = fill(hook_request(base, "p-unknown", token="expired-token"), make_fetcher())

    assert granted["patient"].state is PrefetchState.NULL
    assert granted["hemoglobin"].state is PrefetchState.PRESENT
    assert refused["patient"].state is PrefetchState.ABSENT
    assert refused["patient"].problem == (
        "not sent by the client; fetching it from fhirServer failed:"
        " the FHIR server refused the access token (HTTP 401)"
    )


def test_a_key_whose_query_cannot_be_built_says_why_and_the_others_are_fetched(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(lambda server, seen: Answer(body={"resourceType": "Patient", "id": "p-7"}))
    templates = {
        "patient": PrefetchTemplate("Patient/{{context.patientId}}"),
        "encounter": PrefetchTemplate("Encounter/{{context.encounterId}}"),
    }

    data = fill(hook_request(server.base_url, "p-7"), make_fetcher(), templates)

    assert data["patient"].state is PrefetchState.PRESENT
    assert data["encounter"].state is PrefetchState.ABSENT
    assert data["encounter"].problem == (
        "not sent by the client; its query cannot be built: context.encounterId is not a primitive value"
    )
    assert len(server.seen) == 1


def test_without_a_fhir_server_or_a_fetcher_nothing_changes(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(lambda server, seen: Answer(body={"resourceType": "Patient", "id": "p-7"}))

    no_server = fill(hook_request(None, "p-7"), make_fetcher())
    no_fetcher = fill(hook_request(server.base_url, "p-7"), None)

    for data in (no_server, no_fetcher):
        assert data["patient"].state is PrefetchState.ABSENT
        assert data["patient"].problem == "not sent by the client"
    assert server.seen == []


def test_a_fhir_server_off_the_allow_list_is_refused_before_any_connection(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(lambda server, seen: Answer(body={"resourceType": "Patient", "id": "p-7"}))
    fetcher = make_fetcher(allowed_servers=["https://fhir.example.org/r4"])

    with pytest.raises(CDSHooksError) as refused:
        fill(hook_request(server.base_url, "p-7", token="secret-token"), fetcher)

    assert refused.value.status == 403
    assert refused.value.field == "fhirServer"
    assert "fhirServer is not allowed by this service's configuration" in refused.value.message
    assert server.seen == []


def test_optional_keys_are_never_fetched_from_a_disallowed_server_and_say_why(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(lambda server, seen: Answer(body=bundle([observation(1)])))
    fetcher = make_fetcher(allowed_servers=["https://fhir.example.org/r4"])
    prefetch = {"patient": {"resourceType": "Patient", "id": "p-7"}}

    data = fill(hook_request(server.base_url, "p-7", prefetch, token="secret-token"), fetcher)

    assert data["patient"].state is PrefetchState.PRESENT
    assert data["hemoglobin"].state is PrefetchState.ABSENT
    assert "fhirServer is not allowed by this service's configuration" in (data["hemoglobin"].problem or "")
    assert server.seen == []


def test_a_disallowed_fhir_server_does_not_matter_when_nothing_is_to_be_fetched(
    make_fetcher: MakeFetcher,
) -> None:
    prefetch = {"patient": {"resourceType": "Patient", "id": "p-7"}, "hemoglobin": bundle([observation(1)])}

    data = fill(hook_request("https://fhir.example.org/r4", "p-7", prefetch), make_fetcher())

    assert data.missing() == []


def test_a_service_gets_fetched_data_and_a_412_when_a_required_key_cannot_be_had(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    serve: Serve,
    make_fetcher: MakeFetcher,
) -> None:
    @cds_service(id="counts", hook="patient-view", title="Counts", description="Counts.", prefetch=TEMPLATES)
    def counts(call: HookCall) -> CDSResponse:
        return CDSResponse()

    filler = prefetch_filler(make_fetcher())
    patient = synthea_patients[RECORD].patient_id
    failing = serve(lambda server, seen: Answer(503, headers={"Retry-After": "0"}))
    now = datetime(2024, 6, 1, tzinfo=UTC)

    call = prepare(counts, hook_request(fhir_server.base_url, patient), now=now, fill=filler)
    with pytest.raises(CDSHooksError) as unavailable:
        prepare(counts, hook_request(failing.base_url, patient), now=now, fill=filler)

    assert call.prefetch["patient"].value["id"] == patient
    assert len(call.prefetch.resources("hemoglobin")) == 3
    assert unavailable.value.status == 412
    assert unavailable.value.field == "prefetch.patient"
    assert "the FHIR server is busy or failing (HTTP 503)" in unavailable.value.message

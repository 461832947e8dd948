"""Fetching from a real FHIR R4 server (sekmet) holding Synthea patients."""

from __future__ import annotations

from collections.abc import Callable

import requests

from cds_hooks.fhir.client import FhirFetcher
from tests.fhirserver import PatientRecord, SekmetServer

BODY_WEIGHT = "29463-7"
HEMOGLOBIN = "718-7"
RECORD = "3dd33b34fb87f0ac"  # a boy born 2012, 36 body weights and 3 blood counts


def _coded(record: PatientRecord, code: str) -> list[str]:
    """Ids (as Synthea wrote them) of the record's Observations with this LOINC code."""
    return [
        observation["id"]
        for observation in record.resources("Observation")
        if any(coding["code"] == code for coding in observation["code"]["coding"])
    ]


def _server_ids(record: PatientRecord, synthea_ids: list[str]) -> set[str]:
    return {record.ids[f"urn:uuid:{value}"].removeprefix("Observation/") for value in synthea_ids}


def test_a_patient_read_returns_the_patient(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: Callable[..., FhirFetcher],
) -> None:
    record = synthea_patients[RECORD]
    fetcher = make_fetcher()

    results = fetcher.fetch(
        fhir_server.base_url, None, {"patient": f"Patient/{record.patient_id}"}, fetcher.deadline()
    )

    patient = results["patient"].resource
    assert results["patient"].problem is None
    assert patient is not None
    assert patient["resourceType"] == "Patient"
    assert patient["id"] == record.patient_id
    assert patient["birthDate"] == "2012-04-21"


def test_a_paginated_search_is_merged_into_one_bundle_in_the_servers_order(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: Callable[..., FhirFetcher],
) -> None:
    record = synthea_patients[RECORD]
    expected = _server_ids(record, _coded(record, BODY_WEIGHT))
    query = (
        f"Observation?patient={record.patient_id}&code=http://loinc.org|{BODY_WEIGHT}&_sort=-date&_count=5"
    )
    fetcher = make_fetcher()

    result = fetcher.fetch(fhir_server.base_url, None, {"weights": query}, fetcher.deadline())["weights"]

    bundle = result.resource
    assert result.problem is None and not result.incomplete
    assert bundle is not None and bundle["type"] == "searchset"
    observations = [entry["resource"] for entry in bundle["entry"]]
    assert len(observations) == len(expected) > 5  # more than one page was read
    assert {observation["id"] for observation in observations} == expected
    dates = [observation["effectiveDateTime"] for observation in observations]
    assert dates == sorted(dates, reverse=True)
    assert all(link["relation"] != "next" for link in bundle.get("link", []))


def test_keys_of_one_call_are_fetched_together(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: Callable[..., FhirFetcher],
) -> None:
    record = synthea_patients[RECORD]
    patient = record.patient_id
    fetcher = make_fetcher()

    results = fetcher.fetch(
        fhir_server.base_url,
        None,
        {
            "patient": f"Patient/{patient}",
            "hemoglobin": f"Observation?patient={patient}&code=http://loinc.org|{HEMOGLOBIN}&_sort=-date&_count=1",
            "unknown": "Patient/no-such-patient",
        },
        fetcher.deadline(),
    )

    assert results["patient"].resource is not None
    hemoglobin = results["hemoglobin"].resource
    assert hemoglobin is not None
    assert {entry["resource"]["id"] for entry in hemoglobin["entry"]} == _server_ids(
        record, _coded(record, HEMOGLOBIN)
    )
    # A read of what the server does not hold is "no data", not a failure.
    assert results["unknown"].resource is None
    assert results["unknown"].problem is None


def test_page_bounds_stop_a_long_search_and_say_so(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: Callable[..., FhirFetcher],
) -> None:
    patient = synthea_patients[RECORD].patient_id
    query = f"Observation?patient={patient}&code=http://loinc.org|{BODY_WEIGHT}&_sort=-date&_count=5"

    by_pages = make_fetcher(max_pages=2)
    pages = by_pages.fetch(fhir_server.base_url, None, {"weights": query}, by_pages.deadline())["weights"]
    by_entries = make_fetcher(max_entries=7)
    entries = by_entries.fetch(fhir_server.base_url, None, {"weights": query}, by_entries.deadline())[
        "weights"
    ]

    assert pages.incomplete and pages.resource is not None
    assert len(pages.resource["entry"]) == 10
    assert pages.problem == "the search has more than 2 pages; the rest were not read"
    assert entries.incomplete and entries.resource is not None
    assert len(entries.resource["entry"]) == 7
    assert entries.problem == "the search has more than 7 entries; the rest were not read"


def test_a_prefetched_first_page_is_completed_from_the_server(
    fhir_server: SekmetServer,
    synthea_patients: dict[str, PatientRecord],
    make_fetcher: Callable[..., FhirFetcher],
) -> None:
    record = synthea_patients[RECORD]
    query = (
        f"Observation?patient={record.patient_id}&code=http://loinc.org|{BODY_WEIGHT}&_sort=-date&_count=5"
    )
    first_page = requests.get(f"{fhir_server.base_url}/{query}", timeout=30).json()
    fetcher = make_fetcher()

    result = fetcher.complete(fhir_server.base_url, None, first_page, fetcher.deadline())

    assert result.problem is None and result.resource is not None
    assert {entry["resource"]["id"] for entry in result.resource["entry"]} == _server_ids(
        record, _coded(record, BODY_WEIGHT)
    )


def test_the_access_token_opens_a_secured_server(
    secured_fhir_server: SekmetServer, make_fetcher: Callable[..., FhirFetcher]
) -> None:
    ids = secured_fhir_server.load(
        {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:6f1c1a7e-8f8e-4a43-9d0a-5a4c8c1f7b11",
                    "resource": {"resourceType": "Patient", "birthDate": "1990-01-01"},
                    "request": {"method": "POST", "url": "Patient"},
                }
            ],
        }
    )
    query = {"patient": ids["urn:uuid:6f1c1a7e-8f8e-4a43-9d0a-5a4c8c1f7b11"]}
    fetcher = make_fetcher()
    base = secured_fhir_server.base_url

    granted = fetcher.fetch(base, secured_fhir_server.token, query, fetcher.deadline())["patient"]
    wrong = fetcher.fetch(base, "not-the-token", query, fetcher.deadline())["patient"]
    none = fetcher.fetch(base, None, query, fetcher.deadline())["patient"]

    assert granted.resource is not None and granted.resource["birthDate"] == "1990-01-01"
    assert wrong.resource is None
    assert wrong.problem == "the FHIR server refused the access token (HTTP 401)"
    assert none.resource is None
    assert none.problem == "the FHIR server requires authorization (HTTP 401) and the request granted none"

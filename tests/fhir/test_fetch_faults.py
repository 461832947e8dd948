"""Fetching from FHIR servers that misbehave: what comes back, what is retried, what is never sent."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from cds_hooks.fhir.client import FetchResult, FhirFetcher, ServerNotAllowed
from cds_hooks.fhir.transport import retry_after
from tests.fhir.faulty import Answer, FaultyServer, Seen, bundle, closed_port, observation

Serve = Callable[[Callable[[FaultyServer, Seen], Answer]], FaultyServer]
MakeFetcher = Callable[..., FhirFetcher]

TOKEN = "eyJhbGciOiJub25lIn0.c2VjcmV0LXRva2Vu.sig"  # what must never leave for elsewhere, nor reach a log
PATIENT = {"resourceType": "Patient", "id": "p-7"}


def always(answer: Answer) -> Callable[[FaultyServer, Seen], Answer]:
    return lambda server, seen: answer


def in_turn(*answers: Answer) -> Callable[[FaultyServer, Seen], Answer]:
    """The n-th request gets the n-th answer; later ones the last."""
    return lambda server, seen: answers[min(len(server.seen), len(answers)) - 1]


def fetch_one(
    fetcher: FhirFetcher, server: FaultyServer, query: str = "Patient/p-7", token: str | None = TOKEN
) -> FetchResult:
    return fetcher.fetch(server.base_url, token, {"key": query}, fetcher.deadline())["key"]


def test_the_token_and_the_fhir_media_type_are_sent(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(body=PATIENT)))

    result = fetch_one(make_fetcher(), server)

    assert result.resource == PATIENT and result.problem is None
    assert server.seen[0].path == "/fhir/Patient/p-7"
    assert server.seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert server.seen[0].headers["accept"] == "application/fhir+json"


def test_without_a_token_no_authorization_is_sent(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(body=PATIENT)))

    fetch_one(make_fetcher(), server, token=None)

    assert "authorization" not in server.seen[0].headers


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (401, "the FHIR server refused the access token (HTTP 401)"),
        (403, "the FHIR server refused access (HTTP 403)"),
        (500, "the FHIR server answered HTTP 500"),
        (404, "the FHIR server answered HTTP 404"),  # a search the server does not know
    ],
)
def test_an_error_status_makes_the_key_unavailable_without_a_retry(
    serve: Serve, make_fetcher: MakeFetcher, status: int, problem: str
) -> None:
    server = serve(always(Answer(status, {"resourceType": "OperationOutcome", "issue": []})))

    result = fetch_one(make_fetcher(), server, "Observation?patient=p-7")

    assert result.resource is None
    assert result.problem == problem
    assert len(server.seen) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_read_of_nothing_is_no_data_rather_than_a_failure(
    serve: Serve, make_fetcher: MakeFetcher, status: int
) -> None:
    server = serve(always(Answer(status, {"resourceType": "OperationOutcome", "issue": []})))

    result = fetch_one(make_fetcher(), server, "Patient/p-7")

    assert result.resource is None and result.problem is None


def test_a_503_with_retry_after_is_retried_and_then_succeeds(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(in_turn(Answer(503, headers={"Retry-After": "0"}), Answer(body=PATIENT)))

    result = fetch_one(make_fetcher(), server)

    assert result.resource == PATIENT and result.problem is None
    assert len(server.seen) == 2
    assert server.seen[1].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_429_without_retry_after_is_retried_after_a_backoff(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(in_turn(Answer(429), Answer(502), Answer(body=PATIENT)))

    result = fetch_one(make_fetcher(retries=2, backoff_seconds=0.01), server)

    assert result.resource == PATIENT
    assert len(server.seen) == 3


def test_retries_are_bounded(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(503, headers={"Retry-After": "0"})))

    result = fetch_one(make_fetcher(retries=2), server)

    assert result.problem == "the FHIR server is busy or failing (HTTP 503) and no retry succeeded in time"
    assert len(server.seen) == 3


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(in_turn(Answer(503, headers={"Retry-After": "120"}), Answer(body=PATIENT)))

    result = fetch_one(make_fetcher(), server)

    assert result.problem == "the FHIR server is busy or failing (HTTP 503) and no retry succeeded in time"
    assert len(server.seen) == 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)

    assert retry_after("3", now) == 3.0
    assert retry_after("Sat, 21 Nov 2026 12:00:02 GMT", now) == 2.0
    assert retry_after("Sat, 21 Nov 2026 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_a_server_that_hangs_costs_the_key_but_not_the_deadline(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(always(Answer(body=PATIENT, hang=True)))
    fetcher = make_fetcher(deadline_seconds=0.5, read_timeout_seconds=10.0)

    result = fetch_one(fetcher, server)

    # The server is still holding the request: the fetch returned without waiting for it.
    assert server.hanging == 1 and not server.closed.is_set()
    assert result.resource is None
    assert result.problem == "the server did not answer in time"


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    server = serve(always(Answer(body={**PATIENT, "text": "x" * 1000}, trickle=0.02)))
    fetcher = make_fetcher(deadline_seconds=0.5, read_timeout_seconds=10.0)

    result = fetch_one(fetcher, server)

    assert result.resource is None
    assert result.problem == "the answer did not arrive within the deadline"


def test_a_page_that_hangs_leaves_the_pages_already_read(serve: Serve, make_fetcher: MakeFetcher) -> None:
    def respond(server: FaultyServer, seen: Seen) -> Answer:
        if "page=2" in seen.path:
            return Answer(hang=True)
        return Answer(body=bundle([observation(1), observation(2)], f"{server.base_url}/Observation?page=2"))

    server = serve(respond)

    result = fetch_one(make_fetcher(deadline_seconds=1.0), server, "Observation?patient=p-7")

    assert server.hanging == 1
    assert result.incomplete and result.resource is not None
    assert [entry["resource"]["id"] for entry in result.resource["entry"]] == ["obs-1", "obs-2"]
    assert result.problem == "page 2 of the search is missing: the server did not answer in time"


def test_an_unreachable_server_makes_the_key_unavailable(make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()

    result = fetcher.fetch(
        f"http://127.0.0.1:{closed_port()}/fhir", TOKEN, {"key": "Patient/p-7"}, fetcher.deadline()
    )

    assert result["key"].problem == "the server could not be reached"


def test_a_passed_deadline_sends_nothing(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(body=PATIENT)))
    fetcher = make_fetcher()

    result = fetcher.fetch(server.base_url, TOKEN, {"key": "Patient/p-7"}, time.monotonic() - 1)

    assert result["key"].resource is None and result["key"].problem
    assert server.seen == []


@pytest.mark.parametrize(
    ("answer", "query", "problem"),
    [
        (Answer(body=b"{not json"), "Patient/p-7", "the answer is not JSON"),
        (Answer(body=b""), "Patient/p-7", "the answer is not JSON"),
        (Answer(body=[1, 2]), "Patient/p-7", "the answer is not a FHIR resource"),
        (Answer(body={"id": "p-7"}), "Patient/p-7", "the answer is not a FHIR resource"),
        (
            Answer(body={"resourceType": "OperationOutcome", "issue": []}),
            "Patient/p-7",
            "the FHIR server answered with an OperationOutcome",
        ),
        (Answer(body=PATIENT), "Observation?patient=p-7", "the FHIR server answered a Patient to a search"),
        (
            Answer(body=observation(1)),
            "Patient/p-7",
            "the FHIR server answered a Observation to a read of a Patient",
        ),
        (Answer(body=b"x" * 4096), "Patient/p-7", "the answer is larger than 2048 bytes"),
        (
            Answer(body={"resourceType": "Patient " * 100}),
            "Patient/p-7",
            "the FHIR server answered a resource of no known type to a read of a Patient",
        ),
        (
            Answer(body={"resourceType": "Bundle", "entry": 5}),
            "Observation?patient=p-7",
            "the answer is not a usable Bundle: the search's Bundle.entry must be a list",
        ),
        (
            Answer(body={"resourceType": "Bundle", "link": [{"relation": "next", "url": 7}]}),
            "Observation?patient=p-7",
            "the answer is not a usable Bundle: the search's Bundle.link[0].url must be a string",
        ),
    ],
)
def test_an_answer_that_is_not_the_resource_asked_for_is_refused(
    serve: Serve, make_fetcher: MakeFetcher, answer: Answer, query: str, problem: str
) -> None:
    server = serve(always(answer))

    result = fetch_one(make_fetcher(max_response_bytes=2048), server, query)

    assert result.resource is None
    assert result.problem == problem


def test_a_page_that_is_not_a_bundle_ends_the_search(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(
        in_turn(
            Answer(body=bundle([observation(1)], "Observation?page=2")),  # a relative next link
            Answer(body=PATIENT),
        )
    )

    result = fetch_one(make_fetcher(), server, "Observation?patient=p-7")

    assert server.seen[1].path == "/fhir/Observation?page=2"
    assert result.incomplete and result.resource is not None
    assert len(result.resource["entry"]) == 1
    assert result.problem == "page 2 of the search is not a Bundle"


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ({"entry": {"resource": PATIENT}}, "page 2.entry must be a list"),
        ({"entry": [{"resource": "Observation/2"}]}, "page 2.entry[0].resource must be a FHIR resource"),
        ({"link": "Observation?page=3"}, "page 2.link must be a list"),
    ],
)
def test_a_page_of_the_wrong_shape_ends_the_search_with_what_was_read(
    serve: Serve, make_fetcher: MakeFetcher, page: dict[str, Any], problem: str
) -> None:
    server = serve(
        in_turn(
            Answer(body=bundle([observation(1)], "Observation?page=2")),
            Answer(body={"resourceType": "Bundle", "type": "searchset", **page}),
        )
    )

    result = fetch_one(make_fetcher(), server, "Observation?patient=p-7")

    assert result.incomplete and result.resource is not None
    assert [resource["id"] for resource in result.resources] == ["obs-1"]
    assert result.problem is not None and problem in result.problem


def test_a_redirect_is_not_followed(serve: Serve, make_fetcher: MakeFetcher) -> None:
    elsewhere = serve(always(Answer(body=PATIENT)))
    server = serve(always(Answer(302, headers={"Location": f"{elsewhere.base_url}/Patient/p-7"})))

    result = fetch_one(make_fetcher(), server)

    assert result.problem == "the FHIR server answered with a redirect (HTTP 302), which is not followed"
    assert elsewhere.seen == []


def test_a_next_link_to_another_server_is_never_contacted(serve: Serve, make_fetcher: MakeFetcher) -> None:
    foreign = serve(always(Answer(body=bundle([observation(9)]))))
    server = serve(always(Answer(body=bundle([observation(1)], f"{foreign.base_url}/Observation?page=2"))))

    result = fetch_one(make_fetcher(), server, "Observation?patient=p-7")

    assert foreign.seen == []
    assert result.incomplete and result.resource is not None
    assert [entry["resource"]["id"] for entry in result.resource["entry"]] == ["obs-1"]
    assert result.problem == "a next link of the search points outside fhirServer and was not followed"


def test_a_next_link_outside_the_base_on_the_same_host_is_not_followed(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    def respond(server: FaultyServer, seen: Seen) -> Answer:
        return Answer(
            body=bundle([observation(1)], f"http://127.0.0.1:{server.port}/admin/Observation?page=2")
        )

    server = serve(respond)

    result = fetch_one(make_fetcher(), server, "Observation?patient=p-7")

    assert [seen.path for seen in server.seen] == ["/fhir/Observation?patient=p-7"]
    assert result.problem == "a next link of the search points outside fhirServer and was not followed"


def test_a_prefetched_bundle_with_a_foreign_next_link_is_not_followed(
    serve: Serve, make_fetcher: MakeFetcher
) -> None:
    foreign = serve(always(Answer(body=bundle([observation(9)]))))
    server = serve(always(Answer(body=bundle([observation(2)]))))
    prefetched = bundle([observation(1)], f"{foreign.base_url}/Observation?page=2")
    fetcher = make_fetcher()

    result = fetcher.complete(server.base_url, TOKEN, prefetched, fetcher.deadline())

    assert foreign.seen == [] and server.seen == []
    assert result.incomplete
    assert result.problem == "a next link of the search points outside fhirServer and was not followed"


def test_a_query_that_names_another_server_is_not_sent(serve: Serve, make_fetcher: MakeFetcher) -> None:
    foreign = serve(always(Answer(body=PATIENT)))
    server = serve(always(Answer(body=PATIENT)))

    absolute = fetch_one(make_fetcher(), server, f"{foreign.base_url}/Patient/p-7")
    climbing = fetch_one(make_fetcher(), server, "Patient/../../admin")

    assert absolute.problem == "the prefetch query is not relative to fhirServer"
    assert climbing.problem == "the prefetch query leads outside fhirServer"
    assert foreign.seen == [] and server.seen == []


def test_a_server_off_the_allow_list_is_never_contacted(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(body=PATIENT)))
    fetcher = make_fetcher(allowed_servers=["https://fhir.example.org/r4"])

    with pytest.raises(ServerNotAllowed):
        fetcher.fetch(server.base_url, TOKEN, {"key": "Patient/p-7"}, fetcher.deadline())

    assert server.seen == []


def test_the_keys_of_a_call_are_fetched_concurrently(serve: Serve, make_fetcher: MakeFetcher) -> None:
    keys = ["patient", "hemoglobin", "ferritin", "mcv"]

    def respond(server: FaultyServer, seen: Seen) -> Answer:
        # Each request waits (a while at most) for the others to arrive: a fetcher that ran
        # the keys one after another would never have more than one here at a time.
        with server.lock:
            server.lock.wait_for(lambda: server.max_in_flight >= len(keys), timeout=5)
        return Answer(body=bundle([]) if "?" in seen.path else PATIENT)

    server = serve(respond)
    fetcher = make_fetcher(pool_size=len(keys))
    queries = {key: f"Observation?code={key}" for key in keys[1:]} | {"patient": "Patient/p-7"}

    results = fetcher.fetch(server.base_url, TOKEN, queries, fetcher.deadline())

    assert server.max_in_flight == len(keys)
    assert all(result.problem is None for result in results.values())


def test_the_token_and_patient_ids_never_reach_a_log(
    serve: Serve, make_fetcher: MakeFetcher, caplog: pytest.LogCaptureFixture
) -> None:
    def respond(server: FaultyServer, seen: Seen) -> Answer:
        if "denied" in seen.path:
            return Answer(401)
        if "broken" in seen.path:
            return Answer(body=b"<html>")
        if "slow" in seen.path:
            return Answer(hang=True)
        return Answer(
            body=bundle([observation(1)], f"http://127.0.0.2:1/fhir/Observation?patient=p-7&{TOKEN}")
        )

    server = serve(respond)
    fetcher = make_fetcher(deadline_seconds=1.0)
    queries = {
        "denied": "Observation?patient=p-7&denied",
        "broken": "Observation?patient=p-7&broken",
        "slow": "Observation?patient=p-7&slow",
        "foreign": "Observation?patient=p-7",
    }

    with caplog.at_level(logging.DEBUG):
        results = fetcher.fetch(server.base_url, TOKEN, queries, fetcher.deadline())

    assert all(result.problem for result in results.values())
    assert caplog.records, "the fetches were logged"
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        if record.name.startswith("cds_hooks"):
            assert "p-7" not in record.getMessage()
    ours = [record for record in caplog.records if record.name.startswith("cds_hooks")]
    assert {record.name for record in ours} == {"cds_hooks.fhir.client"}
    # From the hook call's own thread, where the log filter finds its request id.
    assert {record.thread for record in ours} == {threading.get_ident()}


def test_one_fetcher_serves_concurrent_hook_calls(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(
        lambda server, seen: Answer(body={"resourceType": "Patient", "id": seen.path.rsplit("/", 1)[1]})
    )
    fetcher = make_fetcher(pool_size=4)
    answers: dict[str, str | None] = {}

    def call(patient: str) -> None:
        result = fetcher.fetch(
            server.base_url, f"token-{patient}", {"patient": f"Patient/{patient}"}, fetcher.deadline()
        )
        resource = result["patient"].resource
        answers[patient] = resource["id"] if resource else None

    threads = [threading.Thread(target=call, args=(f"p{number}",)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == {f"p{number}": f"p{number}" for number in range(12)}
    # Each call's token went with that call's requests only.
    assert all(
        seen.headers["authorization"] == f"Bearer token-{seen.path.rsplit('/', 1)[1]}" for seen in server.seen
    )


def test_cookies_set_by_a_server_are_not_sent_back(serve: Serve, make_fetcher: MakeFetcher) -> None:
    server = serve(always(Answer(body=PATIENT, headers={"Set-Cookie": "session=patient-p-7; Path=/"})))
    fetcher = make_fetcher()

    fetch_one(fetcher, server)
    fetch_one(fetcher, server)

    assert [seen.headers.get("cookie") for seen in server.seen] == [None, None]

"""Which fhirServer URLs the service will contact, and which next links stay on one server."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from cds_hooks.fhir.allowlist import is_allowed, within
from cds_hooks.fhir.settings import FhirSettings

LOOPBACK_ONLY = FhirSettings()
EPIC = FhirSettings(allowed_servers=["https://*.epic.example.org/api/FHIR/R4", "https://fhir.example.org/r4"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/fhir",
        "http://127.0.0.1:8080/fhir/",
        "https://127.3.4.5/fhir",
        "http://localhost:8080/fhir",
        "http://LOCALHOST./fhir",
        "http://[::1]:8080/fhir",
        "HTTP://127.0.0.1/",
    ],
)
def test_by_default_loopback_servers_are_allowed(url: str) -> None:
    assert is_allowed(url, LOOPBACK_ONLY)


@pytest.mark.parametrize(
    "url",
    [
        "https://fhir.example.org/r4",  # any real host, until configured
        "http://10.0.0.1/fhir",
        "http://0.0.0.0:8080/fhir",
        "http://2130706433/fhir",  # 127.0.0.1 as a number: not read as loopback
        "http://127.1/fhir",
        "http://[::ffff:127.0.0.1]/fhir",
        "http://localhost.example.org/fhir",
        "http://user:secret@127.0.0.1/fhir",  # user information
        "http://127.0.0.1@evil.example.org/fhir",
        "ftp://127.0.0.1/fhir",
        "file:///etc/passwd",
        "//127.0.0.1/fhir",
        "127.0.0.1/fhir",
        "http://127.0.0.1/fhir?x=1",
        "http://127.0.0.1/fhir#part",
        "http://127.0.0.1/fhir/../admin",
        "http://127.0.0.1/fhir/%2e%2e/admin",
        "http://127.0.0.1/fhir/%252e%252e/admin",  # decoded twice by some servers
        "http://127.0.0.1/fhir/..;/admin",  # ';parameters' dropped by servlet containers
        "http://127.0.0.1/fhir/.%2E",
        "http://127.0.0.1/fhir/..%2fadmin",
        "http://127.0.0.1/fhir/..%5cadmin",
        "http://127.0.0.1//fhir",
        "http://127.0.0.1/f\u00fchr",
        "http://0x7f.0.0.1/fhir",
        "http://127.0.0.1:99999/fhir",
        "http://127.0.0.1:port/fhir",
        "http://127.0.0.1/fh ir",
        "http://127.0.0.1\\@evil.example.org/",
        "http://[::1/fhir",
        "",
    ],
)
def test_by_default_everything_else_is_refused(url: str) -> None:
    assert not is_allowed(url, LOOPBACK_ONLY)


@pytest.mark.parametrize(
    "url",
    [
        "https://fhir.example.org/r4",
        "https://FHIR.example.org:443/r4/",
        "https://hospital-a.epic.example.org/api/FHIR/R4",
        "https://a.b.epic.example.org/api/FHIR/R4",
    ],
)
def test_configured_servers_and_patterns_are_allowed(url: str) -> None:
    assert is_allowed(url, EPIC)


@pytest.mark.parametrize(
    "url",
    [
        "http://fhir.example.org/r4",  # the scheme is part of the entry
        "https://fhir.example.org:8443/r4",
        "https://fhir.example.org/r4/Patient",  # not the base
        "https://fhir.example.org/R4",  # paths are case-sensitive
        "https://epic.example.org/api/FHIR/R4",  # the wildcard stands for at least a label
        "https://hospital-a.epic.example.org.evil.example.com/api/FHIR/R4",
        "https://hospital-a.epic.example.org/api/FHIR/R4/../R5",
        "https://x@hospital-a.epic.example.org/api/FHIR/R4",
        "http://127.0.0.1:8080/fhir",  # configuring servers replaces the loopback default
    ],
)
def test_configured_patterns_match_nothing_else(url: str) -> None:
    assert not is_allowed(url, EPIC)


@pytest.mark.parametrize(
    "setting",
    [
        "fhir.example.org/r4",
        "ftp://fhir.example.org/r4",
        "https://user@fhir.example.org/r4",
        "https://fhir.example.org/r4?tenant=1",
        "https://fhir.example.org:http/r4",
        "https://fhir_example.org/r4",
    ],
)
def test_a_bad_allow_list_entry_is_refused_at_configuration(setting: str) -> None:
    with pytest.raises(ValidationError, match="allowed server"):
        FhirSettings(allowed_servers=[setting])


@pytest.mark.parametrize(
    "variable",
    [
        "https://fhir.example.org/r4, https://*.epic.example.org/api/FHIR/R4",
        "https://fhir.example.org/r4 https://*.epic.example.org/api/FHIR/R4",
        '["https://fhir.example.org/r4", "https://*.epic.example.org/api/FHIR/R4"]',
    ],
)
def test_the_allow_list_may_come_from_an_environment_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    class Environment(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MICROCYTE_", env_nested_delimiter="__")
        fhir: FhirSettings = FhirSettings()

    monkeypatch.setenv("MICROCYTE_FHIR__ALLOWED_SERVERS", variable)

    assert Environment().fhir.allowed_servers == [
        "https://fhir.example.org/r4",
        "https://*.epic.example.org/api/FHIR/R4",
    ]


def test_a_bad_allow_list_variable_says_what_is_wrong() -> None:
    with pytest.raises(ValidationError, match="allowed_servers is not a valid JSON list"):
        FhirSettings.model_validate({"allowed_servers": '["https://fhir.example.org/r4"'})


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://127.0.0.1:8080/fhir/Observation?_offset=10", True),
        ("http://127.0.0.1:8080/fhir?_getpages=abc", True),
        ("HTTP://127.0.0.1:8080/fhir/Observation", True),
        ("http://127.0.0.1:8080/fhirx/Observation", False),
        ("http://127.0.0.1:8080/other/Observation", False),
        ("http://127.0.0.1:8081/fhir/Observation", False),
        ("https://127.0.0.1:8080/fhir/Observation", False),
        ("http://localhost:8080/fhir/Observation", False),
        ("http://127.0.0.1:8080/fhir/../other", False),
        ("http://127.0.0.1:8080/fhir/%252e%252e/other", False),
        ("http://127.0.0.1:8080/fhir/..;/other", False),
        ("http://127.0.0.1:8080/fhir/Observation/..%2f..%2fother", False),
        ("http://127.0.0.1:8080/fhir/Observation#/../../other", False),
        ("http://token@127.0.0.1:8080/fhir/Observation", False),
    ],
)
def test_a_url_is_within_a_server_only_under_its_base(url: str, inside: bool) -> None:
    assert within(url, "http://127.0.0.1:8080/fhir/") is inside

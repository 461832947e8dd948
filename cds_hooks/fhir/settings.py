"""How far and how long the service may reach into an EHR's FHIR server.

The defaults keep a hook call well inside the 500 ms the CDS Hooks spec allows, and talk to
loopback servers only: a service that fetched from whatever ``fhirServer`` a request named
would let any caller point it (and the access token it was handed) at any host.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, FilePath, field_validator
from pydantic_settings import NoDecode

from cds_hooks.fhir.allowlist import check_pattern


class FhirSettings(BaseModel):
    """Fetch settings; the application maps its environment and command line onto them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Exact base URLs or fnmatch patterns (https://*.epic.example.org/api/FHIR/R4). Empty:
    # loopback servers only (127.0.0.0/8, ::1, localhost). NoDecode: an environment variable
    # reaches the validator below as written, not as JSON pydantic-settings failed to parse.
    allowed_servers: Annotated[list[str], NoDecode] = []
    connect_timeout_seconds: float = Field(default=0.1, gt=0)
    # Per socket read, not per answer: the overall deadline bounds a server that trickles.
    read_timeout_seconds: float = Field(default=0.3, gt=0)
    # One budget per hook call, for every key and page and retry together.
    deadline_seconds: float = Field(default=0.4, gt=0)
    max_pages: int = Field(default=10, ge=1)
    max_entries: int = Field(default=5000, ge=1)
    # One answer larger than this is dropped rather than parsed: a page of a search is small.
    max_response_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    retries: int = Field(default=2, ge=0)
    backoff_seconds: float = Field(default=0.05, ge=0)
    # Concurrent requests across all hook calls, and pooled connections per host.
    pool_size: int = Field(default=8, ge=1)
    # A CA bundle for EHRs whose TLS certificate the system store does not know. The
    # environment's REQUESTS_CA_BUNDLE is ignored on purpose (see client.py).
    ca_bundle: FilePath | None = None

    @field_validator("allowed_servers", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # An environment variable holds one string: a JSON list, or comma- or space-separated
        # patterns (no pattern contains either).
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                try:
                    return json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError("allowed_servers is not a valid JSON list") from None
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @field_validator("allowed_servers")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            check_pattern(pattern)
        return value

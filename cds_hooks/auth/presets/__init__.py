"""Trusted clients shipped with the package, one JSON file each, named by the file's stem.

``cds-hooks-sandbox`` is the public CDS Hooks sandbox (sandbox.cds-hooks.org). Its key set
is the one the sandbox publishes at its ``jku`` (cds-hooks/sandbox, build/.well-known/
jwks.json), copied here so that no call signed with that key makes this service fetch it; its
``jwks_url`` is that published set, which is also the ``jku`` the sandbox names (a token naming
any other ``jku`` is refused).
Its fhir_servers entry admits any server because the sandbox lets its user pick among many
open test servers; the service-wide FHIR allowlist still applies. The sandbox's private key
is public on purpose, so anyone can mint tokens it would accept: trust it for demonstrations
and tests, never in a deployment that sees patient data.

This folder is a package of its own so that setuptools ships its JSON as package data.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from cds_hooks.auth.client import TrustedClient

_SUFFIX = ".json"


def preset_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(_SUFFIX)
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(_SUFFIX)
    )


@cache
def load_preset(name: str) -> TrustedClient:
    """The trusted client a preset describes; ValueError names the known presets."""
    if name not in preset_names():
        raise ValueError(f"unknown trust preset {name!r}; known: {', '.join(preset_names())}")
    document = json.loads(resources.files(__name__).joinpath(name + _SUFFIX).read_text(encoding="utf-8"))
    return TrustedClient.model_validate(document)

"""Identifiers the service makes up: card and suggestion uuids, request ids.

They must be unique, not secret: a card uuid only lets feedback name the card, and every
feedback call is authenticated. ``uuid.uuid4`` asks the kernel for randomness on every
call, and each such system call lets another thread take the GIL (the issued-cards writer,
a FHIR fetch): a call that makes ten ids waited on them. So ids come from a generator
seeded once from the kernel per process (again after a fork, so workers never share a
sequence), holding 122 random bits like any version 4 uuid.
"""

from __future__ import annotations

import os
import random
import uuid

_generator = random.Random(os.urandom(32))  # noqa: S311 (unique ids, not secrets: see above)


def _reseed() -> None:
    _generator.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def new_uuid() -> str:
    """A random (version 4) uuid, in its canonical text form."""
    return str(uuid.UUID(int=_generator.getrandbits(128), version=4))


def new_hex_id() -> str:
    """A random 32-digit hex id, as a request id."""
    return f"{_generator.getrandbits(128):032x}"

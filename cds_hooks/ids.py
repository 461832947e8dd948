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

_generator = random.Random(os.urandom(32))  # noqa: S311 (unique ids, not secrets: see above)


def _reseed() -> None:
    _generator.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


# The version (4) and variant (RFC 4122) bits, set as ``uuid.UUID(int=..., version=4)`` does.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (4 << 76) | (0x8000 << 48)


def new_uuid() -> str:
    """A random (version 4) uuid, in its canonical text form.

    Formatted here rather than through ``uuid.UUID``: a card and each of its suggestions
    take one, and the object would only be made to be turned into this text.
    """
    # %-formatting: a fifth quicker than a format spec in an f-string.
    digits = "%032x" % ((_generator.getrandbits(128) & _CLEAR) | _SET)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def new_hex_id() -> str:
    """A random 32-digit hex id, as a request id."""
    return f"{_generator.getrandbits(128):032x}"

"""The hook context members that name FHIR resources, checked before anything uses them.

``patientId`` and ``encounterId`` end up in prefetch queries, in FHIR search URLs and in the
subject checks of every resource the service reads. A value that cannot be a FHIR id
(``x&patient=other``, a path, a comma list) would add a search parameter, widen a search or
climb a path if it were pasted anywhere, so it is refused with a 400 naming the member rather
than encoded into something the client did not mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cds_hooks.errors import CDSHooksError

# FHIR R4 datatype ``id``: "Any combination of upper- or lower-case ASCII letters, numerals,
# '-' and '.', with a length limit of 64 characters."
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
# The spec's userId: "[ResourceType]/[id]".
_USER_REFERENCE = re.compile(r"[A-Z][A-Za-z]{0,63}/[A-Za-z0-9\-.]{1,64}")

ID_MEMBERS = ("patientId", "encounterId")


def check_resource_ids(context: Mapping[str, Any]) -> None:
    """Refuse a context member that should name a FHIR resource but cannot."""
    for member in ID_MEMBERS:
        value = context.get(member)
        if value is not None and not (isinstance(value, str) and FHIR_ID.fullmatch(value)):
            raise CDSHooksError(
                400,
                f"context.{member} must be a FHIR id (letters, digits, '-' and '.', at most 64)",
                field=f"context.{member}",
            )
    user = context.get("userId")
    if user is not None and not (isinstance(user, str) and _USER_REFERENCE.fullmatch(user)):
        raise CDSHooksError(
            400, 'context.userId must be a reference such as "Practitioner/123"', field="context.userId"
        )

"""The ids the service makes up: version 4 uuids in canonical form, never repeated."""

from __future__ import annotations

import uuid

from cds_hooks.ids import new_uuid


def test_every_card_uuid_is_a_canonical_version_4_uuid() -> None:
    made = [new_uuid() for _ in range(20_000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122

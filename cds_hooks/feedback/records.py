"""What is kept of an issued card and of a feedback item: the privacy boundary of the store.

Everything written to the feedback tables goes through these two functions, so this is the
one place to read to know that no patient data, and no free-text comment, is stored.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from cds_hooks.models import Card, FeedbackItem

UNKNOWN_RULE = "unknown"


def canonical_uuid(value: str) -> str:
    """Lower-case hyphenated form, so that a client echoing a uuid in upper case still matches."""
    return str(uuid.UUID(value))


def rule_of(card: Card) -> str:
    """The rule a card comes from: its source topic code, the one stable name a card carries."""
    topic = card.source.topic
    return topic.code if topic is not None else UNKNOWN_RULE


def issued_row(service_id: str, card: Card, issued_at: datetime) -> dict[str, Any]:
    return {
        "service_id": service_id,
        "card_uuid": canonical_uuid(card.uuid) if card.uuid else None,
        "rule": rule_of(card),
        "indicator": card.indicator,
        "issued_at": issued_at,
    }


def feedback_row(service_id: str, item: FeedbackItem, received_at: datetime) -> dict[str, Any]:
    card = canonical_uuid(item.card)
    outcome_at = item.outcomeTimestamp.astimezone(UTC)
    accepted = sorted({suggestion.id for suggestion in item.acceptedSuggestions or []})
    override = item.overrideReason
    reason = override.reason if override is not None else None
    system = reason.system if reason is not None else None
    code = reason.code if reason is not None else None
    # The identity of an item: a client resending it (after a timeout, say) produces the
    # same key, however it orders the suggestion ids or writes the time zone. The display
    # and the comment are left out: they describe the decision rather than distinguish it.
    identity = [service_id, card, item.outcome, outcome_at.isoformat(), accepted, system, code]
    return {
        "dedup_key": hashlib.sha256(json.dumps(identity).encode()).hexdigest(),
        "service_id": service_id,
        "card_uuid": card,
        "outcome": item.outcome,
        "outcome_at": outcome_at,
        "received_at": received_at,
        "accepted_suggestions": json.dumps(accepted) if accepted else None,
        "override_system": system,
        "override_code": code,
        "override_display": reason.display if reason is not None else None,
        "has_user_comment": bool(override is not None and override.userComment),
    }

"""The workup-order check's card: the earlier result or diagnosis, and a removal of each draft.

It is the iron check's removal card (service/cards/removal.py) with the reasons a clinician
gives for repeating a test anyway: something changed that the record does not show, the
earlier result is doubted, or a specialist asked for it.
"""

from __future__ import annotations

from cds_hooks.models import Card
from service.cards.removal import removal
from service.cards.render import render_card
from service.order_check.drafts import DraftTest
from service.rules.model import Recommendation, Situation

OVERRIDE_REASONS = (
    ("transfusion-or-bleeding-since", "Transfusion or bleeding since the earlier result"),
    ("clinical-change-since", "Clinical change since the earlier result"),
    ("earlier-result-doubted", "Earlier result doubted or from another lab"),
    ("requested-by-specialist", "Requested by a specialist"),
    ("not-clinically-appropriate", "Not clinically appropriate"),
)


def repeat_card(
    rec: Recommendation, s: Situation, drafts: tuple[DraftTest, ...], unavailable: tuple[str, ...]
) -> Card:
    removals = [removal(draft) for draft in drafts]
    return render_card(rec, s, unavailable, suggestions=removals, override_reasons=OVERRIDE_REASONS)

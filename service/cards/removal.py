"""The iron-prescribing card: the reasons, and a suggestion to remove each selected iron draft.

The detail is the workup's (values used, reasoning, what was left out, sources), so both
services explain themselves the same way. Removal is a suggestion with a delete action on the
draft's id: the clinician takes it or overrides with a reason, and the override reasons name
what a clinician would actually say against this card.
"""

from __future__ import annotations

from typing import Protocol

from cds_hooks.ids import new_uuid
from cds_hooks.models import Action, Card, Suggestion
from service.cards.render import render_card
from service.chart.drafts import DraftIron
from service.rules.model import Recommendation, Situation

OVERRIDE_REASONS = (
    ("iron-deficiency-confirmed-otherwise", "Iron deficiency confirmed by other tests"),
    ("advised-by-hematology", "Advised by hematology"),
    ("benefit-outweighs-risk", "Benefit outweighs the risk for this patient"),
    ("not-clinically-appropriate", "Not clinically appropriate"),
)


def removal_card(
    rec: Recommendation, s: Situation, drafts: tuple[DraftIron, ...], unavailable: tuple[str, ...]
) -> Card:
    removals = [removal(draft) for draft in drafts]
    return render_card(rec, s, unavailable, suggestions=removals, override_reasons=OVERRIDE_REASONS)


class Draft(Protocol):
    """A draft order a card can remove: its "Type/id" and how the card names it."""

    @property
    def reference(self) -> str: ...

    @property
    def name(self) -> str: ...


def removal(draft: Draft) -> Suggestion:
    return Suggestion(
        label=f"Remove the draft order: {draft.name}",
        uuid=new_uuid(),
        actions=[
            Action(
                type="delete",
                description=f"Remove the draft order {draft.name}",
                resourceId=draft.reference,
            )
        ],
    )

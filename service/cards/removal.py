"""The order checks' card: the reasons, and a suggestion to remove each draft objected to.

The iron-prescribing check and the workup-order check send it. The detail is the workup's
(values used, reasoning, what was left out, sources), so every service explains itself the
same way. Removal is a suggestion with a delete action on the draft's id: the clinician takes
it or overrides with a reason, and the override reasons name what a clinician would actually
say against it (these are the iron check's; the workup-order check gives its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from cds_hooks.ids import new_uuid
from cds_hooks.models import Action, Card, Suggestion
from service.cards.render import render_card
from service.rules.model import Recommendation, Situation

OVERRIDE_REASONS = (
    ("iron-deficiency-confirmed-otherwise", "Iron deficiency confirmed by other tests"),
    ("advised-by-hematology", "Advised by hematology"),
    ("benefit-outweighs-risk", "Benefit outweighs the risk for this patient"),
    ("not-clinically-appropriate", "Not clinically appropriate"),
)


def removal_card(
    rec: Recommendation,
    s: Situation,
    drafts: Sequence[Draft],
    unavailable: tuple[str, ...],
    override_reasons: tuple[tuple[str, str], ...] = OVERRIDE_REASONS,
) -> Card:
    """The card of ``rec`` with a suggestion to remove each draft; the iron check's reasons unless
    a service gives its own."""
    removals = [removal(draft) for draft in drafts]
    return render_card(rec, s, unavailable, suggestions=removals, override_reasons=override_reasons)


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

"""Running the rules: the most urgent card first, and no order suggested on two cards.

The rules run once to learn which fire and how urgent each is, then again in the order their
cards will show, each seeing the orders the cards above it already suggest. An order thus
belongs to the most urgent card that needs it, and a later card says where it went (under
"Not suggested again") instead of repeating it. Rules are pure functions of the situation, so
each runs once per situation (:meth:`Situation.outcome`): a rule runs again only below a card
that claimed orders, and what it finds can differ only in the orders it still suggests.
"""

from __future__ import annotations

from service.rules.model import Recommendation, Rule, Situation
from service.rules.registry import WORKUP_RULES

URGENCY = {"critical": 0, "warning": 1, "info": 2}


def recommend(situation: Situation, rules: tuple[Rule, ...] = WORKUP_RULES) -> tuple[Recommendation, ...]:
    """Every recommendation that fires, most urgent first (rule order breaks ties)."""
    outcomes = [(index, situation.outcome(rule)) for index, rule in enumerate(rules)]
    first = [(URGENCY[rec.indicator], index) for index, rec in outcomes if rec is not None]
    fired: list[Recommendation] = []
    seen = situation
    for _, index in sorted(first):
        if fired:  # claimed only when a card follows: the last card's orders bind no one
            seen = seen.claiming(fired[-1])
        rec = seen.outcome(rules[index])
        if rec is not None:
            fired.append(rec)
    return tuple(sorted(fired, key=lambda rec: URGENCY[rec.indicator]))

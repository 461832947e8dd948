"""The cards of one response: most urgent first, and an order suggested on one card only."""

from __future__ import annotations

from service.cards.orders import CRP, FERRITIN
from service.citations import AAFP_2010_MICROCYTOSIS
from service.rules.apply import recommend
from service.rules.model import Recommendation, Rule, RuleId, Situation
from service.workup import situation_of
from tests.clinical.builders import lab, patient, request
from tests.clinical.support import call_of


def suggesting(code: str, indicator: str) -> Rule:
    def rule(s: Situation) -> Recommendation:
        orders, already = s.plan(FERRITIN, CRP)
        return Recommendation(
            rule=RuleId(code, code.capitalize()),
            indicator=indicator,  # type: ignore[arg-type]
            summary=code,
            reasoning=(),
            evidence=(),
            citations=(AAFP_2010_MICROCYTOSIS,),
            orders=orders,
            already=already,
        )

    return rule


def situation() -> Situation:
    body = request(
        patient_resource=patient("female", "1992-03-14"), observations=[lab("mcv", 72, "2026-11-10")]
    )
    return situation_of(call_of(body))


def test_an_order_goes_to_the_most_urgent_card_whatever_the_rule_order() -> None:
    warning, info = recommend(situation(), (suggesting("early", "info"), suggesting("late", "warning")))
    assert warning.rule.code == "late" and warning.orders == (FERRITIN, CRP)
    assert info.orders == ()
    assert info.already == (
        "Ferritin: suggested on the card above (Late).",
        "C-reactive protein: suggested on the card above (Late).",
    )


def test_among_cards_of_one_indicator_the_earlier_rule_keeps_the_order() -> None:
    first, second = recommend(situation(), (suggesting("first", "info"), suggesting("second", "info")))
    assert (first.rule.code, first.orders) == ("first", (FERRITIN, CRP))
    assert second.orders == ()

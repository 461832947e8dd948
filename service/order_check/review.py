"""One order-hook call as the workup-order check sees it: the workup's situation and the draft tests.

The chart is read exactly as the patient-view workup reads it (service.chart.read_chart over
every resource the prefetch holds), and the workup's rules run over it first: the orders its
cards would suggest are the ones the check must never object to.
"""

from __future__ import annotations

from dataclasses import replace

from cds_hooks.service import HookCall
from service.cards.orders import JAK2_V617F
from service.order_check.drafts import drafted_tests
from service.order_check.model import OrderReview
from service.rules.apply import recommend
from service.rules.model import Situation
from service.workup import chart_of, patient_id_of_call, situation_from
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

CODED = frozenset(JAK2_V617F.done_codes)


def review_of(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> Situation | None:
    """The situation with its review, or None when no judged draft is a test of the workup."""
    patient_id = patient_id_of_call(call)
    drafts = drafted_tests(call.request.hook, call.context, patient_id)
    if not drafts:
        return None  # nothing to judge: the labs need not be read
    chart = chart_of(call)
    situation = situation_from(chart, settings)
    suggested = frozenset(order.key for rec in recommend(situation) for order in rec.orders)
    review = OrderReview(
        now=call.received_at,
        drafts=drafts,
        workup_suggests=suggested,
        coded={code: chart.resulted[code][0] for code in CODED if code in chart.resulted},
    )
    return replace(situation, review=review)

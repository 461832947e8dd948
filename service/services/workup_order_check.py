"""The workup-order check: draft tests of the microcytosis workup that add nothing now.

Declared twice with the same rules and cards, as a service answers one hook:
``workup-order-check`` on order-select judges the ServiceRequests just selected,
``workup-order-check-sign`` on order-sign every one about to be signed. The prefetch is the
patient-view workup's, so both read the same chart. A call whose judged drafts hold no test of
the order catalogue is answered without reading the labs.
"""

from __future__ import annotations

from cds_hooks.models import CDSResponse
from cds_hooks.service import HookCall, cds_service
from service.cards.removal import removal_card
from service.cards.render import override_codings
from service.order_check.review import review_of
from service.rules.apply import recommend
from service.rules.registry import ORDER_CHECK_RULES
from service.rules.repeat_tests import drafts_objected
from service.services.microcytosis_workup import PREFETCH as WORKUP_PREFETCH
from service.workup import unavailable_keys
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

PREFETCH = WORKUP_PREFETCH  # the same chart as patient-view reads
# What a clinician says for repeating a test anyway: something changed that the record does not
# show, the earlier result is doubted, or a specialist asked for it.
OVERRIDE_REASONS = (
    ("transfusion-or-bleeding-since", "Transfusion or bleeding since the earlier result"),
    ("clinical-change-since", "Clinical change since the earlier result"),
    ("earlier-result-doubted", "Earlier result doubted or from another lab"),
    ("requested-by-specialist", "Requested by a specialist"),
    ("not-clinically-appropriate", "Not clinically appropriate"),
)

DESCRIPTION = (
    "When the draft orders hold a test of the microcytosis workup that adds nothing now, answers with a "
    "card that shows the earlier result or the diagnosis on file and suggests removing the draft: a "
    "ferritin, iron panel or CRP resulted in the last 30 days with no iron therapy recorded since "
    "(a transfusion or bleeding is not read: the card asks); an Hb electrophoresis/HPLC or a JAK2 "
    "V617F already resulted (lifelong results), unless the HbA2 was measured while iron deficient and "
    "iron is now replete; an Hb electrophoresis for a thalassemia trait on the problem list; a test "
    "already ordered. Orders are matched on their LOINC or SNOMED CT code. A test the patient-view "
    "workup would suggest for the same chart gives no card."
)
SIGN_DESCRIPTION = (
    "The workup-order check at signing: the same checks and cards for every draft test about to be signed. "
) + DESCRIPTION


@cds_service(
    id="workup-order-check",
    hook="order-select",
    title="Workup order check",
    description=DESCRIPTION,
    prefetch=PREFETCH,
    override_reasons=override_codings(OVERRIDE_REASONS),
)
def workup_order_check(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> CDSResponse:
    return check_orders(call, settings)


@cds_service(
    id="workup-order-check-sign",
    hook="order-sign",
    title="Workup order check at signing",
    description=SIGN_DESCRIPTION,
    prefetch=PREFETCH,
    override_reasons=override_codings(OVERRIDE_REASONS),
)
def workup_order_check_sign(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> CDSResponse:
    return check_orders(call, settings)


def check_orders(call: HookCall, settings: WorkupSettings) -> CDSResponse:
    """Both hooks' check: one card per reason, each removing the drafts it objects to."""
    situation = review_of(call, settings)
    if situation is None:
        return CDSResponse(cards=[])
    fired = recommend(situation, ORDER_CHECK_RULES)[: settings.max_cards]
    unavailable = unavailable_keys(call, situation)
    return CDSResponse(
        cards=[
            removal_card(rec, situation, drafts_objected(situation, rec), unavailable, OVERRIDE_REASONS)
            for rec in fired
        ]
    )

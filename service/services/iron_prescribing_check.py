"""The iron-prescribing check: a second look at oral or IV iron, as it is selected and as it is signed.

A service answers one hook, so the check is declared twice with the same rules and cards:
``iron-prescribing-check`` on order-select judges the drafts just selected, and
``iron-prescribing-check-sign`` on order-sign every draft about to be signed (that hook has no
selections). When the judged drafts include iron and the labs show a thalassemia-trait pattern with a
normal ferritin, erythrocytosis, or iron loading, one warning card says why and suggests
removing each iron draft. Iron for confirmed iron deficiency gives no card (unless there
is erythrocytosis too: iron deficiency can mask polycythemia vera, and the patient-view card
already says to hold iron until it is excluded); so does a selection without iron, answered
without reading the labs at all. The prefetch is the
workup's, less what only the workup needs (medications on record, active orders).
"""

from __future__ import annotations

from cds_hooks.models import CDSResponse
from cds_hooks.service import HookCall, cds_service
from service.cards.removal import OVERRIDE_REASONS, removal_card
from service.cards.render import override_codings
from service.chart.drafts import drafted_iron
from service.rules.apply import recommend
from service.rules.registry import PRESCRIBING_RULES
from service.services.prefetch import CONDITIONS, OBSERVATIONS, PATIENT
from service.workup import patient_id_of_call, situation_of, unavailable_keys
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

PREFETCH = {"Patient": PATIENT, "Observation": OBSERVATIONS, "Condition": CONDITIONS}

DESCRIPTION = (
    "When oral or IV iron is selected (RxNorm 310325 ferrous sulfate, or any product named ferrous, ferric "
    "or iron), checks the latest labs: a thalassemia-trait pattern with normal ferritin, erythrocytosis, or "
    "iron loading (high ferritin with TSAT above 45 %) gives a warning card that says why, with a "
    "suggestion to remove the draft order. Iron for confirmed iron deficiency gives no card, unless "
    "erythrocytosis suggests a polycythemia vera the deficiency may be masking."
)


SIGN_DESCRIPTION = (
    "The iron prescribing check at signing: the same checks and cards for every iron draft in the orders "
    "about to be signed. "
) + DESCRIPTION


@cds_service(
    id="iron-prescribing-check",
    hook="order-select",
    title="Iron prescribing check",
    description=DESCRIPTION,
    prefetch=PREFETCH,
    override_reasons=override_codings(OVERRIDE_REASONS),
)
def iron_prescribing_check(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> CDSResponse:
    return check_iron(call, settings)


@cds_service(
    id="iron-prescribing-check-sign",
    hook="order-sign",
    title="Iron prescribing check at signing",
    description=SIGN_DESCRIPTION,
    prefetch=PREFETCH,
    override_reasons=override_codings(OVERRIDE_REASONS),
)
def iron_prescribing_check_sign(call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS) -> CDSResponse:
    return check_iron(call, settings)


def check_iron(call: HookCall, settings: WorkupSettings) -> CDSResponse:
    """Both hooks' check: the drafts judged are the hook's (cds_hooks.orders.drafts_to_judge)."""
    drafts = drafted_iron(call.request.hook, call.context, patient_id_of_call(call))
    if not drafts:
        return CDSResponse(cards=[])  # no iron selected: the labs need not be read
    situation = situation_of(call, settings, drafts=drafts)
    fired = recommend(situation, PRESCRIBING_RULES)
    if not fired:
        return CDSResponse(cards=[])
    return CDSResponse(cards=[removal_card(fired[0], situation, drafts, unavailable_keys(call, situation))])

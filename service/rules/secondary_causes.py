"""A secondary cause of erythrocytosis named from the patient's own record, and testosterone held.

A card that lists every possible cause leaves the clinician to search the chart; the record often
holds the answer (docs/workup.md#secondary-causes). Each active medicine or diagnosis found there
(service/patient/secondary_causes.py) is named with its start date, and only the causes a record
cannot show (smoking, alcohol, dehydration) stay as a list. Testosterone with a hematocrit above
54 % is a warning of its own: hold it until the hematocrit falls to a safe level, then resume at
a lower dose (Endocrine Society 2018).
"""

from __future__ import annotations

from service.citations import ENDOCRINE_SOCIETY_2018_TESTOSTERONE, KEOHANE_2013_ERYTHROCYTOSIS
from service.dates import day
from service.findings import thresholds as t
from service.formatting import number
from service.patient.model import CauseKind, SecondaryCause
from service.rules.model import Recommendation, RuleId, Situation, and_list

TESTOSTERONE_HCT = RuleId("testosterone-hematocrit", "Hematocrit above 54 % on testosterone")
GENERIC = (
    "Review the secondary causes: diuretics, testosterone, SGLT2 inhibitors, hypoxia (sleep apnoea, lung "
    "disease), smoking, alcohol and dehydration."
)
UNRECORDED = "Review also what a record rarely holds: smoking, alcohol and dehydration."


def _since(cause: SecondaryCause) -> str:
    return f"since {day(cause.started)}" if cause.started else "start date not recorded"


def _one(cause: SecondaryCause) -> str:
    # A product's name may not say what it is ("Hydrochlorothiazide 25 MG Oral Tablet"); a diagnosis's does.
    plain = cause.cause.kind == "diagnosis" or cause.cause.label.casefold() in cause.name.casefold()
    label = "" if plain else f", {cause.cause.label}"
    return f"{cause.name}{label} ({_since(cause)}; {cause.source})"


def statement(s: Situation) -> str:
    """The causes on record by name, or the list to review when the record shows none."""
    causes = s.patient.secondary_causes
    if not causes:
        return GENERIC
    named = "; ".join(_one(c) for c in causes)
    kind = "a possible secondary cause" if len(causes) == 1 else "possible secondary causes"
    return f"On the patient's record, {kind} of a raised red cell mass: {named}. {UNRECORDED}"


def in_summary(s: Situation) -> str:
    """The causes on record for a summary ("testosterone since 2025-03-01"), or ""."""
    causes = s.patient.secondary_causes
    if len(causes) == 1:
        return f"{causes[0].short} {_since(causes[0])}"
    return and_list([c.short for c in causes]) if causes else ""


def testosterone_hematocrit(s: Situation) -> Recommendation | None:
    on = s.patient.on(CauseKind.TESTOSTERONE)
    hct = s.labs.get("hematocrit")
    if on is None or hct is None or not hct.is_above(t.HCT_TESTOSTERONE_HOLD):
        return None
    if on.started is not None and on.started.date() > hct.when.date():
        return None  # prescribed after this count: the count is no effect of it
    limit = number(t.HCT_TESTOSTERONE_HOLD)
    return Recommendation(
        rule=TESTOSTERONE_HCT,
        indicator="warning",
        summary=f"Hct {hct.display()} on testosterone ({_since(on)}): consider holding it until the Hct "
        "falls, then a lower dose",
        reasoning=(
            f"Hematocrit {hct.display()} on {hct.date} is above {limit} % on {on.name} ({_since(on)}; "
            f"{on.source}).",
            "The Endocrine Society (2018) advises stopping testosterone when the hematocrit rises above "
            f"{limit} %, and resuming it at a lower dose once the hematocrit has fallen to a safe level; "
            "a raised hematocrit on testosterone carries a thrombotic risk.",
            "Recheck the count after stopping; a hematocrit that stays raised off testosterone needs the "
            "erythrocytosis workup (JAK2 V617F, EPO, hematology).",
        ),
        evidence=("hematocrit", "hemoglobin", "rbc"),
        citations=(ENDOCRINE_SOCIETY_2018_TESTOSTERONE, KEOHANE_2013_ERYTHROCYTOSIS),
    )

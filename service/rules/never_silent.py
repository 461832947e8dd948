"""Never silent on small cells: the last card, and the closed list of reasons for no card.

Microcytic anemia, microcytosis or microcytic erythrocytosis in the latest blood count ends
in a card, or in one of the reasons of :class:`Silence` that ``microcyte evaluate --explain``
shows (docs/workup.md#never-silent). When no other rule fires, :func:`next_step` suggests the
test that moves the workup on, by where it stands: iron studies while the iron status is
unknown, Hb electrophoresis/HPLC once iron is not low, the alpha-globin genes after a normal
HbA2 and HbF, and hematology when all of those are in. Only when every one of them is resulted
or ordered, or a known diagnosis explains the cells, is there no card.
"""

from __future__ import annotations

import enum

from service.cards.orders import (
    ALPHA_GLOBIN_GENES,
    BLOOD_SMEAR,
    CRP,
    FERRITIN,
    HB_HPLC,
    HEMATOLOGY_REFERRAL,
    IRON_PANEL,
    SOLUBLE_TRANSFERRIN_RECEPTOR,
    Order,
)
from service.citations import AAFP_2010_MICROCYTOSIS, DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS
from service.findings.model import IronStatus
from service.patient.model import Diagnosis
from service.rules.model import Recommendation, RuleId, Situation, and_list

NEXT_STEP = RuleId("microcytosis-next-step", "Small cells the other rules leave open: the next step")
SHORT = {
    FERRITIN: "ferritin",
    CRP: "CRP",
    IRON_PANEL: "an iron panel",
    SOLUBLE_TRANSFERRIN_RECEPTOR: "sTfR",
    HB_HPLC: "Hb HPLC",
    ALPHA_GLOBIN_GENES: "alpha-globin genes",
    HEMATOLOGY_REFERRAL: "hematology",
    BLOOD_SMEAR: "a smear",
}


class Silence(enum.Enum):
    """Why small cells got no card: the closed list ``--explain`` draws from."""

    KNOWN_DIAGNOSIS = "a known diagnosis explains it"
    ALL_DONE = "every next step is already resulted or ordered"


def picture(s: Situation) -> str | None:
    """What the latest count shows that must not go unanswered, or None."""
    f = s.findings
    if f.microcytosis is None:
        return None
    if f.erythrocytosis is not None:
        return "microcytic erythrocytosis"
    return "microcytic anemia" if f.anemia is not None else "microcytosis"


def explained_by(s: Situation) -> Diagnosis | None:
    """A thalassemia on record explains small cells once a ferritin shows iron is not lacking (iron
    loading, which it does not explain, has a card of its own)."""
    f = s.findings
    known = s.patient.known_thalassemia
    if known is None or f.iron_status is not IronStatus.REPLETE:
        return None
    return known


def _candidates(s: Situation) -> tuple[Order, ...]:
    f = s.findings
    status = f.iron_status
    if status is IronStatus.UNKNOWN:
        if s.labs.get("ferritin") is None:
            return (FERRITIN,)  # a ferritin on order is the step: the workup awaits it
        return (CRP, IRON_PANEL, HB_HPLC)  # a ferritin that cannot be placed against the cutoff
    if status is IronStatus.POSSIBLE:
        return (IRON_PANEL, SOLUBLE_TRANSFERRIN_RECEPTOR, HB_HPLC)
    if status.deficient:
        return ()  # the cause of the deficiency: said in words, whatever is on record
    if s.labs.get("hba2") is None:
        # A trait, or (with a CRP showing no inflammation) the rarer causes, which the TSAT of an iron
        # panel tells apart: not low in a sideroblastic anemia, below 10 % in the IRIDA pattern.
        return (IRON_PANEL, HB_HPLC, CRP)
    if f.hba2_not_raised is not None:
        return (ALPHA_GLOBIN_GENES, HEMATOLOGY_REFERRAL, BLOOD_SMEAR)
    return (HEMATOLOGY_REFERRAL, BLOOD_SMEAR)


def next_step(s: Situation) -> Recommendation | None:
    """The card for small cells no other rule answered (the registry runs it only then)."""
    shown = picture(s)
    if shown is None or explained_by(s) is not None:
        return None
    f = s.findings
    orders, already = s.plan(*_candidates(s))
    deficient = f.iron_status.deficient and f.iron is not None
    if not orders and not deficient:
        return None
    values = ", ".join(v for v in (s.show("hemoglobin"), s.show("mcv"), s.show("ferritin")) if v)
    shown_findings = (f.anemia, f.microcytosis, f.microcytosis_history, f.erythrocytosis, f.iron)
    reasoning = [x.statement for x in shown_findings if x is not None]
    if deficient:
        action = "find the cause of the iron deficiency"
        reasoning.append(
            "Iron deficiency explains small cells, but not its own cause: assess losses and absorption "
            "(the patient's age or sex did not allow the usual source search to be chosen)."
        )
    else:
        action = f"consider {and_list([SHORT[o] for o in orders])}"
        reasoning.append(
            "No other rule explains these cells yet. Ferritin comes first (AAFP 2010); once iron is not "
            "low, Hb electrophoresis/HPLC looks for a beta-thalassemia trait or a variant; a normal HbA2 "
            "and HbF leave an alpha-thalassemia trait, which only DNA testing shows; beyond that, "
            "hematology and a smear."
        )
    tsat_decides = IRON_PANEL in orders and f.iron_status is IronStatus.REPLETE
    if tsat_decides:
        reasoning.append(
            "With a ferritin that is not low, a TSAT (iron panel) tells a sideroblastic anemia (TSAT not "
            "low) from the IRIDA pattern (TSAT below 10 %): AAFP 2010, Donker 2014."
        )
    known = s.patient.known_thalassemia
    if known is not None:
        # A trait on record explains small cells: what is left open is whether iron lacks beside it.
        status = "not yet explained" if deficient else f"with a known {known.label}"
        reasoning.insert(
            0,
            f"The known {known.label} explains small cells, but not iron deficiency or iron loading beside "
            "it: the iron status decides whether anything more is needed.",
        )
    else:
        status = "not yet explained"
    return Recommendation(
        rule=NEXT_STEP,
        indicator="info",
        summary=f"{shown[0].upper()}{shown[1:]} ({values}) {status}: {action}",
        reasoning=tuple(reasoning),
        evidence=("hemoglobin", "mcv", "mch", "rbc", "ferritin", "tsat", "crp", "hba2", "hbf"),
        citations=(
            AAFP_2010_MICROCYTOSIS,
            *((DONKER_2014_GENETIC_MICROCYTIC_ANEMIAS,) if tsat_decides else ()),
        ),
        orders=orders,
        already=already,
    )


def silence_reason(s: Situation, fired: tuple[Recommendation, ...]) -> Silence | None:
    """Why small cells got no card; None when there is a card, or nothing to answer."""
    if fired or picture(s) is None:
        return None
    return Silence.KNOWN_DIAGNOSIS if explained_by(s) is not None else Silence.ALL_DONE

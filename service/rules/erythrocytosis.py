"""Erythrocytosis at any MCV: confirm it, then tell polycythemia vera from a secondary cause.

WHO 2016 thresholds find it (Hb > 16.5 g/dL men, > 16.0 women; Hct > 49 %, > 48 %). With normal
cells, UK practice acts on the hematocrit (BSH; Keohane 2013): above 52 % (men) or 48 % (women), or
by the WHO Hb where no Hct is reported. On a first such count it repeats the count in about 2
months and reviews secondary causes: an info card, no JAK2 or EPO yet, and none again while that
repeat is not due. Raised on every count back to one 8 weeks to 12 months before (persistence), an
Hct above 60 % (men) or 56 % (women), or small cells (the seed condition) are investigated; above
those hematocrits urgently. JAK2 V617F and EPO separate polycythemia vera from
secondary erythrocytosis; SpO2 below 92 % points to hypoxia, COHb to smoking. Two other
cards take precedence: with iron deficiency, the masked-polycythemia card says all of this
and more; with small cells, normal ferritin and a thalassemia pattern, the thalassemia path
comes first (Bessman 1977: most such patients had thalassemia trait), and this card waits
for the Hb analysis. A polycythemia vera on record explains the finding.
"""

from __future__ import annotations

from cds_hooks.models import SUMMARY_MAX_CHARS
from service.cards.orders import CARBOXYHEMOGLOBIN, ERYTHROPOIETIN, HEMATOLOGY_REFERRAL, JAK2_V617F, SPO2
from service.citations import BSH_ERYTHROCYTOSIS, KEOHANE_2013_ERYTHROCYTOSIS, WHO_2016_MYELOID
from service.findings import thresholds as t
from service.formatting import number
from service.patient.model import Diagnosis, Sex
from service.rules import iron_deficiency, secondary_causes, thalassemia
from service.rules.model import Recommendation, RuleId, Situation, and_list, named

ERYTHROCYTOSIS = RuleId("erythrocytosis", "Erythrocytosis: confirm, then look for its cause")
SHORT = {
    JAK2_V617F: "JAK2 V617F",
    ERYTHROPOIETIN: "EPO",
    SPO2: "SpO2",
    CARBOXYHEMOGLOBIN: "COHb",
    HEMATOLOGY_REFERRAL: "hematology",
}
EVIDENCE = ("hemoglobin", "hematocrit", "rbc", "mcv", "ferritin", "spo2", "cohb", "epo")
SMALL_CELLS = (
    "Small cells with a raised Hb or Hct are investigated on the first count: a thalassemia trait is the "
    "commonest cause, but a polycythemia vera or a secondary erythrocytosis with iron deficiency is found "
    "in about 1 in 4 (Bessman 1977)."
)


def _picture(s: Situation) -> str:
    f = s.findings
    if f.erythrocytosis_persistent is not None:
        return "Persistent erythrocytosis"
    return "Microcytic erythrocytosis" if f.microcytosis is not None else "Erythrocytosis"


def _persistence(sex: Sex) -> str:
    men, women = number(t.HCT_PERSISTENT_MEN), number(t.HCT_PERSISTENT_WOMEN)
    limit = {Sex.MALE: f"above {men} %", Sex.FEMALE: f"above {women} %"}.get(
        sex, f"above {men} % in men or {women} % in women"
    )
    return (
        f"Confirm it on a repeat sample: BSH advises investigating a hematocrit persistently {limit} "
        "on two samples about 3 months apart."
    )


def erythrocytosis(s: Situation) -> Recommendation | None:
    f = s.findings
    found = f.erythrocytosis
    if found is None or s.patient.has(Diagnosis.POLYCYTHEMIA_VERA):
        return None
    if iron_deficiency.masked_polycythemia(s) is not None or thalassemia.screen_pending(s):
        return None
    if _explained_by_trait(s):
        return None
    hold_testosterone = s.outcome(secondary_causes.testosterone_hematocrit) is not None
    if hold_testosterone and f.erythrocytosis_urgent is None and f.microcytosis is None:
        return None  # the testosterone card says what to do first: hold it, then recheck
    if f.microcytosis and s.labs.get("ferritin") is None and f.erythrocytosis_urgent is None:
        return None  # ferritin decides the path first: the no-ferritin card asks for it
    if f.erythrocytosis_below_action is not None:
        return None  # the finding says why: below the hematocrit UK pathways act on
    by_hct = "hematocrit" in found.evidence or f.erythrocytosis_urgent is not None  # what decided it
    value = s.show("hematocrit") if by_hct else s.show("hemoglobin")
    hypoxic = f" with {s.show('spo2')} (hypoxemia)" if f.hypoxemia else ""
    # Small cells with a raised Hb/Hct are the seed condition: investigated on the first count.
    investigate = f.erythrocytosis_persistent or f.erythrocytosis_urgent or f.microcytosis
    if investigate is None:
        if f.erythrocytosis_repeat_pending is not None:
            return None  # the earlier count's card asked for the repeat; the finding says when it is due
        return _first_count(s, value, f" with {s.show('spo2')}" if f.hypoxemia else "")
    orders, already = s.plan(JAK2_V617F, ERYTHROPOIETIN, SPO2, CARBOXYHEMOGLOBIN, HEMATOLOGY_REFERRAL)
    reasoning = [found.statement]
    for extra in (f.erythrocytosis_persistent, f.erythrocytosis_urgent):
        if extra is not None:
            reasoning.append(extra.statement)
    if f.erythrocytosis_persistent is None and f.erythrocytosis_urgent is None:
        reasoning.append(SMALL_CELLS if f.microcytosis else _persistence(s.patient.sex))
    reasoning.append(
        "JAK2 V617F and a serum erythropoietin tell polycythemia vera from secondary erythrocytosis "
        "(WHO 2016); SpO2 looks for hypoxemia and COHb for smoking."
    )
    if f.hypoxemia is not None:
        reasoning.append(f.hypoxemia.statement)
    reasoning.append(secondary_causes.statement(s))
    tests = named(orders, SHORT)
    urgent = f.erythrocytosis_urgent is not None
    lead = "urgently consider" if urgent else "consider"
    action = f"{lead} {and_list(tests)}" if tests else ("urgent hematology" if urgent else "find its cause")
    summary = f"{_picture(s)} ({value}){hypoxic}: {action}"
    named_causes = secondary_causes.in_summary(s)
    if named_causes and len(with_causes := f"{summary}; on record: {named_causes}") <= SUMMARY_MAX_CHARS:
        summary = with_causes
    return Recommendation(
        rule=ERYTHROCYTOSIS,
        indicator="critical" if urgent else "warning",
        summary=summary,
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(WHO_2016_MYELOID, BSH_ERYTHROCYTOSIS, KEOHANE_2013_ERYTHROCYTOSIS),
        orders=orders,
        already=already,
    )


def _first_count(s: Situation, value: str, hypoxic: str) -> Recommendation:
    """A first raised, normocytic count: repeat it in about 2 months; no JAK2 or EPO yet."""
    f = s.findings
    found = f.erythrocytosis
    reasoning = [
        *((found.statement,) if found else ()),
        "On a first raised value, repeat the count in about 2 months and review secondary causes; "
        f"investigate (JAK2 V617F, EPO, hematology) if it persists without one (Keohane 2013). "
        f"{_persistence(s.patient.sex)}",
        *((f.hypoxemia.statement,) if f.hypoxemia else ()),
        secondary_causes.statement(s),
    ]
    named_causes = secondary_causes.in_summary(s)
    review = f"on record: {named_causes}" if named_causes else "review secondary causes"
    summary = f"Erythrocytosis ({value}){hypoxic}, a first raised count: repeat in about 2 months; {review}"
    if len(summary) > SUMMARY_MAX_CHARS:
        summary = f"Erythrocytosis ({value}){hypoxic}: repeat in about 2 months; {review}"
    return Recommendation(
        rule=ERYTHROCYTOSIS,
        indicator="info",
        summary=summary,
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(KEOHANE_2013_ERYTHROCYTOSIS, BSH_ERYTHROCYTOSIS),
        notes=(
            f"Persistence means raised counts at least {t.ERYTHROCYTOSIS_REPEAT_DAYS // 7} weeks apart with "
            "no normal count between (NHS haematology pathways), the earlier at most "
            f"{t.ERYTHROCYTOSIS_PERSISTENCE_MAX_DAYS // 30} months before (design default).",
        ),
    )


def _explained_by_trait(s: Situation) -> bool:
    """A thalassemia trait on record explains small cells with a mildly raised Hb/Hct (Bessman 1977),
    not iron deficiency nor an Hct above the urgent limits."""
    f = s.findings
    return (
        s.patient.known_thalassemia is not None
        and f.microcytosis is not None
        and f.erythrocytosis_urgent is None
        and not f.iron_status.deficient
    )

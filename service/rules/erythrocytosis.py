"""Erythrocytosis at any MCV: confirm it, then tell polycythemia vera from a secondary cause.

WHO 2016 thresholds find it (Hb > 16.5 g/dL men, > 16.0 women; Hct > 49 %, > 48 %); BSH
asks for it to persist on a repeat sample. JAK2 V617F and EPO separate polycythemia vera from
secondary erythrocytosis; SpO2 below 92 % points to hypoxia, COHb to smoking. Two other
cards take precedence: with iron deficiency, the masked-polycythemia card says all of this
and more; with small cells, normal ferritin and a thalassemia pattern, the thalassemia path
comes first (Bessman 1977: most such patients had thalassemia trait), and this card waits
for the Hb analysis. A polycythemia vera on record explains the finding.
"""

from __future__ import annotations

from service.cards.orders import CARBOXYHEMOGLOBIN, ERYTHROPOIETIN, JAK2_V617F, SPO2
from service.citations import BSH_ERYTHROCYTOSIS, WHO_2016_MYELOID
from service.findings import thresholds as t
from service.formatting import number
from service.patient.model import Diagnosis, Sex
from service.rules import iron_deficiency, thalassemia
from service.rules.model import Recommendation, RuleId, Situation, and_list, named

ERYTHROCYTOSIS = RuleId("erythrocytosis", "Erythrocytosis: confirm, then look for its cause")
SHORT = {JAK2_V617F: "JAK2 V617F", ERYTHROPOIETIN: "EPO", SPO2: "SpO2", CARBOXYHEMOGLOBIN: "COHb"}


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
    orders, already = s.plan(JAK2_V617F, ERYTHROPOIETIN, SPO2, CARBOXYHEMOGLOBIN)
    value = s.show("hematocrit") if "hematocrit" in found.evidence else s.show("hemoglobin")
    reasoning = [found.statement, _persistence(s.patient.sex)]
    reasoning.append(
        "JAK2 V617F and a serum erythropoietin tell polycythemia vera from secondary erythrocytosis "
        "(WHO 2016); SpO2 looks for hypoxemia and COHb for smoking."
    )
    if f.hypoxemia is not None:
        reasoning.append(f.hypoxemia.statement)
    reasoning.append(
        "Review the secondary causes BSH lists: testosterone, SGLT2 inhibitors and sleep apnoea."
    )
    tests = named(orders, SHORT)
    action = f"confirm on repeat; consider {and_list(tests)}" if tests else "confirm on repeat"
    hypoxic = f" with {s.show('spo2')}, pointing to a secondary cause" if f.hypoxemia else ""
    return Recommendation(
        rule=ERYTHROCYTOSIS,
        indicator="warning",
        summary=f"Erythrocytosis ({value}){hypoxic}: {action}",
        reasoning=tuple(reasoning),
        evidence=("hemoglobin", "hematocrit", "rbc", "mcv", "ferritin", "spo2", "cohb", "epo"),
        citations=(WHO_2016_MYELOID, BSH_ERYTHROCYTOSIS),
        orders=orders,
        already=already,
    )

"""Iron deficiency: find its source, by who the patient is (docs/workup.md#iron-deficiency).

Men and postmenopausal women need the source found (bidirectional endoscopy, celiac
serology: AGA 2020, BSG 2021); premenopausal and pregnant women first need their losses
assessed; children their diet and, at 1-5 years, blood lead. With a high Hb, Hct or RBC
count, iron deficiency may mask polycythemia vera (Bessman 1977).
"""

from __future__ import annotations

from service.cards.orders import (
    BLOOD_LEAD,
    ERYTHROPOIETIN,
    GI_REFERRAL,
    HEMATOLOGY_REFERRAL,
    JAK2_V617F,
    TOTAL_IGA,
    TTG_IGA,
)
from service.citations import (
    AAP_2010_IRON,
    AGA_2020_IDA,
    BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA,
    BSG_2021_IDA,
    BSH_2020_PREGNANCY,
    CDC_2021_LEAD,
    KEOHANE_2013_ERYTHROCYTOSIS,
    Citation,
)
from service.findings import thresholds as t
from service.findings.model import Finding, IronStatus
from service.formatting import number
from service.patient.model import Diagnosis, Sex
from service.rules import secondary_causes
from service.rules.model import Recommendation, RuleId, Situation, and_list

SOURCE_SEARCH = RuleId(
    "iron-deficiency-source", "Iron deficiency in a man or postmenopausal woman: find the source"
)
PREMENOPAUSAL = RuleId("iron-deficiency-premenopausal", "Iron deficiency in a premenopausal woman")
PREGNANCY = RuleId("iron-deficiency-pregnancy", "Iron deficiency or microcytic anemia in pregnancy")
CHILD = RuleId("iron-deficiency-child", "Iron deficiency in a child")
MASKED_POLYCYTHEMIA = RuleId(
    "iron-deficiency-erythrocytosis", "Iron deficiency with a high Hb, Hct or RBC count"
)
# CDC and AAP advise a blood lead at 1-5 years: in completed months of age.
LEAD_FROM_MONTHS = 12
LEAD_UNTIL_MONTHS = 72
EVIDENCE = ("hemoglobin", "mcv", "ferritin", "crp", "tsat", "iron", "tibc")


def _deficient(s: Situation) -> Finding | None:
    """The iron-deficiency finding when it explains the blood count, else None."""
    f = s.findings
    if not f.iron_status.deficient or (f.anemia is None and f.microcytosis is None) or s.patient.age is None:
        return None
    return f.iron


def _masked_polycythemia(s: Situation) -> tuple[Finding, ...]:
    """What raises the question of a masked polycythemia vera, or () when nothing does.

    A high Hb or Hct; a high RBC count without anemia (with anemia it points to a trait instead),
    unless a myeloproliferative clue comes with it; or an Hb that is not low for the degree of iron
    deficiency with leukocytosis or thrombocytosis (NHS haematology pathways).
    """
    f = s.findings
    clues = tuple(c for c in (f.leukocytosis, f.thrombocytosis) if c is not None)
    if f.erythrocytosis is not None:
        return (f.erythrocytosis, *clues)
    if f.high_rbc is not None and (f.anemia is None or clues):
        return (f.high_rbc, *clues)
    if f.anemia is None and clues:
        return clues
    return ()


def _anemia(s: Situation) -> tuple[str, ...]:
    """The anemia finding, which names the threshold that applied to this patient."""
    return (s.findings.anemia.statement,) if s.findings.anemia else ()


def _ferritin(s: Situation) -> str:
    return s.show("ferritin") or "low ferritin"


def _headline(s: Situation, iron: Finding, who: str) -> str:
    """'Ferritin 9 µg/L is consistent with iron deficiency in a man': the value, then what it suggests."""
    ferritin = _ferritin(s)
    verb = "suggests" if iron.id == "iron-deficiency-likely" else "is consistent with"
    return f"{ferritin[0].upper()}{ferritin[1:]} {verb} iron deficiency in {who}"


def iron_advice(s: Situation) -> str:
    if s.patient.has(Diagnosis.POLYCYTHEMIA_VERA):
        return "Polycythemia vera is on record: iron can raise the hematocrit; agree iron with hematology."
    if _masked_polycythemia(s):
        return "Hold plain iron replacement until polycythemia vera is excluded (see the polycythemia card)."
    if s.patient.iron_names:
        return f"Iron is already prescribed ({', '.join(s.patient.iron_names)})."
    return "Consider iron replacement."


def _citations(iron: Finding, *more: Citation) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys((*((iron.citation,) if iron.citation else ()), *more)))


def source_search(s: Situation) -> Recommendation | None:
    iron = _deficient(s)
    p = s.patient
    if iron is None or p.is_child or p.pregnant:
        return None
    if p.sex is Sex.FEMALE and not p.postmenopausal:
        return None
    who = {Sex.MALE: "a man", Sex.FEMALE: "a postmenopausal woman"}.get(p.sex, "an adult of unrecorded sex")
    orders, already = s.plan(GI_REFERRAL, TTG_IGA, TOTAL_IGA)
    steps = []
    if GI_REFERRAL in orders:
        steps.append("GI referral for endoscopy")
    if TTG_IGA in orders or TOTAL_IGA in orders:
        steps.append("celiac serology")
    action = f"consider {' and '.join(steps)}" if steps else "find the source"
    falling = s.findings.hb_falling_on_iron
    if falling is not None:
        action = f"Hb falling on iron; urgently {action}"
    notes = []
    if p.menopause_basis == "age default":
        notes.append(
            f"Postmenopausal status is assumed from age ≥ {s.settings.postmenopausal_age}, "
            "as none is recorded (design default)."
        )
    if p.sex is Sex.UNKNOWN:
        notes.append(
            "Sex is not recorded: the workup for men and postmenopausal women is shown, the safer one."
        )
    return Recommendation(
        rule=SOURCE_SEARCH,
        indicator="critical" if falling is not None else "warning",
        summary=f"{_headline(s, iron, who)}: {action}",
        reasoning=(
            *_anemia(s),
            iron.statement,
            *((falling.statement,) if falling is not None else ()),
            "In men and postmenopausal women iron deficiency calls for bidirectional endoscopy "
            "(AGA 2020, strong recommendation) and celiac serology (BSG 2021): a gastrointestinal "
            "cancer can present this way.",
            iron_advice(s),
        ),
        evidence=EVIDENCE,
        citations=_citations(iron, AGA_2020_IDA, BSG_2021_IDA),
        orders=orders,
        already=already,
        notes=tuple(notes),
    )


def premenopausal(s: Situation) -> Recommendation | None:
    iron = _deficient(s)
    p = s.patient
    if iron is None or p.is_child or p.sex is not Sex.FEMALE or p.postmenopausal or p.pregnant:
        return None
    who = "a premenopausal woman"
    orders, already = s.plan(TTG_IGA, TOTAL_IGA)
    action = "assess losses; consider celiac serology" if orders else "assess menstrual and other losses"
    losses = "menstrual and other losses"
    celiac = " and consider celiac serology (BSG 2021)" if orders else ""
    return Recommendation(
        rule=PREMENOPAUSAL,
        indicator="info",
        summary=f"{_headline(s, iron, who)}: {action}",
        reasoning=(
            *_anemia(s),
            iron.statement,
            f"Assess {losses}{celiac}; gastrointestinal evaluation is suggested with GI symptoms or when "
            "no cause is found (AGA 2020, conditional).",
            iron_advice(s),
        ),
        evidence=EVIDENCE,
        citations=_citations(iron, AGA_2020_IDA, BSG_2021_IDA),
        orders=orders,
        already=already,
    )


def pregnancy(s: Situation) -> Recommendation | None:
    """BSH 2020: a diagnostic trial of oral iron first; GI evaluation only for GI symptoms or no response."""
    f = s.findings
    p = s.patient
    if not p.pregnant or p.is_child:
        return None
    iron = _deficient(s)
    untested = f.iron_status is IronStatus.UNKNOWN and f.anemia is not None and f.microcytosis is not None
    if iron is None and not untested:
        return None
    weeks = t.PREGNANCY_REPEAT_WEEKS
    if iron is not None:
        headline = _headline(s, iron, "pregnancy")
    else:
        values = ", ".join(v for v in (s.show("hemoglobin"), s.show("mcv")) if v)
        headline = f"Microcytic anemia in pregnancy ({values})"
    trial = (
        "iron is prescribed: repeat the count"
        if p.iron_names
        else "consider a trial of oral iron; repeat the count"
    )
    reasoning = [
        *_anemia(s),
        *((iron.statement,) if iron is not None else ()),
        f"In pregnancy BSH 2020 advises a diagnostic trial of oral iron and a repeat count after {weeks} "
        "weeks: a rise confirms iron deficiency; a ferritin below 30 µg/L indicates it.",
        "With a poor response check adherence and consider other causes, the thalassemia path among them "
        "(Hb electrophoresis/HPLC, as offered by antenatal screening).",
        "The endoscopic source search of AGA 2020 and BSG 2021 addresses non-pregnant adults: refer for GI "
        "evaluation only with GI symptoms or no response to iron.",
        iron_advice(s),
    ]
    return Recommendation(
        rule=PREGNANCY,
        indicator="info",
        summary=f"{headline}: {trial} in {weeks} weeks",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=(BSH_2020_PREGNANCY,),
    )


def child(s: Situation) -> Recommendation | None:
    iron = _deficient(s)
    age = s.patient.age
    if iron is None or age is None or not s.patient.is_child:
        return None
    lead_age = LEAD_FROM_MONTHS <= age.months < LEAD_UNTIL_MONTHS
    orders, already = s.plan(BLOOD_LEAD) if lead_age else ((), ())
    reasoning = [
        *_anemia(s),
        iron.statement,
        "Take a dietary history (excess cow's milk is a common cause) and consider iron (AAP 2010).",
    ]
    if BLOOD_LEAD in orders:
        reasoning.append(
            "At 1–5 years a venous blood lead is advised: lead exposure and iron deficiency go together "
            f"(CDC blood lead reference value {number(t.LEAD_REFERENCE_VALUE)} µg/dL)."
        )
    action = "review diet (cow's milk), consider iron" + (" and blood lead" if orders else "")
    return Recommendation(
        rule=CHILD,
        indicator="info",
        summary=f"{_headline(s, iron, 'a child')}: {action}",
        reasoning=tuple(reasoning),
        evidence=EVIDENCE,
        citations=_citations(iron, AAP_2010_IRON, *((CDC_2021_LEAD,) if lead_age else ())),
        orders=orders,
        already=already,
    )


def masked_polycythemia(s: Situation) -> Recommendation | None:
    iron = _deficient(s)
    high = _masked_polycythemia(s)
    if iron is None or not high or s.patient.is_child or s.patient.has(Diagnosis.POLYCYTHEMIA_VERA):
        return None
    orders, already = s.plan(JAK2_V617F, ERYTHROPOIETIN, HEMATOLOGY_REFERRAL)
    what = {
        "erythrocytosis": "erythrocytosis",
        "high-rbc": "a high RBC count",
        "leukocytosis": "leukocytosis",
        "thrombocytosis": "thrombocytosis",
        "extreme-thrombocytosis": "thrombocytosis",
    }
    named_findings = list(dict.fromkeys(what[x.id] for x in high))
    clues = [x for x in high if x.id not in ("erythrocytosis", "high-rbc")]
    if high[0].id in ("leukocytosis", "thrombocytosis", "extreme-thrombocytosis"):
        named_findings.insert(0, "an Hb not low")
    return Recommendation(
        rule=MASKED_POLYCYTHEMIA,
        indicator="warning",
        summary=f"Low ferritin with {and_list(named_findings)}: polycythemia vera may be masked; "
        "consider JAK2, EPO, hematology",
        reasoning=(
            iron.statement,
            *(x.statement for x in high),
            "Iron deficiency can mask polycythemia vera, and iron repletion can raise the hematocrit "
            "(Bessman 1977): do not just give iron.",
            *(
                (
                    "An unexplained rise in white cells or platelets with it is a myeloproliferative clue "
                    "(Keohane 2013, as NHS haematology pathways apply it).",
                )
                if clues
                else ()
            ),
            # Bessman 1977 found a secondary erythrocytosis behind some of these: named if on record.
            *((secondary_causes.statement(s),) if s.patient.secondary_causes else ()),
        ),
        evidence=(*EVIDENCE, "hematocrit", "rbc", *(("wbc", "platelets") if clues else ())),
        citations=_citations(
            iron, BESSMAN_1977_MICROCYTIC_POLYCYTHEMIA, *((KEOHANE_2013_ERYTHROCYTOSIS,) if clues else ())
        ),
        orders=orders,
        already=already,
    )

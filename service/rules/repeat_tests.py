"""Draft tests of the workup that add nothing now: the workup-order check (order-select, order-sign).

The costliest waste in this workup is a repeated test, not a missing one. A ferritin, iron
study or CRP resulted within ``repeat_iron_studies_days`` (design default, 30) with nothing
since that could change it (iron started, a transfusion, bleeding); an Hb electrophoresis/HPLC
or a JAK2 V617F, which stay valid for life; an Hb analysis for a patient whose thalassemia
trait is already on the problem list; a test already ordered. Each draft gets at most one
objection, the first that applies in that order, so no draft is on two cards.

Two exceptions keep the check from fighting the workup. A normal HbA2 measured while iron
deficient does not exclude beta-thalassemia trait, so once iron is replete the repeat is the
right step (AAFP 2010). And no draft is objected to that the patient-view workup would itself
suggest for the same chart: both read the same chart through the same rules, and the check
defers to the workup (``OrderReview.workup_suggests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.cards.orders import CRP, FERRITIN, HB_HPLC, IRON_PANEL, JAK2_V617F, Order
from service.citations import AAFP_2010_MICROCYTOSIS, WHO_2016_MYELOID, WHO_2020_FERRITIN, Citation
from service.dates import day
from service.findings.model import IronStatus
from service.findings.thresholds import FERRITIN_ID_IN_ANEMIA
from service.labs.results import LabResult
from service.order_check.drafts import DraftTest
from service.order_check.model import OrderReview
from service.rules.model import Recommendation, RuleId, Situation, and_list

ALREADY_ORDERED = RuleId("test-already-ordered", "A workup test already ordered")
RECENT_IRON_STUDY = RuleId("iron-study-resulted-recently", "Ferritin, iron studies or CRP resulted recently")
HB_ANALYSIS_DONE = RuleId("hb-analysis-already-resulted", "Hb electrophoresis/HPLC already resulted")
JAK2_DONE = RuleId("jak2-already-resulted", "JAK2 V617F already resulted")
TRAIT_ON_FILE = RuleId("hb-analysis-trait-on-file", "Hb electrophoresis with a thalassemia trait on file")

# How a summary names a test whose catalogue text is long.
SHORT_NAMES = {
    HB_HPLC.key: "Hb HPLC",
    IRON_PANEL.key: "iron panel",
    FERRITIN.key: "ferritin",
    CRP.key: "CRP",
    JAK2_V617F.key: "JAK2 V617F",
}
# The analytes whose results make each iron study done: any one group, each member resulted.
IRON_STUDIES: dict[str, tuple[tuple[str, ...], ...]] = {
    FERRITIN.key: (("ferritin",),),
    CRP.key: (("crp",),),
    IRON_PANEL.key: (("tsat",), ("iron", "tibc")),
}


@dataclass(frozen=True)
class Objection:
    rule: RuleId
    draft: DraftTest
    said: str  # the earlier result or the diagnosis on file, as the card's detail shows it
    brief: str = ""  # the same, shorter, for the summary: "35 µg/L on 2026-11-11"


def objections(s: Situation) -> tuple[Objection, ...]:
    """Each judged draft's objection, the first that applies, in the drafts' order."""
    review = s.review
    if review is None:
        return ()
    found = []
    for draft in review.drafts:
        if draft.order.key in review.workup_suggests:
            continue  # the workup suggests it for this chart: never object to it
        objection = _ordered(s, draft) or _resulted(s, review, draft) or _trait(s, draft)
        if objection is not None:
            found.append(objection)
    return tuple(found)


def drafts_objected(s: Situation, rec: Recommendation) -> tuple[DraftTest, ...]:
    """The drafts whose removal a card of this check suggests."""
    return tuple(o.draft for o in objections(s) if o.rule == rec.rule)


def _ordered(s: Situation, draft: DraftTest) -> Objection | None:
    order = draft.order
    if not s.patient.has_ordered(order.system, order.code, order.text):
        return None
    return Objection(ALREADY_ORDERED, draft, f"{order.text} is already ordered (an active ServiceRequest).")


def _resulted(s: Situation, review: OrderReview, draft: DraftTest) -> Objection | None:
    order = draft.order
    if order.key in IRON_STUDIES:
        return _recent_iron_study(s, review, draft, IRON_STUDIES[order.key])
    if order == HB_HPLC:
        return _hb_analysis(s, draft)
    if order == JAK2_V617F:
        found = next((review.coded[c] for c in order.done_codes if c in review.coded), None)
        if found is None:
            return None
        said = f"JAK2 V617F resulted on {day(found.when)}: {found.shown}."
        return Objection(JAK2_DONE, draft, said, f"{found.shown} on {day(found.when)}")
    return None


def _recent_iron_study(
    s: Situation, review: OrderReview, draft: DraftTest, groups: tuple[tuple[str, ...], ...]
) -> Objection | None:
    oldest = review.now - timedelta(days=s.settings.repeat_iron_studies_days)
    for group in groups:
        latest = [_latest(s, key) for key in group]
        if any(r is None or r.when < oldest for r in latest):
            continue
        results = [r for r in latest if r is not None]
        when = min(r.when for r in results)
        if _changed_since(s, when):
            return None  # something since may have changed it: the repeat may be right
        shown = [f"{r.analyte.name} {r.display()} on {r.date}" for r in results]
        said = f"{'; '.join(shown)}: no iron therapy recorded since."
        named = len(results) > 1 or results[0].analyte.key != draft.order.key
        return Objection(RECENT_IRON_STUDY, draft, said, shown[0] if named else shown[0].split(" ", 1)[1])
    return None


def _hb_analysis(s: Situation, draft: DraftTest) -> Objection | None:
    hba2 = _latest(s, "hba2")
    if hba2 is None:
        return None
    if _while_deficient(s, hba2) and s.findings.iron_status is IronStatus.REPLETE:
        return None  # measured while iron deficient, now replete: the repeat is the right step
    others = [r for r in (_latest(s, "hbf"), _latest(s, "hbs")) if r is not None and r.when == hba2.when]
    shown = "; ".join(f"{r.analyte.name} {r.display()}" for r in (hba2, *others))
    return Objection(
        HB_ANALYSIS_DONE,
        draft,
        f"Hb analysis resulted on {hba2.date}: {shown}.",
        f"HbA2 {hba2.display()} on {hba2.date}",
    )


def _trait(s: Situation, draft: DraftTest) -> Objection | None:
    known = s.patient.known_thalassemia
    if draft.order != HB_HPLC or known is None:
        return None
    return Objection(TRAIT_ON_FILE, draft, f"{known.label.capitalize()} is on the problem list.", known.label)


def _latest(s: Situation, key: str) -> LabResult | None:
    """The newest usable result of an analyte at any age: a repeat is judged against it."""
    series = s.labs.series(key)
    return series[-1] if series else None


def _while_deficient(s: Situation, hba2: LabResult) -> bool:
    """A ferritin below AGA 2020's cutoff in anemia within ``iron_before_cbc_days`` of the HbA2.

    The widest cutoff the workup uses: the exception errs towards allowing the repeat.
    """
    reach = timedelta(days=s.settings.iron_before_cbc_days)
    return any(
        abs(ferritin.when - hba2.when) <= reach and ferritin.is_below(FERRITIN_ID_IN_ANEMIA) is True
        for ferritin in s.labs.series("ferritin")
    )


def _changed_since(s: Situation, when: datetime) -> bool:
    """Iron started since ``when``, or on a date not recorded (transfusions and bleeds are not read:
    no verified code; the card says so)."""
    return any(p.started is None or p.started > when for p in s.patient.iron_prescriptions)


def _card(
    s: Situation,
    rule: RuleId,
    summary: str,
    why: str,
    citations: tuple[Citation, ...],
    notes: tuple[str, ...] = (),
) -> Recommendation | None:
    mine = [o for o in objections(s) if o.rule == rule]
    if not mine:
        return None
    names = and_list(list(dict.fromkeys(SHORT_NAMES.get(o.draft.order.key, o.draft.name) for o in mine)))
    return Recommendation(
        rule=rule,
        indicator="info",
        # One draft: the summary shows its earlier result; several: the detail lists each.
        summary=_capitalized(
            summary.format(names=names, first=f" ({mine[0].brief})" if len(mine) == 1 else "")
        ),
        reasoning=(*dict.fromkeys(o.said for o in mine), why),
        evidence=_evidence(mine),
        citations=citations,
        notes=notes,
    )


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _evidence(mine: list[Objection]) -> tuple[str, ...]:
    """The blood count, then the results behind each objection."""
    keys: dict[Order, tuple[str, ...]] = {
        FERRITIN: ("ferritin", "crp"),
        CRP: ("crp",),
        IRON_PANEL: ("tsat", "iron", "tibc", "ferritin"),
        HB_HPLC: ("hba2", "hbf", "ferritin"),
        JAK2_V617F: ("hematocrit",),
    }
    own = [key for o in mine for key in keys.get(o.draft.order, ())]
    return tuple(dict.fromkeys(["hemoglobin", "mcv", *own]))


def duplicate_order(s: Situation) -> Recommendation | None:
    return _card(
        s,
        ALREADY_ORDERED,
        "{names} already ordered: remove the duplicate draft",
        "An active order for the same test is on record: a second one adds a draw and a bill, not an answer.",
        (AAFP_2010_MICROCYTOSIS,),
    )


def iron_study_resulted_recently(s: Situation) -> Recommendation | None:
    days = s.settings.repeat_iron_studies_days
    return _card(
        s,
        RECENT_IRON_STUDY,
        f"{{names}} resulted within {days} days{{first}}: the repeat adds nothing now",
        "Ferritin and the iron studies change with iron therapy, a transfusion or blood loss: with none of "
        "them since, a repeat within weeks reads the same stores again (WHO 2020), and a CRP repeated "
        "this soon adds nothing unless the clinical picture has changed. Iron therapy is read from the "
        "record; a transfusion or bleeding is not (no verified code for either): if either happened "
        "since, keep the order.",
        (WHO_2020_FERRITIN, AAFP_2010_MICROCYTOSIS),
        (f"Resulted within {days} days counts as recent: a design default (repeat_iron_studies_days).",),
    )


def hb_analysis_already_resulted(s: Situation) -> Recommendation | None:
    return _card(
        s,
        HB_ANALYSIS_DONE,
        "{names} already resulted{first}: a lifelong result, the repeat adds nothing now",
        "Hemoglobin analysis is a lifelong result: it is not repeated because it is old. It is repeated only "
        "when an HbA2 measured while iron deficient is to be read again once iron is replete (AAFP 2010).",
        (AAFP_2010_MICROCYTOSIS,),
    )


def jak2_already_resulted(s: Situation) -> Recommendation | None:
    return _card(
        s,
        JAK2_DONE,
        "{names} already resulted{first}: the repeat adds nothing now",
        "JAK2 V617F is read as a lifelong result in this workup: the earlier one answers the question again.",
        (WHO_2016_MYELOID,),
    )


def hb_analysis_trait_on_file(s: Situation) -> Recommendation | None:
    return _card(
        s,
        TRAIT_ON_FILE,
        "{names} for a thalassemia trait already on the problem list{first}: it adds nothing now",
        "The diagnosis the Hb analysis would make is on file; a known trait explains the small cells with a "
        "normal ferritin (AAFP 2010).",
        (AAFP_2010_MICROCYTOSIS,),
    )

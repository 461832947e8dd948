"""``microcyte evaluate --explain``: the workup told for a person, stage by stage.

It shows what the service saw and why it answered as it did: the normalized labs and what
was left out, the patient context, the findings, and which rule fired with which card (or,
for the iron-prescribing check, which iron drafts were judged and why iron was questioned; for the
workup-order check, which draft tests were judged and why each was or was not objected to).
"""

from __future__ import annotations

from cds_hooks.service import HookCall
from service.chart.drafts import drafted_iron
from service.dates import day
from service.formatting import number
from service.labs.analytes import LOINC, SNOMED
from service.order_check.review import review_of
from service.patient.context_text import describe
from service.patient.model import PatientContext
from service.rules.apply import recommend
from service.rules.registry import PRESCRIBING_RULES
from service.rules.repeat_tests import objections
from service.services.workup_order_check import workup_order_check, workup_order_check_sign
from service.workup import Workup, patient_id_of_call, run_workup, situation_of
from service.workup_settings import DEFAULT_SETTINGS, WorkupSettings

SYSTEM_NAMES = {LOINC: "LOINC", SNOMED: "SNOMED CT"}
ORDER_CHECK_IDS = frozenset({workup_order_check.id, workup_order_check_sign.id})
ORDER_HOOKS = ("order-select", "order-sign")


def explain(
    call: HookCall, settings: WorkupSettings = DEFAULT_SETTINGS, service_id: str | None = None
) -> str:
    """The explanation of the service ``service_id`` (for an order hook, the iron check by default)."""
    if call.request.hook in ORDER_HOOKS and service_id in ORDER_CHECK_IDS:
        return _explain_order_check(call, settings)
    if call.request.hook in ORDER_HOOKS:
        return _explain_prescribing(call, settings)
    return render(run_workup(call, settings), settings)


def _explain_prescribing(call: HookCall, settings: WorkupSettings) -> str:
    drafts = drafted_iron(call.request.hook, call.context, patient_id_of_call(call))
    w = run_workup(call, settings)
    judged = "Selected iron drafts" if call.request.hook == "order-select" else "Iron drafts to be signed"
    lines = [f"Microcyte iron-prescribing check as of {w.now.isoformat()}", "", judged]
    lines += [f"  {d.reference}: {d.name} ({d.route.value})" for d in drafts] or [
        '  none: the answer is "cards": [] without reading the labs'
    ]
    lines += ["", *_labs(w), *_context(w.patient), *_findings(w), "Iron prescribing check"]
    fired = recommend(situation_of(call, settings, drafts=drafts), PRESCRIBING_RULES) if drafts else ()
    caution = fired[0] if fired else None
    if caution is None:
        lines.append('  iron fits the labs: the answer is "cards": []')
    else:
        lines.append(f"  {caution.rule.code} ({caution.indicator}) -> card: {caution.summary}")
    return "\n".join(lines).rstrip() + "\n"


def _explain_order_check(call: HookCall, settings: WorkupSettings) -> str:
    w = run_workup(call, settings)
    judged = "Selected draft tests" if call.request.hook == "order-select" else "Draft tests to be signed"
    lines = [f"Microcyte workup-order check as of {w.now.isoformat()}", "", judged]
    situation = review_of(call, settings)
    review = situation.review if situation is not None else None
    if situation is None or review is None:
        lines.append('  none of the catalogue: the answer is "cards": [] without reading the labs')
        return "\n".join(lines) + "\n"
    for draft in review.drafts:
        code = f"{SYSTEM_NAMES.get(draft.order.system, draft.order.system)} {draft.order.code}"
        lines.append(f"  {draft.reference}: {draft.name} ({code})")
    lines += ["", *_labs(w), *_context(w.patient), *_findings(w)]
    suggested = sorted(review.workup_suggests)
    lines += ["Orders the workup suggests for this chart (never objected to)"]
    lines += [f"  {', '.join(suggested)}" if suggested else "  none", "", "Workup-order check"]
    found = {o.draft.reference: o for o in objections(situation)}
    for draft in review.drafts:
        objection = found.get(draft.reference)
        if objection is None:
            lines.append(f"  {draft.reference}: no objection")
        else:
            lines.append(f"  {draft.reference}: {objection.rule.code} -> card: {objection.said}")
    return "\n".join(lines).rstrip() + "\n"


def render(w: Workup, settings: WorkupSettings) -> str:
    lines = [f"Microcyte workup as of {w.now.isoformat()}", ""]
    lines += _labs(w)
    lines += _context(w.patient)
    lines += _findings(w)
    lines += _rules(w, settings)
    return "\n".join(lines).rstrip() + "\n"


def _labs(w: Workup) -> list[str]:
    lines = ["Lab results used (canonical units)"]
    if not w.labs.results:
        lines.append("  none")
    for result in sorted(w.labs.results.values(), key=lambda r: r.analyte.name):
        extras = [f"reported {result.reported}", result.source]
        if result.reference_range():
            extras.insert(0, f"range {result.reference_range()}")
        if result.lab_flag():
            extras.insert(0, f"flag {result.lab_flag()}")
        lines.append(f"  {result.analyte.name}: {result.display()} on {result.date} ({'; '.join(extras)})")
    if w.labs.cbc_date is not None:
        lines.append(f"  Blood count dated {day(w.labs.cbc_date)}: iron studies are read against it.")
    derived = [f"{i.name} {number(i.value)} ({i.formula}; {i.cutoff})" for i in w.derived.indices]
    if w.derived.tsat_calculated is not None:
        derived.append(f"TSAT {number(w.derived.tsat_calculated)} % (iron ÷ TIBC × 100)")
    if w.derived.rpi is not None and w.derived.reticulocyte_index is not None:
        ri, rpi = number(w.derived.reticulocyte_index), number(w.derived.rpi)
        derived.append(f"Reticulocyte index {ri}, reticulocyte production index {rpi}")
    if derived:
        lines += ["", "Derived values (they rank the differential, they do not diagnose)"]
        lines += [f"  {text}" for text in derived]
    lines += ["", "Left out"]
    lines += [f"  - {u.sentence()}" for u in w.labs.unused] or ["  nothing"]
    if w.unavailable:
        lines += ["", "Prefetch not available"]
        lines += [f"  - {text}" for text in w.unavailable]
    return [*lines, ""]


def _context(p: PatientContext) -> list[str]:
    lines = ["Patient context", f"  {describe(p)}"]
    if p.pregnant and p.pregnancy_basis:
        lines.append(f"  Pregnancy from {p.pregnancy_basis}.")
    for iron in p.iron_prescriptions:
        started = f"started {day(iron.started)}" if iron.started else "start date not recorded"
        lines.append(f"  Iron: {iron.name}, {iron.route.value}, {started} ({iron.source})")
    for cause in p.secondary_causes:
        started = f"since {day(cause.started)}" if cause.started else "start date not recorded"
        lines.append(
            f"  Secondary cause of erythrocytosis on record: {cause.name} ({cause.cause.label}, {started}; "
            f"{cause.source})"
        )
    if p.chemotherapy:
        last = p.chemotherapy[0]
        lines.append(
            f"  Chemotherapy on record: {len(p.chemotherapy)} procedure(s), the latest {last.name} on "
            f"{day(last.performed)} ({last.source})"
        )
    if p.active_orders:
        lines.append(f"  Active orders: {len(p.active_orders)}")
    lines += [f"  Note: {note}" for note in p.notes]
    return [*lines, ""]


def _findings(w: Workup) -> list[str]:
    lines = ["Findings"]
    for finding in w.findings.present():
        marker = " [design default]" if finding.design_default else ""
        lines.append(f"  [{finding.id}] {finding.statement}{marker}")
    if not w.findings.present():
        lines.append("  none")
    lines.append(f"  Iron status: {w.findings.iron_status.value}")
    lines += [f"  Not assessed: {note}" for note in w.findings.notes]
    return [*lines, ""]


def _rules(w: Workup, settings: WorkupSettings) -> list[str]:
    lines = ["Rules that fired"]
    if not w.recommendations:
        lines.append('  none: the answer is "cards": []')
    if w.silence is not None:
        lines.append(f"  No card for the small cells, because {w.silence.value}.")
    for number_, rec in enumerate(w.recommendations, 1):
        shown = number_ <= settings.max_cards
        where = f"card {number_}" if shown else f"no card (only {settings.max_cards} cards are sent)"
        lines.append(f"  {rec.rule.code} ({rec.indicator}) -> {where}: {rec.summary}")
        for order in rec.orders:
            code = (
                f"{SYSTEM_NAMES.get(order.system, order.system)} {order.code}" if order.code else "text only"
            )
            lines.append(f"      suggests: {order.text} ({code})")
        lines += [f"      not suggested: {text}" for text in rec.already]
    return lines

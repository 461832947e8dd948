"""A recommendation as a CDS Hooks card: summary, Markdown detail, suggestions, source.

The detail carries everything a clinician needs to trust or overrule the card: the values
used (with the lab's range and flag), the reasoning, what was not usable and why, and the
citations. Every suggestion creates a draft R4 ServiceRequest the clinician can sign.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cds_hooks.ids import new_uuid
from cds_hooks.models import SUMMARY_MAX_CHARS, Card, Coding, Source, Suggestion
from service.cards.markdown import bullets, md, sentences, table
from service.cards.orders import Order
from service.citations import Citation
from service.formatting import number
from service.patient.context_text import describe
from service.rules.model import Recommendation, Situation

RULE_SYSTEM = "urn:microcyte:codesystem:rule"
OVERRIDE_SYSTEM = "urn:microcyte:codesystem:override-reason"
OVERRIDE_REASONS = (
    ("already-done-elsewhere", "Already done elsewhere"),
    ("patient-declined", "Patient declined"),
    ("not-clinically-appropriate", "Not clinically appropriate"),
    ("cause-already-known", "Cause already known"),
)
VALUE_COLUMNS = ("Test", "Value", "Reference range", "Date", "Lab flag")
MAX_UNUSED_LINES = 10  # a long record can hold many refused results: the card lists the first ones


def render_card(
    rec: Recommendation,
    s: Situation,
    unavailable: tuple[str, ...],
    *,
    suggestions: list[Suggestion] | None = None,
    override_reasons: tuple[tuple[str, str], ...] = OVERRIDE_REASONS,
) -> Card:
    """The card of a recommendation; its suggestions are draft orders unless others are given."""
    offered: list[Suggestion] | list[dict[str, Any]] = (
        [suggestion(order, s.patient.patient_id) for order in rec.orders]
        if suggestions is None
        else suggestions
    )
    primary = rec.citations[0]
    # One validation for the whole card, its suggestions and actions with it: a suggestion
    # built on its own would be validated again as a member of the card.
    return Card.model_validate(
        {
            "uuid": new_uuid(),
            "summary": shorten(rec.summary),
            "detail": detail(rec, s, unavailable),
            "indicator": rec.indicator,
            "source": source(primary.label, primary.url, rec.rule.code, rec.rule.display),
            "suggestions": offered or None,
            "selectionBehavior": "any" if offered else None,
            "overrideReasons": list(override_codings(override_reasons)),
        }
    )


# A card's source and override reasons depend only on its rule and the service's settings:
# built and validated once each, then shared by every card that shows them (nothing changes
# a card once it is made).
@lru_cache(maxsize=256)
def source(label: str, url: str, rule_code: str, rule_display: str) -> Source:
    """The source of a rule's cards: its primary citation, and the rule as the topic."""
    topic = Coding(system=RULE_SYSTEM, code=rule_code, display=rule_display)
    return Source(label=label, url=url, topic=topic)


@lru_cache(maxsize=16)
def override_codings(reasons: tuple[tuple[str, str], ...]) -> tuple[Coding, ...]:
    """Override reasons as the Codings a card offers and its service declares."""
    return tuple(Coding(system=OVERRIDE_SYSTEM, code=code, display=text) for code, text in reasons)


def shorten(summary: str) -> str:
    """Summaries are written to fit; this only guards the spec's limit against a very long value."""
    return summary if len(summary) <= SUMMARY_MAX_CHARS else summary[: SUMMARY_MAX_CHARS - 1] + "…"


def service_request(order: Order, patient_id: str) -> dict[str, Any]:
    code: dict[str, Any] = {"text": order.text}
    if order.code is not None:
        coding = {"system": order.system, "code": order.code}
        if order.display:
            coding["display"] = order.display
        code["coding"] = [coding]
    return {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "subject": {"reference": f"Patient/{patient_id}"},
        "code": code,
    }


def suggestion(order: Order, patient_id: str) -> dict[str, Any]:
    """A draft order as a card's suggestion, in the wire form the card validates."""
    return {
        "label": f"Order {order.text}" + (f", {order.condition}" if order.condition else ""),
        "uuid": new_uuid(),
        "actions": [
            {
                "type": "create",
                "description": f"Propose an order: {order.text}",
                "resource": service_request(order, patient_id),
            }
        ],
    }


def detail(rec: Recommendation, s: Situation, unavailable: tuple[str, ...]) -> str:
    parts = [table(VALUE_COLUMNS, value_rows(rec, s))]
    parts.append(sentences(rec.reasoning))
    parts.append(f"**Patient:** {md(describe(s.patient))}")
    if rec.already:
        parts.append("**Not suggested again:**\n" + bullets(rec.already))
    unused = [u.sentence() for u in s.labs.unused]
    if unused:
        extra = len(unused) - MAX_UNUSED_LINES
        shown = unused[:MAX_UNUSED_LINES] + ([f"and {extra} more results not used."] if extra > 0 else [])
        parts.append("**Not used:**\n" + bullets(shown))
    if unavailable:
        parts.append("**Not available:**\n" + bullets(unavailable))
    notes = [*rec.notes, *s.patient.notes, *s.findings.notes]
    if notes:
        parts.append("**Notes:**\n" + bullets(list(dict.fromkeys(notes))))
    parts.append(sources(rec.citations))
    return "\n\n".join(parts)


# A rule cites the same sources on every card: written once per set.
@lru_cache(maxsize=256)
def sources(citations: tuple[Citation, ...]) -> str:
    listed = "; ".join(f"[{md(c.label)}]({c.url})" for c in citations)
    return f"**Sources:** {listed}"


def value_rows(rec: Recommendation, s: Situation) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for key in rec.evidence:
        result = s.labs.get(key)
        if result is not None:
            rows.append(
                (
                    result.analyte.name,
                    result.display(),
                    result.reference_range(),
                    result.date,
                    result.lab_flag(),
                )
            )
        elif key == "mentzer" and (mentzer := s.derived.index("Mentzer")) is not None:
            mcv = s.labs.get("mcv")
            rows.append(
                (
                    f"Mentzer index ({mentzer.formula})",
                    number(mentzer.value),
                    mentzer.cutoff,
                    mcv.date if mcv else "",
                    "",
                )
            )
        elif key == "rpi" and (rpi := s.derived.rpi) is not None:
            hct = s.labs.get("hematocrit")
            rows.append(
                (
                    "Reticulocyte production index (retic % × Hct ÷ 45 ÷ maturation days)",
                    number(rpi),
                    "≥2: loss or hemolysis; <2: hypoproliferative",
                    hct.date if hct else "",
                    "",
                )
            )
    tsat = s.derived.tsat_calculated
    if "tsat" in rec.evidence and s.labs.get("tsat") is None and tsat is not None:
        iron = s.labs.get("iron")
        rows.append(
            ("Transferrin saturation (iron ÷ TIBC)", f"{number(tsat)} %", "", iron.date if iron else "", "")
        )
    return rows

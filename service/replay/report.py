"""The replay's findings: ``replay.json`` for tools, a CSV per table, ``replay.md`` for people.

Nothing in them names or dates a patient unless the replay was run with ``--identify``: samples
carry hashed ids, age bands and the year of the chart open (:mod:`service.replay.privacy`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from service.replay.privacy import AGE_BAND_LABELS, SEXES
from service.replay.tally import MAX_PROBLEMS, Tally

FORMAT_VERSION = 1
SYNTHEA_CAVEAT = (
    "Synthea's routine blood count draws the same hemoglobin range for women and men (about 12–17.5 g/dL), "
    "so about 22 % of adult women have Hb above 16.0 g/dL, where a real population has about 1 %: "
    "the erythrocytosis cards of a Synthea population, women's above all, say what the generator draws, "
    "not what a clinic would see."
)


@dataclass(frozen=True)
class Setup:
    """How the replay was run: the part of the report the tally does not know."""

    source_kind: str  # "ndjson", "bundles" or "fhir-server"
    as_of: str
    services: Sequence[Mapping[str, Any]]
    identified: bool


def _rate(count: int, base: int) -> float:
    return round(100 * count / base, 2) if base else 0.0


def build(tally: Tally, setup: Setup) -> dict[str, Any]:
    opens, patients = tally.chart_opens, tally.patients
    services = [{**service, "calls": tally.calls.get(service["id"], 0)} for service in setup.services]
    hooks = {service["id"]: service["hook"] for service in services}
    orders_selected = max((s["calls"] for s in services if s["hook"] == "order-select"), default=0)
    rules = [
        {
            "service": service,
            "hook": hooks.get(service, ""),
            "rule": rule,
            "indicator": indicator,
            "cards": cards,
            "patients": tally.rule_patients[service, rule, indicator],
            "per_100_chart_opens": _rate(cards, opens),
            "per_100_patients": _rate(cards, patients),
            "per_100_calls": _rate(cards, tally.calls.get(service, 0)),
        }
        for (service, rule, indicator), cards in tally.rule_cards.items()
    ]
    rules.sort(key=lambda row: (-row["cards"], row["service"], row["rule"], row["indicator"]))
    most = max(tally.cards_per_chart_open, default=0)
    distribution = [
        {
            "cards": count,
            "chart_opens": tally.cards_per_chart_open.get(count, 0),
            "percent": _rate(tally.cards_per_chart_open.get(count, 0), opens),
        }
        for count in range(most + 1)
    ]
    orders: list[dict[str, Any]] = [
        {
            "service": service,
            "system": system,
            "code": code,
            "display": display,
            "suggested": count,
            "per_100_chart_opens": _rate(count, opens),
        }
        for (service, system, code, display), count in tally.orders.items()
    ]
    orders.sort(key=lambda row: (-row["suggested"], row["display"]))
    bands = [
        {
            "age_band": band,
            "sex": sex,
            "chart_opens": tally.band_chart_opens[band, sex],
            "chart_opens_with_cards": tally.band_chart_opens_with_cards[band, sex],
            "cards": tally.band_cards[band, sex],
            "cards_per_100_chart_opens": _rate(
                tally.band_cards[band, sex], tally.band_chart_opens[band, sex]
            ),
        }
        for band in AGE_BAND_LABELS
        for sex in SEXES
        if tally.band_chart_opens[band, sex]
    ]
    samples = [
        {k: v for k, v in asdict(sample).items() if k != "key"}
        for rule in sorted(tally.samples)
        for sample in tally.samples[rule]
    ]
    cards = sum(tally.rule_cards.values())
    return {
        "format": FORMAT_VERSION,
        "source": setup.source_kind,
        "as_of": setup.as_of,
        "identified": setup.identified,
        "patients": patients,
        "patients_with_chart_opens": tally.patients_with_chart_opens,
        "synthetic_patients": tally.synthetic_patients,
        "chart_opens": opens,
        "order_selections": orders_selected,
        "cards": cards,
        "cards_per_100_chart_opens": _rate(
            sum(r["cards"] for r in rules if r["hook"] == "patient-view"), opens
        ),
        "services": services,
        "rules": rules,
        "cards_per_chart_open": distribution,
        "orders": orders,
        "bands": bands,
        "samples": samples,
        "small_cells": _small_cells(tally),
        "skipped": dict(sorted(tally.skipped.items())),
        "problems": {
            "count": tally.problem_count,
            "listed": [asdict(problem) for problem in tally.problems[:MAX_PROBLEMS]],
        },
    }


def _small_cells(tally: Tally) -> dict[str, Any]:
    """Never silent on small cells: chart opens on a microcytic count, with a card or a stated reason."""
    counts = tally.small_cells
    return {
        "chart_opens": sum(counts.values()),
        "with_a_card": counts.get("card", 0),
        "no_card": {k: v for k, v in sorted(counts.items()) if k not in ("card", "silent")},
        "silent": counts.get("silent", 0),
    }


TABLES = ("services", "rules", "cards_per_chart_open", "orders", "bands", "samples")


def write(report: Mapping[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "replay.json"]
    written[0].write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    for table in (*TABLES, "problems"):
        rows = report["problems"]["listed"] if table == "problems" else report[table]
        path = folder / f"{table}.csv"
        columns = list(rows[0]) if rows else _COLUMNS[table]
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        written.append(path)
    markdown = folder / "replay.md"
    markdown.write_text(as_markdown(report), encoding="utf-8")
    written.append(markdown)
    return written


_COLUMNS = {
    "services": ["id", "hook", "replayed", "how", "calls"],
    "rules": [
        "service", "hook", "rule", "indicator", "cards", "patients",
        "per_100_chart_opens", "per_100_patients", "per_100_calls",
    ],
    "cards_per_chart_open": ["cards", "chart_opens", "percent"],
    "orders": ["service", "system", "code", "display", "suggested", "per_100_chart_opens"],
    "bands": [
        "age_band", "sex", "chart_opens", "chart_opens_with_cards", "cards", "cards_per_100_chart_opens",
    ],
    "samples": [
        "service", "rule", "indicator", "patient", "as_of", "age_band", "sex", "summary", "explanation",
    ],
    "problems": ["path", "line", "message"],
}  # fmt: skip


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def as_markdown(
    report: Mapping[str, Any], *, heading: str = "#", plots: str | None = None, caveat: bool = True
) -> str:
    """The report for people. ``plots`` is the folder (relative to the page) of the PNGs, if drawn;
    ``caveat=False`` leaves the Synthea caveat to a page that gives it itself."""
    h = heading
    opens, patients = report["chart_opens"], report["patients"]
    lines = [
        f"{h} What Microcyte would have said",
        "",
        f"A replay of {patients} patients ({report['source']}): {opens} chart opens, {report['as_of']}, "
        f"and {report['order_selections']} order selections. {report['cards']} cards in all; "
        f"**{report['cards_per_100_chart_opens']} cards per 100 chart opens** from the chart-open services.",
        "",
    ]
    if report["synthetic_patients"] and caveat:
        lines += [f"> **Synthetic data.** {SYNTHEA_CAVEAT}", ""]
    lines += [f"{h}# Services", ""]
    lines += _table(
        ["service", "hook", "calls", "replayed"],
        [[s["id"], s["hook"], s["calls"], s["how"]] for s in report["services"]],
    )
    lines += [f"{h}# Cards by rule and indicator", ""]
    lines += _table(
        ["service", "rule", "indicator", "cards", "per 100 chart opens", "per 100 patients", "patients"],
        [
            [r["service"], f"`{r['rule']}`", r["indicator"], r["cards"], r["per_100_chart_opens"],
             r["per_100_patients"], r["patients"]]
            for r in report["rules"]
        ],
    ) if report["rules"] else ["No card in the whole replay.", ""]  # fmt: skip
    if plots:
        lines += [f"![Cards per 100 chart opens by rule]({plots}/rules.png)", ""]
    lines += [f"{h}# Cards per chart open", ""]
    lines += _table(
        ["cards", "chart opens", "%"],
        [[d["cards"], d["chart_opens"], d["percent"]] for d in report["cards_per_chart_open"]],
    )
    if plots:
        lines += [f"![Cards per chart open]({plots}/cards_per_chart_open.png)", ""]
    small = report["small_cells"]
    lines += [f"{h}# Small cells: never silent", ""]
    lines += [
        f"Chart opens on a microcytic count (microcytic anemia, microcytosis or microcytic erythrocytosis): "
        f"{small['chart_opens']}. With a card: {small['with_a_card']}. Silent, with no stated reason: "
        f"{small['silent']}.",
        "",
    ]
    lines += [f"- no card, because {reason}: {count}" for reason, count in small["no_card"].items()]
    lines += [""] if small["no_card"] else []
    lines += [f"{h}# Orders suggested", ""]
    lines += _table(
        ["order", "code", "suggested", "per 100 chart opens"],
        [[o["display"], o["code"], o["suggested"], o["per_100_chart_opens"]] for o in report["orders"]],
    ) if report["orders"] else ["No order suggested.", ""]  # fmt: skip
    lines += [f"{h}# By age and sex", "", "Ages in years at the chart open.", ""]
    lines += _table(
        ["age", "sex", "chart opens", "with a card", "cards", "cards per 100 chart opens"],
        [
            [b["age_band"], b["sex"], b["chart_opens"], b["chart_opens_with_cards"], b["cards"],
             b["cards_per_100_chart_opens"]]
            for b in report["bands"]
        ],
    )  # fmt: skip
    if plots:
        lines += [f"![Cards per 100 chart opens by age and sex]({plots}/bands.png)", ""]
    lines += [f"{h}# Sample chart opens", ""]
    if not report["identified"]:
        lines += [
            "Patients by hashed id, ages in bands, dates as days from the chart open's day "
            "(`--identify` shows them as recorded).",
            "",
        ]
    for sample in report["samples"]:
        lines += [
            f"{h}## `{sample['rule']}` ({sample['indicator']}): patient {sample['patient']}, "
            f"{sample['sex']}, {sample['age_band']}, {sample['as_of']}",
            "",
            f"**Card:** {sample['summary']}",
            "",
            "```text",
            sample["explanation"].rstrip(),
            "```",
            "",
        ]
    lines += [f"{h}# Left out", ""]
    skipped = report["skipped"]
    problems = report["problems"]
    if not skipped and not problems["count"]:
        lines += ["Nothing: every input was read.", ""]
    lines += [f"- {reason}: {count}" for reason, count in skipped.items()]
    if problems["count"]:
        lines += [f"- unreadable input: {problems['count']} (listed in problems.csv)"]
    return "\n".join(lines).rstrip() + "\n"


def summary(report: Mapping[str, Any]) -> str:
    """A few lines for the terminal."""
    lines = [
        f"{report['patients']} patients, {report['chart_opens']} chart opens, "
        f"{report['order_selections']} order selections, {report['cards']} cards "
        f"({report['cards_per_100_chart_opens']} per 100 chart opens)",
    ]
    for rule in report["rules"]:
        lines.append(
            f"  {rule['rule']} ({rule['indicator']}): {rule['cards']} cards, "
            f"{rule['per_100_chart_opens']} per 100 chart opens"
        )
    if report["problems"]["count"]:
        lines.append(f"{report['problems']['count']} unreadable inputs left out")
    return "\n".join(lines) + "\n"

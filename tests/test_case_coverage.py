"""The case table covers the workup: docs/workup.md#section-5-of-the-reference-row-by-row holds.

The table maps each situation of the reference's section 5 to the rule ids that answer it and the
synthetic patients that exercise it. A table that names a case which is gone, a rule id no case of
its row shows, or a "not:" case that shows the row's card would claim a coverage the cases do not
give; a rule of the registry that no case expects would run untested. Each of those fails here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tests.paths import FIXTURES, ROOT
from tests.test_rule_catalogue import rule_ids_in_code

WORKUP = ROOT / "docs" / "workup.md"
HEADING = "## Section 5 of the reference, row by row"
ID = re.compile(r"`([a-z0-9-]+)`")
# "01, 03; not: 57; no card: 06": groups of case numbers, each after an optional label.
CASES_CELL = re.compile(r"^(?:(?:not|no card): )?\d+(?:, \d+)*(?:; (?:not|no card): \d+(?:, \d+)*)*$")


@dataclass(frozen=True)
class Row:
    situation: str
    ids: tuple[str, ...]
    shown: tuple[int, ...]  # cases that exercise the row
    not_shown: tuple[int, ...]  # neighbouring cases that must not get the row's cards
    no_card: tuple[int, ...]  # cases that get no card at all


def section(text: str) -> list[str]:
    """The lines of the section, up to the next heading of its level."""
    lines = text.splitlines()
    start = lines.index(HEADING) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def parse_cases(cell: str) -> dict[str, tuple[int, ...]]:
    assert CASES_CELL.match(cell), f"case list not of the form '01, 03; not: 57; no card: 06': {cell!r}"
    groups: dict[str, tuple[int, ...]] = {"": (), "not": (), "no card": ()}
    for group in cell.split("; "):
        label, _, numbers = group.rpartition(": ")
        groups[label] += tuple(int(n) for n in numbers.split(", "))
    return groups


def rows(text: str) -> list[Row]:
    found = []
    for line in section(text):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] == "situation" or set(cells[0]) <= {"-"}:
            continue
        assert len(cells) == 3, line
        groups = parse_cases(cells[2])
        found.append(Row(cells[0], tuple(ID.findall(cells[1])), groups[""], groups["not"], groups["no card"]))
    return found


def load_cases() -> dict[int, dict[str, Any]]:
    cases: dict[int, dict[str, Any]] = {}
    for path in sorted((FIXTURES / "cases").glob("*.json")):
        number = int(path.name.split("-", 1)[0])
        assert number not in cases, f"two cases numbered {number}"
        cases[number] = json.loads(path.read_text())["expect"]
    return cases


def card_rules(expect: dict[str, Any]) -> set[str]:
    return {card["rule"] for card in expect["cards"]}


def coverage_problems(table: str, cases: dict[int, dict[str, Any]], rule_ids: set[str]) -> list[str]:
    """Every way the table and the cases disagree, one line each."""
    problems = []
    table_rows = rows(table)
    for row in table_rows:
        where = row.situation[:60]
        for number in (*row.shown, *row.not_shown, *row.no_card):
            if number not in cases:
                problems.append(f"{where}: case {number} does not exist")
        if not row.ids or not row.shown:
            problems.append(f"{where}: names no rule id or no case that shows it")
        present = [cases[n] for n in row.shown if n in cases]
        for rule in row.ids:
            if rule in rule_ids:
                if not any(rule in card_rules(e) for e in present):
                    problems.append(f"{where}: no case of the row gets the card {rule}")
            elif not any(rule in e["findings"] for e in present):
                problems.append(f"{where}: {rule} is neither a rule id nor a finding of the row's cases")
        for number in row.not_shown:
            wrong = card_rules(cases.get(number, {"cards": []})) & set(row.ids) & rule_ids
            if wrong:
                problems.append(f"{where}: case {number}, listed under 'not:', gets {sorted(wrong)}")
        for number in row.no_card:
            if number in cases and cases[number]["cards"]:
                problems.append(f"{where}: case {number}, listed under 'no card:', expects cards")
    named = {rule for row in table_rows for rule in row.ids}
    expected = set().union(*(card_rules(e) for e in cases.values()))
    for rule in sorted(rule_ids - named):
        problems.append(f"rule {rule} is not in the table")
    for rule in sorted(rule_ids - expected):
        problems.append(f"rule {rule} is a card of no case")
    return problems


def test_the_table_and_the_cases_agree() -> None:
    problems = coverage_problems(WORKUP.read_text(encoding="utf-8"), load_cases(), rule_ids_in_code())
    assert not problems, "\n".join(problems)


def test_the_table_has_a_row_for_each_situation() -> None:
    # The reference's section 5 has 24 situations and 4 rules in the paragraph under it; the second
    # table adds the rules of sections 2-4. A heading renamed or a table cut short fails here.
    assert len(rows(WORKUP.read_text(encoding="utf-8"))) >= 28 + 5


def test_a_missing_case_an_uncovered_rule_and_a_wrong_exclusion_are_each_found() -> None:
    """The check can fail: each kind of disagreement, planted in a small table, is reported."""
    table = "\n".join(
        [
            HEADING,
            "",
            "| situation | rule ids | cases |",
            "|---|---|---|",
            "| small cells, no ferritin | `no-ferritin` | 1, 999 |",
            "| iron deficiency in a man | `iron-deficiency-source` | 1 |",
            "| the same man, not the ferritin card | `no-ferritin` | 1; not: 1 |",
            "| a finding no case shows | `made-up-finding` | 1 |",
            "| expects no card | `no-ferritin` | 1; no card: 1 |",
        ]
    )
    cases = {1: {"cards": [{"rule": "no-ferritin"}], "findings": ["microcytosis"]}}
    problems = coverage_problems(table, cases, {"no-ferritin", "iron-deficiency-source", "severe-anemia"})
    assert any("case 999 does not exist" in p for p in problems)
    assert any("no case of the row gets the card iron-deficiency-source" in p for p in problems)
    assert any("listed under 'not:', gets ['no-ferritin']" in p for p in problems)
    assert any("made-up-finding is neither" in p for p in problems)
    assert any("listed under 'no card:', expects cards" in p for p in problems)
    assert "rule severe-anemia is not in the table" in problems
    assert "rule severe-anemia is a card of no case" in problems

"""The rule catalogue (``microcyte rules``) holds to the code, and docs/rules.md is its output."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess

import service.rules
from service.findings import thresholds
from service.labs import derived
from service.rules.catalogue import CATALOGUE, as_markdown
from service.rules.model import RuleId
from service.workup_settings import WorkupSettings
from tests.paths import ROOT
from tests.served import MICROCYTE


def rule_ids_in_code() -> set[str]:
    found: set[str] = set()
    for module in pkgutil.iter_modules(service.rules.__path__):
        loaded = importlib.import_module(f"service.rules.{module.name}")
        found |= {value.code for value in vars(loaded).values() if isinstance(value, RuleId)}
    return found


def test_every_rule_id_has_exactly_one_entry() -> None:
    listed = [entry.rule.code for entry in CATALOGUE]
    assert len(listed) == len(set(listed))
    assert set(listed) == rule_ids_in_code()


def test_every_design_default_named_is_a_constant_or_a_setting() -> None:
    known = set(vars(thresholds)) | set(vars(derived)) | set(WorkupSettings.model_fields)
    unknown = {d for entry in CATALOGUE for d in entry.defaults if d not in known}
    assert not unknown


def test_every_entry_cites_a_source_and_says_when_it_fires() -> None:
    for entry in CATALOGUE:
        assert entry.sources and entry.fires, entry.rule.code


def test_docs_rules_md_is_the_generated_catalogue() -> None:
    # Regenerate with: microcyte rules --format markdown > docs/rules.md
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == as_markdown()


def test_microcyte_rules_prints_json_with_codes() -> None:
    done = subprocess.run(
        [*MICROCYTE, "rules", "--format", "json"], capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    rules = json.loads(done.stdout)
    assert [r["id"] for r in rules] == [entry.rule.code for entry in CATALOGUE]
    source = next(r for r in rules if r["id"] == "iron-deficiency-source")
    assert {"text": source["suggests"][0]["text"], "system": "SNOMED CT", "code": "308476000"} == {
        k: source["suggests"][0][k] for k in ("text", "system", "code")
    }

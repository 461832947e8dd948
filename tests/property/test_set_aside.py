"""An implausible value is set aside, never the rest of its count; iron loading is a step of its own.

Hypothesis draws the charts of ``test_never_silent`` and forces into them what must always get its
step, whatever else the chart holds: a critical neutrophil or platelet count beside any hemoglobin
(plausible or not) and any chemotherapy on record, and iron loading beside any blood count and any
known diagnosis.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.rules.apply import recommend
from service.rules.registry import WORKUP_RULES
from tests.property.test_never_silent import charts
from tests.rules.situations import situation

# Hemoglobins either side of the plausible 2-25 g/dL as well as inside it.
HEMOGLOBINS = st.one_of(st.floats(0.1, 1.9), st.floats(2.0, 25.0), st.floats(25.1, 60.0))


def fired(chart: dict[str, Any]) -> list[tuple[str, str]]:
    return [(rec.rule.code, rec.indicator) for rec in recommend(situation(**chart), WORKUP_RULES)]


# Chemotherapy on record: none, or a cycle from the day of the count to a year before it.
CHEMOTHERAPY = st.one_of(
    st.just(()), st.integers(0, 365).map(lambda days: (("Chemotherapy (procedure)", days),))
)


@given(charts(), HEMOGLOBINS, st.sampled_from(["neutrophils", "platelets"]), CHEMOTHERAPY, st.data())
def test_a_critical_count_gets_its_card_whatever_the_hemoglobin_or_chemotherapy(
    chart: dict[str, Any],
    hemoglobin: float,
    line: str,
    chemotherapy: tuple[tuple[str, int], ...],
    data: st.DataObject,
) -> None:
    limit = 0.5 if line == "neutrophils" else 20.0
    chart |= {"hemoglobin": round(hemoglobin, 1), line: round(data.draw(st.floats(0.01, limit - 0.01)), 2)}
    chart["procedures"] = chemotherapy
    assert ("cytopenias", "critical") in fired(chart)


@given(charts(), HEMOGLOBINS, st.floats(301.0, 20000.0), st.floats(45.5, 100.0), st.floats(0.1, 5.0))
def test_iron_loading_gets_its_step_whatever_else_is_known(
    chart: dict[str, Any], hemoglobin: float, ferritin: float, tsat: float, crp: float
) -> None:
    chart |= {
        "hemoglobin": round(hemoglobin, 1),
        "ferritin": round(ferritin),
        "tsat": round(tsat, 1),
        "crp": round(crp, 1),
        "iron": None,  # on iron the studies show the treatment, not the stores
    }
    assert ("iron-loading", "warning") in fired(chart)

"""Units: the analyte table's conversion factors, and thresholds stated in the canonical unit.

The factors between units of one dimension are checked against ucumvert, which reads UCUM
itself. It cannot convert between mass and amount of substance, so the molar factors (which
depend on a molar mass) are checked against the molar masses they come from.
"""

from __future__ import annotations

import pytest
from ucumvert import PintUcumRegistry

from service.findings import thresholds as t
from service.labs.analytes import ANALYTES

UCUM = PintUcumRegistry()

# (analyte, unit): the molar mass (g/mol) that links the unit to the canonical mass unit.
MOLAR_MASSES = {
    ("hemoglobin", "mmol/L"): 16_114.5,  # hemoglobin per heme (monomer), as labs report Hb in mmol/L
    ("iron", "umol/L"): 55.845,
    ("tibc", "umol/L"): 55.845,
    ("lead", "umol/L"): 207.2,
    ("ferritin", "pmol/L"): 445_000.0,  # apoferritin-iron complex, as ferritin is reported in pmol/L
    ("mch", "fmol"): 16_114.5,  # hemoglobin per cell, heme-based
}
# Units UCUM spells but pint cannot convert between (arbitrary units): the factor is an identity.
ARBITRARY = {("epo", "[IU]/L"), ("epo", "m[IU]/mL")}


def scale(unit: str, into: str) -> float:
    return float((1 * UCUM.from_ucum(unit)).to(UCUM.from_ucum(into).units).magnitude)


def conversions() -> list[tuple[str, str, float]]:
    return [
        (analyte.key, unit, factor)
        for analyte in ANALYTES.values()
        for unit, factor in analyte.units.items()
        if unit != analyte.unit and (analyte.key, unit) not in ARBITRARY
    ]


@pytest.mark.parametrize(("key", "unit", "factor"), conversions(), ids=lambda v: str(v))
def test_each_conversion_factor_is_ucums(key: str, unit: str, factor: float) -> None:
    canonical = ANALYTES[key].unit
    molar = (key, unit.removesuffix("/l") + "/L" if unit.endswith("/l") else unit)
    if molar in MOLAR_MASSES:
        # ucumvert scales the prefixes (mmol/L to mol/L, g/L to g/dL); the molar mass links the two.
        per_mol = scale(unit, "mol/L" if "/" in unit else "mol")
        per_gram = scale("g/L" if "/" in canonical else "g", canonical)
        assert per_mol * MOLAR_MASSES[molar] * per_gram == pytest.approx(factor, rel=2e-3)
    else:
        converted = (1 * UCUM.from_ucum(unit)).to(UCUM.from_ucum(canonical).units)
        assert converted.magnitude == pytest.approx(factor, rel=1e-9)


@pytest.mark.parametrize(
    ("constant", "who_g_per_l"),
    [
        (t.HB_6_23_MONTHS, 105),
        (t.HB_24_59_MONTHS, 110),
        (t.HB_5_11_YEARS, 115),
        (t.HB_12_14_YEARS, 120),
        (t.HB_WOMEN, 120),
        (t.HB_MEN, 130),
        (t.HB_PREGNANCY_T1, 110),
        (t.HB_PREGNANCY_T2, 105),
        (t.HB_PREGNANCY_T3, 110),
        (t.HB_PREGNANCY_UNKNOWN_TRIMESTER, 110),
        (t.HB_SEVERE, 70),  # AABB 2023
        (t.HB_RISE_ON_IRON, 10),  # BSG 2021
    ],
)
def test_hemoglobin_thresholds_are_the_guidelines_g_per_l_in_g_per_dl(
    constant: float, who_g_per_l: int
) -> None:
    """Guidelines state hemoglobin in g/L; every threshold is held in g/dL, as results are read."""
    hemoglobin = ANALYTES["hemoglobin"]
    assert hemoglobin.unit == "g/dL"
    assert constant == pytest.approx(who_g_per_l * hemoglobin.units["g/L"])

"""Every analyte the workup reads, as data (docs/workup.md#analytes).

One row per analyte: its LOINC result codes, the canonical unit every value is converted
to, the accepted UCUM units with the factor that converts them, the range outside which a
value is an entry or unit error rather than biology, and the lookback window. Observations
are matched on these codes only, never on display text: LOINC renamed several CBC terms.
Panel codes (CBC 58410-2, iron panel 50190-8 ...) are deliberately absent: a lab can report
an analyte under its panel's code, and such a value cannot be trusted to be that analyte.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


class Window(enum.Enum):
    """Which lookback applies (design default, docs/workup.md#lookback-windows)."""

    CBC = "blood count"  # WorkupSettings.cbc_lookback_days
    IRON = "iron studies"  # iron_lookback_days, and not older than iron_before_cbc_days before the CBC
    ANY = "any age"  # Hb electrophoresis/HPLC: a genetic trait does not expire
    LONG = "one year"  # long_lookback_days


@dataclass(frozen=True)
class Analyte:
    key: str
    name: str
    codes: tuple[str, ...]
    unit: str
    units: Mapping[str, float]  # accepted UCUM unit -> factor into ``unit``
    plausible: tuple[float, float]
    window: Window

    def factor(self, ucum: str) -> float | None:
        return self.units.get(ucum)

    def expressed(self, value: float, ucum: str) -> float:
        """A value in the canonical unit, expressed in another accepted unit (for a card's text)."""
        return value / self.units[ucum]


def _units(pairs: Mapping[str, float]) -> Mapping[str, float]:
    """Accept each unit also with ``l`` for ``L``: UCUM defines both symbols as the litre."""
    spelled = dict(pairs)
    for unit, factor in pairs.items():
        spelled.setdefault(unit.replace("L", "l"), factor)
    return MappingProxyType(spelled)


PERCENT = _units({"%": 1.0})
PER_PL = _units({"10*12/L": 1.0, "10*6/uL": 1.0, "10*6/mm3": 1.0})  # cells per picolitre
PER_NL = _units({"10*9/L": 1.0, "10*3/uL": 1.0, "10*3/mm3": 1.0})  # cells per nanolitre
IRON_UNITS = _units({"ug/dL": 1.0, "umol/L": 5.585})
NO_UPPER = math.inf
# Outside these, a value is a unit or entry error (design default, docs/workup.md#plausibility-ranges);
# analytes without a stated range get the physical bounds of their unit.
PERCENT_RANGE = (0.0, 100.0)
NON_NEGATIVE = (0.0, NO_UPPER)

_ROWS = (
    Analyte(
        "hemoglobin",
        "Hemoglobin",
        ("718-7", "59260-0"),
        "g/dL",
        _units({"g/dL": 1.0, "g/L": 0.1, "mmol/L": 1.611}),
        (2.0, 25.0),
        Window.CBC,
    ),
    Analyte(
        "hematocrit",
        "Hematocrit",
        ("4544-3", "20570-8"),
        "%",
        _units({"%": 1.0, "L/L": 100.0, "1": 100.0}),
        PERCENT_RANGE,
        Window.CBC,
    ),
    Analyte("rbc", "RBC count", ("789-8",), "10*12/L", PER_PL, NON_NEGATIVE, Window.CBC),
    Analyte("mcv", "MCV", ("787-2",), "fL", _units({"fL": 1.0, "um3": 1.0}), (40.0, 150.0), Window.CBC),
    Analyte(
        "mch", "MCH", ("785-6",), "pg", _units({"pg": 1.0, "fmol": 1 / 0.06206}), NON_NEGATIVE, Window.CBC
    ),
    Analyte("mchc", "MCHC", ("786-4",), "g/dL", _units({"g/dL": 1.0, "g/L": 0.1}), (20.0, 40.0), Window.CBC),
    Analyte("rdw_cv", "RDW-CV", ("788-0",), "%", PERCENT, PERCENT_RANGE, Window.CBC),
    Analyte("rdw_sd", "RDW-SD", ("21000-5",), "fL", _units({"fL": 1.0}), NON_NEGATIVE, Window.CBC),
    Analyte("retic_pct", "Reticulocytes", ("17849-1", "4679-7"), "%", PERCENT, PERCENT_RANGE, Window.CBC),
    Analyte(
        "retic_abs",
        "Reticulocytes (absolute)",
        ("60474-4", "14196-0"),
        "10*9/L",
        PER_NL,
        NON_NEGATIVE,
        Window.CBC,
    ),
    Analyte(
        "ret_he", "Reticulocyte hemoglobin", ("71694-4",), "pg", _units({"pg": 1.0}), NON_NEGATIVE, Window.CBC
    ),
    Analyte("wbc", "WBC", ("6690-2",), "10*9/L", PER_NL, NON_NEGATIVE, Window.CBC),
    # 751-8 is not verified as an order code: it is only matched here, never emitted
    # (docs/workup.md#analytes).
    Analyte("neutrophils", "Neutrophils (absolute)", ("751-8",), "10*9/L", PER_NL, NON_NEGATIVE, Window.CBC),
    Analyte("platelets", "Platelets", ("777-3", "26515-7"), "10*9/L", PER_NL, NON_NEGATIVE, Window.CBC),
    Analyte(
        "ferritin",
        "Ferritin",
        ("2276-4", "14723-1"),
        "ug/L",
        _units({"ug/L": 1.0, "ng/mL": 1.0, "pmol/L": 0.445}),
        (0.0, 100000.0),
        Window.IRON,
    ),
    Analyte("iron", "Serum iron", ("2498-4", "14798-3"), "ug/dL", IRON_UNITS, NON_NEGATIVE, Window.IRON),
    Analyte("tibc", "TIBC", ("2500-7", "14800-7"), "ug/dL", IRON_UNITS, NON_NEGATIVE, Window.IRON),
    Analyte(
        "transferrin",
        "Transferrin",
        ("3034-6",),
        "mg/dL",
        _units({"mg/dL": 1.0, "g/L": 100.0}),
        NON_NEGATIVE,
        Window.IRON,
    ),
    # A TSAT with unit "1" is a fraction; a bare number could be either, so it has no entry.
    Analyte(
        "tsat",
        "Transferrin saturation",
        ("2502-3", "14801-5"),
        "%",
        _units({"%": 1.0, "1": 100.0}),
        PERCENT_RANGE,
        Window.IRON,
    ),
    # sTfR assays differ: nmol/L cannot be converted to mg/L without knowing the assay.
    Analyte(
        "stfr",
        "Soluble transferrin receptor",
        ("30248-9",),
        "mg/L",
        _units({"mg/L": 1.0}),
        NON_NEGATIVE,
        Window.IRON,
    ),
    Analyte(
        "stfr_index",
        "sTfR/log ferritin index",
        ("74807-9",),
        "1",
        _units({"1": 1.0}),
        NON_NEGATIVE,
        Window.IRON,
    ),
    Analyte(
        "crp",
        "CRP",
        ("1988-5", "30522-7"),
        "mg/L",
        _units({"mg/L": 1.0, "mg/dL": 10.0}),
        NON_NEGATIVE,
        Window.IRON,
    ),
    Analyte("hba2", "HbA2", ("4551-8", "34660-1", "4552-6"), "%", PERCENT, PERCENT_RANGE, Window.ANY),
    Analyte("hbf", "HbF", ("4576-5",), "%", PERCENT, PERCENT_RANGE, Window.ANY),
    Analyte("hbs", "HbS", ("4625-0",), "%", PERCENT, PERCENT_RANGE, Window.ANY),
    Analyte(
        "lead",
        "Blood lead",
        ("77307-7", "10368-9", "5671-3"),
        "ug/dL",
        _units({"ug/dL": 1.0, "umol/L": 20.72}),
        NON_NEGATIVE,
        Window.LONG,
    ),
    Analyte(
        "epo",
        "Erythropoietin",
        ("15061-5",),
        "m[IU]/mL",
        _units({"m[IU]/mL": 1.0, "[IU]/L": 1.0}),
        NON_NEGATIVE,
        Window.LONG,
    ),
    Analyte("spo2", "SpO2", ("59408-5", "2708-6"), "%", PERCENT, PERCENT_RANGE, Window.CBC),
    Analyte("cohb", "Carboxyhemoglobin", ("20563-3",), "%", PERCENT, PERCENT_RANGE, Window.CBC),
)

ANALYTES: Mapping[str, Analyte] = MappingProxyType({row.key: row for row in _ROWS})
BY_CODE: Mapping[str, Analyte] = MappingProxyType({code: row for row in _ROWS for code in row.codes})

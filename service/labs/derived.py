"""Values computed from the lab results: TSAT, the red-cell indices, the reticulocyte production index.

Indices combine values of one sample only: an MCV and an RBC count drawn weeks apart
describe no single blood. A censored input ("<5") gives no derived value. The indices rank
the differential and never diagnose (Hoffmann 2015 meta-analysis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from service.labs.panel import Labs
from service.labs.results import LabResult

# Results drawn within this span are taken as one sample (design default).
SAME_SAMPLE = timedelta(hours=24)
# A reported TSAT further than this from iron ÷ TIBC × 100 is a data-quality flag
# (docs/workup.md#derived-values).
TSAT_DISAGREEMENT_POINTS = 5.0
NORMAL_HEMATOCRIT = 45.0  # RI = retic % × Hct / 45


@dataclass(frozen=True)
class Index:
    """A red-cell index and which way it points (thalassemia trait or iron deficiency)."""

    name: str
    value: float
    formula: str
    cutoff: str
    favours_thalassemia: bool


@dataclass(frozen=True)
class Derived:
    tsat_calculated: float | None  # iron ÷ TIBC × 100, when both come from one sample
    tsat_disagrees: bool
    reticulocyte_index: float | None
    rpi: float | None
    labs: Labs = field(repr=False, compare=False)  # what the red-cell indices are computed from
    # Each index once, when first asked for: a hook call reads only the Mentzer index, explain all five.
    _indices: dict[str, Index | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def index(self, name: str) -> Index | None:
        compute = RED_CELL_INDICES.get(name)
        if compute is None:
            return None
        if name not in self._indices:
            self._indices[name] = compute(self.labs)
        return self._indices[name]

    @property
    def indices(self) -> tuple[Index, ...]:
        """Mentzer, England-Fraser, Green-King, Shine-Lal and RDW index (docs/workup.md#red-cell-indices)."""
        return tuple(index for name in RED_CELL_INDICES if (index := self.index(name)) is not None)


def derive(labs: Labs) -> Derived:
    calculated = calculated_tsat(labs.get("iron"), labs.get("tibc"))
    reported = labs.get("tsat")
    disagrees = (
        reported is not None
        and reported.exact
        and calculated is not None
        and abs(reported.value - calculated) > TSAT_DISAGREEMENT_POINTS
    )
    ri, rpi = reticulocyte_indices(labs)
    return Derived(
        tsat_calculated=calculated, tsat_disagrees=disagrees, reticulocyte_index=ri, rpi=rpi, labs=labs
    )


def one_sample(*results: LabResult | None) -> list[LabResult] | None:
    """The results when all are present, exact and drawn together; else None."""
    present = [r for r in results if r is not None and r.exact]
    if len(present) != len(results):
        return None
    times = [r.when for r in present]
    return present if max(times) - min(times) <= SAME_SAMPLE else None


def calculated_tsat(iron: LabResult | None, tibc: LabResult | None) -> float | None:
    pair = one_sample(iron, tibc)
    if pair is None or pair[1].value <= 0:
        return None
    return pair[0].value / pair[1].value * 100


def mentzer(labs: Labs) -> Index | None:
    if (sample := one_sample(labs.get("mcv"), labs.get("rbc"))) and sample[1].value > 0:
        value = sample[0].value / sample[1].value
        return Index("Mentzer", value, "MCV ÷ RBC", "<13 favours thalassemia trait", value < 13)
    return None


def england_fraser(labs: Labs) -> Index | None:
    if sample := one_sample(labs.get("mcv"), labs.get("rbc"), labs.get("hemoglobin")):
        v, r, h = (s.value for s in sample)
        ef = v - r - 5 * h - 3.4
        return Index("England-Fraser", ef, "MCV − RBC − 5·Hb − 3.4", "<0 favours thalassemia trait", ef < 0)
    return None


def green_king(labs: Labs) -> Index | None:
    if sample := one_sample(labs.get("mcv"), labs.get("rdw_cv"), labs.get("hemoglobin")):
        v, w, h = (s.value for s in sample)
        gk = v * v * w / (100 * h)
        return Index("Green-King", gk, "MCV²·RDW ÷ (100·Hb)", "<65 favours thalassemia trait", gk < 65)
    return None


def shine_lal(labs: Labs) -> Index | None:
    if sample := one_sample(labs.get("mcv"), labs.get("mch")):
        v, c = (s.value for s in sample)
        sl = v * v * c / 100
        return Index("Shine-Lal", sl, "MCV²·MCH ÷ 100", "<1530 favours thalassemia trait", sl < 1530)
    return None


def rdw_index(labs: Labs) -> Index | None:
    if (sample := one_sample(labs.get("mcv"), labs.get("rdw_cv"), labs.get("rbc"))) and sample[2].value > 0:
        v, w, r = (s.value for s in sample)
        rdwi = v * w / r
        return Index("RDW index", rdwi, "MCV·RDW ÷ RBC", "<220 favours thalassemia trait", rdwi < 220)
    return None


# By name, in the order explain lists them.
RED_CELL_INDICES: dict[str, Callable[[Labs], Index | None]] = {
    "Mentzer": mentzer,
    "England-Fraser": england_fraser,
    "Green-King": green_king,
    "Shine-Lal": shine_lal,
    "RDW index": rdw_index,
}


def maturation_factor(hematocrit: float) -> float:
    """Reticulocyte maturation time in days by hematocrit (docs/workup.md#reticulocyte-production-index)."""
    if hematocrit >= 36:
        return 1.0
    if hematocrit >= 26:
        return 1.5
    if hematocrit >= 16:
        return 2.0
    return 2.5


def reticulocyte_indices(labs: Labs) -> tuple[float | None, float | None]:
    """RI = retic % × Hct / 45 and RPI = RI ÷ maturation factor; retic % from the absolute count if needed."""
    hct = labs.get("hematocrit")
    retic_pct: float | None = None
    if sample := one_sample(labs.get("retic_pct"), hct):
        retic_pct = sample[0].value
    elif (sample := one_sample(labs.get("retic_abs"), labs.get("rbc"), hct)) and sample[1].value > 0:
        # 10*9/L ÷ (10*12/L × 1000) = a fraction of the red cells
        retic_pct = sample[0].value / (sample[1].value * 1000) * 100
    if retic_pct is None or hct is None:
        return None, None
    ri = retic_pct * hct.value / NORMAL_HEMATOCRIT
    return ri, ri / maturation_factor(hct.value)

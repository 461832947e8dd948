"""What one run measures, and for how long: a full run and a quick one, overridable option by option."""

from __future__ import annotations

from dataclasses import dataclass

from bench.charts import SIZES
from bench.timing import Budget


@dataclass(frozen=True)
class Plan:
    mode: str
    seed: int
    sizes: tuple[int, ...]  # in-process
    in_process: Budget  # per size
    profile_sizes: tuple[int, ...]
    profile: Budget
    http_sizes: tuple[int, ...]
    clients: tuple[int, ...]
    http_seconds: int  # per size and number of clients
    workers: int
    fhir_sizes: tuple[int, ...]
    fhir: Budget  # per size and bounds
    whole_record_limit: int  # largest chart read whole from sekmet (see fhir_fetch)


FULL = Plan(
    mode="full",
    seed=8,
    sizes=SIZES,
    in_process=Budget(least=10, most=300, seconds=20.0),
    profile_sizes=(1_000, 10_000),
    profile=Budget(least=3, most=50, seconds=8.0),
    http_sizes=(100, 1_000),
    clients=(1, 8, 32),
    http_seconds=10,
    workers=2,
    fhir_sizes=SIZES,
    fhir=Budget(least=3, most=30, seconds=10.0),
    whole_record_limit=1_000,
)

QUICK = Plan(
    mode="quick",
    seed=8,
    sizes=(10, 100, 1_000),
    in_process=Budget(least=5, most=50, seconds=3.0),
    profile_sizes=(1_000,),
    profile=Budget(least=2, most=20, seconds=3.0),
    http_sizes=(100,),
    clients=(1, 8, 32),
    http_seconds=3,
    workers=2,
    fhir_sizes=(10, 100),
    fhir=Budget(least=2, most=5, seconds=2.0),
    whole_record_limit=1_000,
)

"""Everything one run measured, and its JSON form (``results.json``; a saved copy is the baseline)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.fhir_fetch import FetchRun, FirstPage
from bench.hotspots import Profile
from bench.http_load import LoadRun
from bench.inprocess import BenchError, InProcess
from bench.machine import Machine


@dataclass
class Results:
    started: str
    mode: str  # "full", "quick" or "custom"
    seed: int
    revision: str
    machine: Machine
    in_process: list[InProcess] = field(default_factory=list)
    http: list[LoadRun] = field(default_factory=list)
    fetch: list[FetchRun] = field(default_factory=list)
    first_pages: list[FirstPage] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for row, result in zip(data["in_process"], self.in_process, strict=True):
            row["ratio"] = result.ratio
        for row, run in zip(data["http"], self.http, strict=True):
            row["throughput"] = run.throughput
        for profile in data["profiles"]:
            profile.pop("tree")
        return data

    def write(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def read_baseline(path: Path) -> dict[str, Any] | None:
    """A saved run's figures, or None when none was saved."""
    if not path.is_file():
        return None
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as error:
        raise BenchError(f"the baseline {path} is not JSON ({error}): delete it or save a new one") from None
    if not isinstance(data, dict) or not isinstance(data.get("in_process"), list):
        raise BenchError(f"the baseline {path} is not a results.json of this benchmark")
    return data

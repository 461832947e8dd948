"""What one peer comparison measured (``peer.json``), and each server's figures over the rounds."""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.http_load import LoadRun
from bench.machine import Machine

MICROCYTE = "microcyte"


@dataclass(frozen=True)
class Peer:
    key: str
    label: str
    how: str  # what it runs, in one sentence of the report


@dataclass(frozen=True)
class Sample:
    """One wrk run of one server in one round."""

    server: str
    round: int
    load_1min: float  # the load average when it started: a busy machine explains an odd round
    run: LoadRun


@dataclass(frozen=True)
class Summary:
    """One server at one number of clients, over every round."""

    server: str
    clients: int
    rounds: int
    requests: int
    seconds: float
    slowest_round: float  # requests/s
    fastest_round: float
    p50_ms: float  # the median over the rounds of each round's p50
    p99_ms: float  # likewise of each round's p99
    errors: int

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def of(cls, samples: Sequence[Sample]) -> Summary:
        runs = [sample.run for sample in samples]
        return cls(
            server=samples[0].server,
            clients=runs[0].clients,
            rounds=len(runs),
            requests=sum(run.requests for run in runs),
            seconds=sum(run.seconds for run in runs),
            slowest_round=min(run.throughput for run in runs),
            fastest_round=max(run.throughput for run in runs),
            p50_ms=statistics.median(run.p50_ms for run in runs),
            p99_ms=statistics.median(run.p99_ms for run in runs),
            errors=sum(run.errors for run in runs),
        )


@dataclass
class PeerResults:
    started: str
    command: str
    revision: str
    machine: Machine  # its ``load`` is the load average at the start
    size: int
    body_bytes: int
    seed: int
    clients: tuple[int, ...]
    rounds: int
    seconds: int
    workers: int
    gunicorn: dict[str, Any]  # as gunicorn resolved ``microcyte serve``'s settings at run time
    healthchain: dict[str, Any]  # the requirement installed and the versions it brought
    servers: list[Peer] = field(default_factory=list)
    unmeasured: dict[str, str] = field(default_factory=dict)  # server key (or a group): why no figures
    cards: dict[str, int] = field(default_factory=dict)  # server key: cards in its answer
    samples: list[Sample] = field(default_factory=list)
    load_end: str = ""

    def summary(self, server: str, clients: int) -> Summary | None:
        chosen = [s for s in self.samples if s.server == server and s.run.clients == clients]
        return Summary.of(chosen) if chosen else None

    def ratio(self, server: str, clients: int) -> float | None:
        """Its requests/s over Microcyte's at the same number of clients."""
        mine, theirs = self.summary(MICROCYTE, clients), self.summary(server, clients)
        if mine is None or theirs is None or mine.requests == 0:
            return None
        return theirs.throughput / mine.throughput

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for row, sample in zip(data["samples"], self.samples, strict=True):
            row["run"]["throughput"] = sample.run.throughput
        data["summaries"] = [
            {**dataclasses.asdict(s), "throughput": s.throughput, "ratio_to_microcyte": self.ratio(p.key, c)}
            for p in self.servers
            for c in self.clients
            if (s := self.summary(p.key, c)) is not None
        ]
        return data

    def write(self, path: Path) -> None:
        path.write_bytes(orjson.dumps(self.as_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))

"""Where a request's time goes: pyinstrument over repeated in-process requests.

Two views go into RESULTS.md: the share of the time charged to each of Microcyte's own
functions (the library code they call included, so a function that hands its work to
pydantic shows up as the place to fix), and pyinstrument's call tree for the detail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient
from pyinstrument import Profiler
from pyinstrument.frame import Frame

from bench.inprocess import cards_of, post
from bench.timing import Budget

ROOT = Path(__file__).resolve().parent.parent
OWN_CODE = (ROOT / "cds_hooks", ROOT / "service")
SAMPLE_INTERVAL_S = 0.0005
TOP = 12


@dataclass(frozen=True)
class Spot:
    function: str
    location: str  # path:line from the repository root
    share: float  # of the profiled time, library callees included


@dataclass(frozen=True)
class Profile:
    size: int
    rounds: int
    seconds: float
    spots: tuple[Spot, ...]
    tree: str


def _own(frame: Frame) -> str | None:
    path = Path(frame.file_path or "")
    if not any(path.is_relative_to(folder) for folder in OWN_CODE):
        return None
    return f"{path.relative_to(ROOT)}:{frame.line_no}"


def _attributed(root: Frame) -> dict[tuple[str, str], float]:
    """Time charged to the innermost of our functions on the stack: its own code and the library
    code it calls (pydantic, orjson), but not our functions it calls, which are charged themselves."""
    totals: dict[tuple[str, str], float] = defaultdict(float)

    def visit(frame: Frame, owner: tuple[str, str] | None) -> None:
        location = _own(frame)
        if location is not None:
            owner = (frame.function, location)
        if owner is not None:
            totals[owner] += frame.total_self_time
        for child in frame.children:
            if not child.is_synthetic:  # a [self] frame's time is already in its parent's self time
                visit(child, owner)

    visit(root, None)
    return totals


def profile(client: FlaskClient, size: int, body: bytes, budget: Budget) -> Profile:
    cards_of(post(client, body))  # warm
    profiler = Profiler(interval=SAMPLE_INTERVAL_S)
    rounds = 0
    another = budget.rounds()
    profiler.start()
    while another():
        cards_of(post(client, body))
        rounds += 1
    session = profiler.stop()
    root = session.root_frame()
    if root is None:
        return Profile(size, rounds, session.duration, (), "")
    totals = _attributed(root)
    ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)[:TOP]
    spots = tuple(Spot(function, location, seconds / root.time) for (function, location), seconds in ranked)
    tree = profiler.output_text(unicode=False, color=False, time="percent_of_total")
    return Profile(size, rounds, session.duration, spots, tree)

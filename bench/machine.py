"""What the figures were measured on: they mean little without the machine beside them."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int  # what nproc reports: the cores this process may run on
    memory: str  # free -h, the "Mem:" line
    python: str
    system: str
    load: str  # the load averages when the run started: other work on the machine skews the figures

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "model name":
                return value.strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        out = subprocess.run(["free", "-h"], capture_output=True, text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (free is not available)"
    for line in out.splitlines():
        if line.startswith("Mem:"):
            total, used, free = line.split()[1:4]
            return f"{total} total, {used} used, {free} free"
    return "unknown"


def describe() -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=len(os.sched_getaffinity(0)),
        memory=_memory(),
        python=f"{platform.python_implementation()} {platform.python_version()}",
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        load=load_average(),
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def revision() -> str:
    """The commit measured, read without touching the repository (no index refresh, no lock)."""
    git = ["git", "--no-optional-locks", "-C", str(ROOT)]
    try:
        head = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")


def today() -> datetime:
    """Midnight UTC, what the charts are dated from: every run of one day sends the same bytes."""
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

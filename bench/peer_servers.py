"""The peers' servers, each on a free loopback port: started, checked ready, stopped.

Microcyte itself runs as in the HTTP benchmark (``bench.http_load.running_server``). HealthChain
is never installed in the project's environment: :func:`healthchain_venv` makes a throwaway
virtualenv inside the run's scratch folder and installs it there from the package registry,
and uvicorn (which HealthChain documents, and installs with itself) serves it from that venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import orjson

from bench.http_load import _free_port, serving
from bench.inprocess import BenchError
from bench.peer_floor import CARD_ENV

ROOT = Path(__file__).resolve().parent.parent
HEALTHCHAIN_APP = Path(__file__).with_name("peer_healthchain_app.py")
NODELAY_UVICORN = Path(__file__).with_name("peer_uvicorn.py")
INSTALL_TIMEOUT_S = 900
# What the HealthChain figures depend on besides HealthChain itself, recorded with them.
HEALTHCHAIN_STACK = ("healthchain", "fastapi", "starlette", "uvicorn", "pydantic", "fhir.resources")


def _environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment without its ``MICROCYTE_*`` settings, so every server runs on defaults."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MICROCYTE_")}
    env.update(extra)
    return env


@contextmanager
def floor_server(workers: int, card: Mapping[str, object], work: Path) -> Iterator[str]:
    """The bare Flask app under ``microcyte serve``'s gunicorn settings; yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bench.peer_floor", "--port", str(port), "--workers", str(workers)]
    env = _environment({CARD_ENV: orjson.dumps(card).decode()})
    with serving(
        "the Flask floor",
        command,
        cwd=ROOT,
        env=env,
        ready_url=f"{base}/healthz",
        log=work / "flask-floor.log",
    ):
        yield base


def healthchain_venv(work: Path, requirement: str) -> Path:
    """A new virtualenv in ``work`` holding ``requirement``; its Python, or BenchError saying why not."""
    venv = work / "healthchain-venv"
    python = venv / "bin" / "python"
    steps = {
        "python -m venv": [sys.executable, "-m", "venv", str(venv)],
        f"pip install {requirement}": [str(python), "-m", "pip", "install", "--quiet", requirement],
    }
    for name, step in steps.items():
        try:
            done = subprocess.run(
                step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise BenchError(f"`{name}` took over {INSTALL_TIMEOUT_S} s") from None
        if done.returncode != 0:
            output = (done.stderr.strip() or done.stdout.strip())[-1500:]
            raise BenchError(f"`{name}` failed (exit {done.returncode}):\n{output}")
    return python


def installed_versions(python: Path, names: Sequence[str] = HEALTHCHAIN_STACK) -> dict[str, str]:
    probe = (
        "import importlib.metadata as m, json, sys\n"
        "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))\n"
    )
    done = subprocess.run(
        [str(python), "-c", probe, *names], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise BenchError(
            f"cannot read the versions installed in {python.parent.parent}: {done.stderr[-500:]}"
        )
    versions: dict[str, str] = orjson.loads(done.stdout)
    return versions


@contextmanager
def healthchain_server(
    python: Path,
    variant: str,
    service_id: str,
    workers: int,
    card: Mapping[str, object],
    work: Path,
    *,
    stock_uvicorn: bool = False,
) -> Iterator[str]:
    """HealthChain's service under uvicorn with ``workers`` processes; yields the URL its
    ``/cds-services/...`` paths hang from (HealthChain mounts them under ``/cds``).

    uvicorn runs through bench/peer_uvicorn.py, which gives its connections the TCP_NODELAY
    that ``uvicorn --workers N`` loses; ``stock_uvicorn`` runs the stock command instead, to
    show what that costs.
    """
    name = f"healthchain-{variant}" + ("-stock" if stock_uvicorn else "")
    app_dir = work / name
    app_dir.mkdir()
    # Its own folder as the working directory: HealthChain reads healthchain.yaml and .env from it.
    shutil.copyfile(HEALTHCHAIN_APP, app_dir / "healthchain_app.py")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    if stock_uvicorn:
        command = [str(python), "-m", "uvicorn", "healthchain_app:app", "--app-dir", str(app_dir)]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        # gunicorn writes no access log for Microcyte or the floor (cds_hooks/logs.py): neither does
        # uvicorn, here or in peer_uvicorn.py.
        command += ["--no-access-log", "--log-level", "warning"]
    else:
        shutil.copyfile(NODELAY_UVICORN, app_dir / "serve_nodelay.py")
        command = [str(python), str(app_dir / "serve_nodelay.py"), "healthchain_app:app"]
        command += ["127.0.0.1", str(port), str(workers)]
    env = _environment(
        {
            "BENCH_PEER_VARIANT": variant,
            "BENCH_PEER_SERVICE_ID": service_id,
            CARD_ENV: orjson.dumps(card).decode(),
        }
    )
    with serving(name, command, cwd=app_dir, env=env, ready_url=f"{base}/health", log=work / f"{name}.log"):
        yield f"{base}/cds"

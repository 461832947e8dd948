"""Without an optional extra, the command that needs it says what to install and stops.

matplotlib (the ``report`` extra) and psycopg (the ``postgres`` extra) are installed for the
test suite, so their absence is simulated: a folder put first on PYTHONPATH holds a package of
that name whose import fails exactly as a missing module's does. That is the fault a plain
``pip install .`` produces, injected into a real ``microcyte`` process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cds_hooks.feedback import FeedbackStore
from cds_hooks.feedback.settings import SQLITE_FILE_NAME, StorageSettings
from tests.paths import ROOT
from tests.ports import free_port

# Nothing listens on port 1: were the driver there, the connection would fail, not the import.
POSTGRES_URL = "postgresql+psycopg://microcyte:secret@127.0.0.1:1/microcyte"


def without(module: str, folder: Path) -> dict[str, str]:
    """An environment in which ``import <module>`` fails as if the module were not installed."""
    stub = folder / "missing" / module
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{module}'\", name={module!r})\n"
    )
    path = os.pathsep.join(p for p in (str(folder / "missing"), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def microcyte(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
        env=env,
    )


def test_the_stub_makes_the_module_missing(tmp_path: Path) -> None:
    """The premise of the tests below: the stub shadows the installed package."""
    done = subprocess.run(
        [sys.executable, "-c", "import matplotlib"],
        capture_output=True,
        text=True,
        env=without("matplotlib", tmp_path),
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "No module named 'matplotlib'" in done.stderr


def test_plot_without_matplotlib_names_the_report_extra(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    FeedbackStore(StorageSettings(data_dir=data_dir).resolved_url()).close()
    assert (data_dir / SQLITE_FILE_NAME).is_file()
    png = tmp_path / "rates.png"
    report = ["feedback-report", "--data-dir", str(data_dir), "--plot", str(png)]
    done = microcyte(*report, env=without("matplotlib", tmp_path))
    assert done.returncode != 0
    assert "pip install 'microcyte[report]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not png.exists()
    assert done.stdout == ""  # the table alone is not what was asked for


def test_the_report_without_plot_needs_no_matplotlib(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    FeedbackStore(StorageSettings(data_dir=data_dir).resolved_url()).close()
    report = ["feedback-report", "--data-dir", str(data_dir), "--format", "json"]
    done = microcyte(*report, env=without("matplotlib", tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_report_on_postgresql_without_psycopg_names_the_postgres_extra(tmp_path: Path) -> None:
    done = microcyte("feedback-report", "--database-url", POSTGRES_URL, env=without("psycopg", tmp_path))
    assert done.returncode != 0
    assert "pip install 'microcyte[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert "secret" not in done.stderr


def test_serve_on_postgresql_without_psycopg_stops_at_start_up(tmp_path: Path) -> None:
    env = {**without("psycopg", tmp_path), "MICROCYTE_DATABASE_URL": POSTGRES_URL}
    done = microcyte("serve", "--no-auth", "--port", str(free_port()), env=env)
    assert done.returncode != 0
    assert "pip install 'microcyte[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert "secret" not in done.stderr

"""A throwaway PostgreSQL server on 127.0.0.1, from Debian's postgresql binaries.

PostgreSQL refuses to run as root, so under root (CI, containers) every server command
runs as the ``postgres`` system user the Debian package creates, in a folder it owns.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.ports import free_port

START_ATTEMPTS = 3
COMMAND_TIMEOUT_S = 120
INSTALL_HINT = "install Debian's postgresql package (apt-get install -y postgresql)"


class PostgresUnavailable(RuntimeError):
    pass


def _binaries() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise PostgresUnavailable(f"no initdb on PATH nor in /usr/lib/postgresql/*/bin: {INSTALL_HINT}")
    return Path(found[-1]).parent


class PostgresServer:
    def __init__(self, root: Path, port: int, bin_dir: Path, prefix: list[str]) -> None:
        self.root = root
        self.port = port
        self._bin = bin_dir
        self._prefix = prefix
        self._names = itertools.count(1)

    @classmethod
    def start(cls) -> PostgresServer:
        bin_dir = _binaries()
        root = Path(tempfile.mkdtemp(prefix="microcyte-pg-"))
        prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(root)
                raise PostgresUnavailable(f"running as root and no 'postgres' user: {INSTALL_HINT}") from None
            os.chown(root, owner.pw_uid, owner.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        server = cls(root, free_port(), bin_dir, prefix)
        try:
            server._run(
                "initdb",
                "-D",
                str(root / "data"),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            )
            server._start_on_a_free_port()
        except PostgresUnavailable:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def _start_on_a_free_port(self) -> None:
        # Another process can take the probed port before the server binds it: try again.
        for attempt in range(START_ATTEMPTS):
            if attempt:
                self.port = free_port()
            try:
                self._start()
                return
            except PostgresUnavailable:
                if attempt == START_ATTEMPTS - 1:
                    raise

    def _start(self) -> None:
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        command = [*self._prefix, str(self._bin / program), *args]
        try:
            done = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                env={**os.environ, "LC_ALL": "C"},
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PostgresUnavailable(f"{program} failed: {error}") from None
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        )

    def create_database(self) -> str:
        name = f"feedback_{next(self._names)}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def halt(self) -> None:
        """Stop the server but keep its data, as an outage does; ``resume`` brings it back."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start again on the same port, so that clients reconnect to where it was."""
        self._start()

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_or_fail(purpose: str) -> PostgresServer:
    """A new server, or a failed test run: a missing PostgreSQL must never skip half the suite."""
    try:
        return PostgresServer.start()
    except PostgresUnavailable as error:
        pytest.fail(f"cannot start PostgreSQL for {purpose}: {error}", pytrace=False)

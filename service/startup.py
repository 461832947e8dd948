"""What ``microcyte serve`` does in the master process before gunicorn forks any worker.

Logging comes first, so that what start-up does (the schema migration above all) is in the
log. The stores are checked next: a wrong database or Redis URL stops the service with the
reason rather than starting an instance that refuses every call. Then the Prometheus
multiprocess folder, minus those that dead instances left behind.
"""

from __future__ import annotations

import logging.config
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cds_hooks.logs import logging_config
from service.config import ConfigError, Settings

METRICS_DIR_PREFIX = "microcyte-metrics-"
# The master's pid is in the name: a folder whose master is gone is stale (kill -9, a crash).
_METRICS_DIR = re.compile(rf"^{METRICS_DIR_PREFIX}(\d+)-")

log = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    """The JSON log lines gunicorn will use, set up before anything is logged."""
    logging.config.dictConfig(logging_config(settings.log_level))


def check_replay_store(settings: Settings) -> None:
    """Reach the shared replay store and start its epoch, or raise ConfigError with the reason."""
    if not settings.auth.enabled or settings.auth.replay_store == "memory":
        return
    from cds_hooks.auth.replay import RedisReplayCache, ReplayStoreError, describe_store

    cache = RedisReplayCache.from_url(settings.auth.replay_store)
    try:
        cache.start_epoch()
    except ReplayStoreError as error:
        raise ConfigError(
            f"cannot use the replay store {describe_store(settings.auth.replay_store)}: {error}"
        ) from None
    finally:
        cache.close()


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """A fresh folder for prometheus_client's multiprocess files, removed when the master ends.

    Workers are forked inside this block and leave it too when they exit: they must not
    remove the folder, which the other workers and the next one still write to.
    """
    remove_stale_metrics_directories()
    owner = os.getpid()
    folder = Path(tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{owner}-"))
    try:
        yield folder
    finally:
        if os.getpid() == owner:
            shutil.rmtree(folder, ignore_errors=True)


def remove_stale_metrics_directories() -> None:
    """Remove the metrics folders of masters that no longer run.

    Only this user's folders are looked at. A pid reused since by another process keeps
    its folder until that process ends too: harmless, and never a live instance's loss.
    """
    for folder in Path(tempfile.gettempdir()).glob(f"{METRICS_DIR_PREFIX}*"):
        match = _METRICS_DIR.match(folder.name)
        try:
            if match is None or folder.stat().st_uid != os.getuid() or _running(int(match.group(1))):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        log.info("removed the metrics folder %s of an instance that no longer runs", folder)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

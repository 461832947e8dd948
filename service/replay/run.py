"""One replay from its source to its report: what ``microcyte replay`` runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.replay import report
from service.replay.engine import DaskRunner, LocalRunner, Runner, replayer_for
from service.replay.evaluate import ORDER_HOOKS, ReplayPlan, describe_services, services_of
from service.replay.progress import ProgressBar
from service.replay.sources import bundles, ndjson


class ReplayError(Exception):
    """The replay cannot start; the message says why."""


@dataclass(frozen=True)
class Source:
    kind: str  # "ndjson", "bundles" or "fhir-server"
    location: str


def find_source(text: str) -> Source:
    if text.startswith(("http://", "https://")):
        return Source("fhir-server", text.rstrip("/"))
    path = Path(text)
    if not path.is_dir():
        raise ReplayError(f"{text} is neither a folder nor a FHIR server's http(s) base URL")
    if ndjson.export_files(path):
        return Source("ndjson", str(path))
    if bundles.bundle_files(path):
        return Source("bundles", str(path))
    raise ReplayError(f"{text} holds no .ndjson file (a Bulk Data export) and no .json file (FHIR Bundles)")


def _as_of(plan: ReplayPlan) -> str:
    if plan.at:
        return "at " + ", ".join(moment.isoformat() for moment in plan.at)
    return "each 24 hours after a blood count (hemoglobin or MCV), the record cut at that moment"


def replay(
    source: Source, plan: ReplayPlan, *, jobs: int, scheduler: str | None, progress: ProgressBar
) -> dict[str, Any]:
    from service.replay.queries import UnsupportedQuery

    try:
        replayer = replayer_for(plan)
    except UnsupportedQuery as error:
        raise ReplayError(str(error)) from None
    if source.kind == "fhir-server":
        from cds_hooks.fhir.allowlist import is_allowed

        if not is_allowed(source.location, plan.settings.fhir):
            raise ReplayError(
                f"{source.location} is not in fhir.allowed_servers (by default only loopback servers are): "
                "add it to the configuration given with --config"
            )
    runner: Runner
    if scheduler is not None:
        try:
            runner = DaskRunner(plan, scheduler)
        except ImportError:
            raise ReplayError(
                "--scheduler needs Dask distributed, which cannot be imported: install it with "
                "pip install 'microcyte[replay]'"
            ) from None
        except OSError as error:
            raise ReplayError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    else:
        runner = LocalRunner(plan, jobs)
    try:
        if source.kind == "ndjson":
            tally = runner.ndjson(Path(source.location), progress)
        elif source.kind == "bundles":
            tally = runner.bundles(Path(source.location), progress)
        else:
            tally = runner.server(source.location, progress)
    finally:
        progress.finish()
        runner.close()
    services = services_of(plan)
    orders_held = bool(replayer.orders) and any(
        tally.calls.get(service.id, 0) for service in services if service.hook in ORDER_HOOKS
    )
    setup = report.Setup(
        source_kind=source.kind,
        as_of=_as_of(plan),
        services=describe_services(services, orders_held),
        identified=plan.privacy.identify,
    )
    return report.build(tally, setup)

"""The ``microcyte`` command: serve, evaluate one request, print the discovery document."""

from __future__ import annotations

import importlib
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import click
import orjson

from cds_hooks.errors import CDSHooksError
from cds_hooks.handling import invoke, parse_json, parse_request, prepare
from cds_hooks.models import DiscoveryResponse
from cds_hooks.service import CDSService, ServiceRegistry
from service.config import ConfigError, ServerSettings, Settings, load_settings

_JSON_OUT = orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
# The help states the defaults the settings hold, so the two cannot drift apart.
_SERVER = ServerSettings()


def _settings(config_file: Path | None, **overrides: Any) -> Settings:
    try:
        return load_settings(config_file, **overrides)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def _print_json(payload: Any, *, err: bool = False) -> None:
    stream = sys.stderr.buffer if err else sys.stdout.buffer
    stream.write(orjson.dumps(payload, option=_JSON_OUT))
    stream.flush()


def _open_storage_once(settings: Settings) -> None:
    """Create or migrate the feedback schema before any worker starts, or stop with the reason."""
    from cds_hooks.feedback import FeedbackStore, StorageError

    try:
        FeedbackStore(settings.storage.resolved_url()).close()
    except StorageError as error:
        raise click.ClickException(str(error)) from None


def _require_matplotlib(extra: str = "report") -> None:
    """matplotlib (about 120 MB) is an optional extra: only the plots need it."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        flag = "--plot" if extra == "report" else "the plots (or give --no-plots)"
        raise click.ClickException(
            f"{flag} needs matplotlib, which cannot be imported: install it with "
            f"pip install 'microcyte[{extra}]'"
        ) from None


def _registry(settings: Settings) -> ServiceRegistry:
    # Imported here: `serve` must set up the metrics directory before the app is imported.
    from service.app import create_registry

    return create_registry(settings)


def _choose_service(registry: ServiceRegistry, service_id: str | None, hook: str) -> CDSService:
    if service_id is not None:
        service = registry.get(service_id)
        if service is None:
            raise CDSHooksError(404, f"no CDS service with id {service_id!r}")
        return service
    candidates = registry.for_hook(hook)
    if len(candidates) != 1:
        names = ", ".join(s.id for s in candidates) or "none"
        raise CDSHooksError(
            400, f"{len(candidates)} services answer hook {hook!r} ({names}): choose one with --service"
        )
    return candidates[0]


@click.group()
@click.version_option(package_name="microcyte")
def main() -> None:
    """Microcyte: a CDS Hooks service for the workup of small red cells."""


@main.command()
@click.option("--host", help=f"Address to bind (default {_SERVER.host}: loopback only).")
@click.option("--port", type=int, help=f"Port to listen on (default {_SERVER.port}).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help=f"Worker processes (default {_SERVER.workers}; with authentication, more need auth.replay_store).",
)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML configuration file.")
@click.option(
    "--trust",
    multiple=True,
    metavar="PRESET",
    help="Trust a known CDS client, e.g. cds-hooks-sandbox (repeatable).",
)
@click.option(
    "--no-auth", is_flag=True, help="Do not authenticate callers (loopback only, unless --insecure)."
)
@click.option("--insecure", is_flag=True, help="Allow --no-auth on a non-loopback address.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where feedback is kept (default ./microcyte-data)."
)
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    config_file: Path | None,
    trust: tuple[str, ...],
    no_auth: bool,
    insecure: bool,
    data_dir: Path | None,
) -> None:
    """Run the service under gunicorn, a production WSGI server."""
    server: dict[str, Any] = {"host": host, "port": port, "workers": workers, "insecure": insecure or None}
    auth: dict[str, Any] = {"enabled": False if no_auth else None, "trust": list(trust) or None}
    overrides: dict[str, Any] = {
        name: values
        for name, section in (("server", server), ("auth", auth))
        if (values := {k: v for k, v in section.items() if v is not None})
    }
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = _settings(config_file, **overrides)
    if not settings.auth.enabled:
        address = f"{settings.server.host}:{settings.server.port}"
        click.secho(
            f"WARNING: authentication is OFF. Anyone who can reach {address} can call this service.",
            fg="red",
            bold=True,
            err=True,
        )
    from service import startup

    startup.configure_logging(settings)
    with startup.metrics_directory() as metrics_dir:
        # prometheus_client reads this when first imported: set it before the app is imported.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        _open_storage_once(settings)
        try:
            startup.check_replay_store(settings)
        except ConfigError as error:
            raise click.ClickException(str(error)) from None
        from service.server import run

        run(settings)


@main.command()
@click.argument("request_file", type=click.File("rb"))
@click.option("--service", "service_id", help="Service id (default: the one service for the request's hook).")
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Evaluate as of this date (UTC) instead of the current time.",
)
@click.option("--explain", is_flag=True, help="Explain the workup for a person instead of printing JSON.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML configuration file.")
def evaluate(
    request_file: BinaryIO,
    service_id: str | None,
    now: datetime | None,
    explain: bool,
    config_file: Path | None,
) -> None:
    """Read one CDS Hooks request (FILE, or - for stdin) and print the service's response."""
    settings = _settings(config_file)
    moment = now.replace(tzinfo=UTC) if now is not None else datetime.now(UTC)
    try:
        hook_request = parse_request(parse_json(request_file.read()))
        service = _choose_service(_registry(settings), service_id, hook_request.hook)
        if explain:
            from service.explain import explain as explain_call

            click.echo(explain_call(prepare(service, hook_request, now=moment), settings.workup, service.id))
            return
        response = invoke(service, hook_request, now=moment)
    except CDSHooksError as error:
        _print_json(error.outcome(), err=True)
        sys.exit(1)
    _print_json(response.to_wire())


@main.command()
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML configuration file.")
def services(config_file: Path | None) -> None:
    """Print the discovery document an EHR team registers."""
    registry = _registry(_settings(config_file))
    _print_json(DiscoveryResponse(services=[s.descriptor() for s in registry]).to_wire())


@main.command()
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Markdown (docs/rules.md is this output) or JSON.",
)
def rules(output: str) -> None:
    """Print the rule catalogue a governance committee reviews: id, indicator, when it fires,
    what it suggests, sources and design defaults."""
    from service.rules.catalogue import as_json, as_markdown

    if output == "json":
        _print_json(as_json())
    else:
        click.echo(as_markdown(), nl=False)


@main.command()
@click.option(
    "--now",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date the example as if today were this day (default: today).",
)
def example(now: datetime | None) -> None:
    """Print the README's example patient-view request, its labs dated a few days before today."""
    from service.examples import example_request

    today = (now or datetime.now(UTC)).date()
    _print_json(example_request(today=today))


@main.command("feedback-report")
@click.option("--data-dir", type=click.Path(path_type=Path), help="The service's data directory.")
@click.option("--database-url", help="The service's database URL (instead of --data-dir).")
@click.option(
    "--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only cards and feedback from this date."
)
@click.option(
    "--format", "output", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--plot", type=click.Path(dir_okay=False, path_type=Path), help="Also draw override rates to a PNG."
)
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML configuration file.")
def feedback_report(
    data_dir: Path | None,
    database_url: str | None,
    since: datetime | None,
    output: str,
    plot: Path | None,
    config_file: Path | None,
) -> None:
    """Per rule: cards issued, accepted, overridden, the override rate and the top override reasons."""
    from cds_hooks.feedback import FeedbackStore, StorageError, as_csv, as_json, as_table, rule_statistics
    from cds_hooks.feedback.settings import SQLITE_FILE_NAME

    if data_dir is not None and database_url is not None:
        raise click.UsageError("give --data-dir or --database-url, not both")
    if plot is not None:
        _require_matplotlib()  # before any work: the table alone is not what was asked for
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides.update(data_dir=data_dir, database_url=None)
    if database_url is not None:
        overrides["database_url"] = database_url
    settings = _settings(config_file, **overrides)
    storage = settings.storage
    if storage.database_url is None and not (storage.data_dir / SQLITE_FILE_NAME).is_file():
        raise click.ClickException(
            f"no feedback database in {storage.data_dir}: is this the service's data dir?"
        )
    day = since.date() if since is not None else None
    try:
        with FeedbackStore(storage.resolved_url()) as store:
            declared = _registry(settings).override_reason_displays()
            stats = rule_statistics(store, day, declared)
            if plot is not None:
                from cds_hooks.feedback.plot import plot_override_rates

                plot_override_rates(store, plot, day)
    except StorageError as error:
        raise click.ClickException(str(error)) from None
    render = {"table": as_table, "csv": as_csv, "json": as_json}[output]
    click.echo(render(stats), nl=False)
    if plot is not None:
        click.echo(f"override rates drawn to {plot}", err=True)


@main.command()
@click.argument("source")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Write the report here.")
@click.option(
    "--format", "output_format", type=click.Choice(["summary", "json"]), default="summary", show_default=True,
    help="What to print on stdout: a summary, or replay.json.",
)  # fmt: skip
@click.option("--config", "config_file", type=click.Path(path_type=Path), help="TOML configuration file.")
@click.option(
    "--at",
    "at",
    multiple=True,
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Open every chart at this moment (UTC; repeatable) instead of after each blood count.",
)
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask cluster, e.g. tcp://host:8786.")
@click.option("--identify", is_flag=True, help="Real ids, ages and dates in the output, for a local review.")
@click.option("--salt", envvar="MICROCYTE_REPLAY_SALT", help="Key of the hashed ids (default: new each run).")
@click.option(
    "--samples", type=click.IntRange(min=0), default=3, show_default=True, help="Sample chart opens per rule."
)
@click.option("--no-plots", is_flag=True, help="Write no PNG (matplotlib not needed).")
@click.option("--no-progress", is_flag=True, help="No progress bar, even on a terminal.")
@click.option(
    "--fhir-token-env", metavar="VAR", help="Environment variable holding a bearer token for the FHIR server."
)
@click.option(
    "--record-seconds", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
    help="How long fetching one patient's record from a FHIR server may take.",
)  # fmt: skip
def replay(
    source: str,
    output: Path | None,
    output_format: str,
    config_file: Path | None,
    at: tuple[datetime, ...],
    jobs: int | None,
    scheduler: str | None,
    identify: bool,
    salt: str | None,
    samples: int,
    no_plots: bool,
    no_progress: bool,
    fhir_token_env: str | None,
    record_seconds: float,
) -> None:
    """Replay a population's records (SOURCE: an NDJSON export, a folder of Bundles or a FHIR server's
    base URL) and report what Microcyte would have said: cards per 100 chart opens by rule."""
    import secrets

    from service.replay import progress as progress_bar
    from service.replay import report
    from service.replay.evaluate import ReplayPlan
    from service.replay.privacy import Privacy
    from service.replay.run import ReplayError, find_source
    from service.replay.run import replay as run_replay

    settings = _settings(config_file)
    if output is not None and not no_plots:
        _require_matplotlib("replay")
    token = None
    if fhir_token_env is not None:
        token = os.environ.get(fhir_token_env)
        if not token:
            raise click.ClickException(
                f"--fhir-token-env: the environment variable {fhir_token_env} is empty"
            )
    plan = ReplayPlan(
        settings=settings,
        privacy=Privacy(salt.encode() if salt else secrets.token_bytes(32), identify=identify),
        at=tuple(sorted(moment.replace(tzinfo=UTC) for moment in at)),
        samples_per_rule=samples,
        record_seconds=record_seconds,
        fhir_token=token,
    )
    bar = progress_bar.ProgressBar(not no_progress and progress_bar.wanted())
    try:
        found = find_source(source)
        result = run_replay(found, plan, jobs=jobs or os.cpu_count() or 1, scheduler=scheduler, progress=bar)
    except ReplayError as error:
        raise click.ClickException(str(error)) from None
    if output is not None:
        report.write(result, output)
        if not no_plots:
            from service.replay.plots import draw

            draw(result, output)
        click.echo(f"report written to {output}", err=True)
    if result["problems"]["count"]:
        for problem in result["problems"]["listed"]:
            where = f"{problem['path']}:{problem['line']}" if problem["line"] is not None else problem["path"]
            click.echo(f"skipped {where}: {problem['message']}", err=True)
        click.echo(
            f"{result['problems']['count']} unreadable inputs skipped; the rest was replayed", err=True
        )
    if output_format == "json":
        _print_json(result)
    else:
        click.echo(report.summary(result), nl=False)

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


def _require_matplotlib() -> None:
    """matplotlib (about 120 MB) is the optional ``report`` extra: only ``--plot`` needs it."""
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        raise click.ClickException(
            "--plot needs matplotlib, which cannot be imported: install it with "
            "pip install 'microcyte[report]'"
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

            click.echo(explain_call(prepare(service, hook_request, now=moment), settings.workup))
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

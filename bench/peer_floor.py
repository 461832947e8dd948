"""The floor of the peer comparison: a bare Flask app under ``microcyte serve``'s own gunicorn settings.

Its one route parses the body with orjson and answers a fixed card: what any Flask service
reading this request pays before doing anything with it. It runs under a subclass of
:class:`service.server.MicrocyteServer`, so the worker class, workers, threads, keep-alive and
garbage-collector tuning are whatever ``microcyte serve`` uses at the revision measured, read
from the code when the server starts rather than copied here.

    python -m bench.peer_floor --port 8081 --workers 2     # the card comes from $BENCH_PEER_CARD
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from typing import Any

import orjson
from flask import Flask, Response, request

from service.config import ServerSettings, Settings
from service.server import MicrocyteServer

CARD_ENV = "BENCH_PEER_CARD"
INVALID_JSON = orjson.dumps(
    {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": "the body is not JSON"}],
    }
)


def floor_app(card: dict[str, Any]) -> Flask:
    answer = orjson.dumps({"cards": [card]})
    app = Flask("microcyte-peer-floor")

    @app.post("/cds-services/<service_id>")
    def hook(service_id: str) -> Response:
        try:
            orjson.loads(request.get_data())
        except orjson.JSONDecodeError:
            return Response(INVALID_JSON, status=400, mimetype="application/fhir+json")
        return Response(answer, mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> Response:
        return Response(b'{"status": "ok"}', mimetype="application/json")

    return app


class FloorServer(MicrocyteServer):
    """``microcyte serve``'s gunicorn configuration (``load_config``) around the floor app."""

    def __init__(self, settings: Settings, card: dict[str, Any]) -> None:
        self.card = card
        super().__init__(settings)

    def load(self) -> Flask:
        return floor_app(self.card)


def settings(port: int, workers: int) -> Settings:
    """What ``microcyte serve --no-auth --host 127.0.0.1`` would run with, on its defaults otherwise.

    Built directly, not from the environment, so that no ``MICROCYTE_*`` variable of the caller's
    changes the server measured.
    """
    return Settings(
        server=ServerSettings(host="127.0.0.1", port=port, workers=workers),
        auth={"enabled": False},
        log_level="WARNING",
    )


def gunicorn_options(workers: int) -> dict[str, Any]:
    """The settings the floor and ``microcyte serve`` share, as gunicorn resolved them."""
    cfg = FloorServer(settings(0, workers), {}).cfg
    return {"worker_class": cfg.worker_class_str, "workers": cfg.workers, "threads": cfg.threads}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.peer_floor", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--workers", type=int, required=True)
    args = p.parse_args(argv)
    card = orjson.loads(os.environ[CARD_ENV])
    # MicrocyteServer's child_exit hook tells prometheus_client a worker died: it needs the
    # directory ``microcyte serve`` would have made, though the floor records no metric. Removed as
    # ``microcyte serve`` removes its own: whichever process leaves first, errors ignored.
    metrics = tempfile.mkdtemp(prefix="microcyte-peer-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics
    try:
        FloorServer(settings(args.port, args.workers), card).run()
    finally:
        shutil.rmtree(metrics, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Structured JSON log lines that carry the request id and the hookInstance.

One JSON object per line lets a log pipeline follow a hook call from the EHR's hookInstance
to every line the service wrote for it. What is logged is chosen at each call site to hold no
token and no PHI; this module only adds the correlation ids.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import g, has_app_context

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestContextFilter(logging.Filter):
    """Stamps each record with the current request id and hookInstance, when there is one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_app_context():
            record.request_id = g.get("request_id")
            record.hook_instance = g.get("hook_instance")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def logging_config(level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` that writes JSON lines to stderr (gunicorn's logs too)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": RequestContextFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
    }

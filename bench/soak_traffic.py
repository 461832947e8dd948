"""The calls of a soak: one chart, but every call about another patient, under another hook instance.

Sending the same bytes again and again would hide what real traffic grows: anything kept per
patient, per hook instance or per request id. So each call renames the chart's patient and
hook instance (a byte substitution, cheap beside the call), and every ``UNKNOWN_EVERY``-th call
names a service id no one offers, as a misconfigured or probing client would: the 404 path, its
log line and its metrics label must not grow with the ids either.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson

from bench.charts import chart
from bench.inprocess import SERVICE_URL

UNKNOWN_EVERY = 20


@dataclass(frozen=True)
class Call:
    path: str
    body: bytes
    request_id: str
    status: int  # what the service must answer


class Traffic:
    def __init__(self, size: int, *, seed: int, now: datetime, prefetch_keys: Iterable[str]) -> None:
        record = chart(size, seed=seed, now=now)
        request = record.hook_request(seed=seed, prefetch_keys=prefetch_keys)
        self._body = orjson.dumps(request)
        self._patient = f'"{record.patient_id}'.encode()  # the id, and every reference ending in it
        self._hook_instance = str(request["hookInstance"]).encode()

    def call(self, n: int) -> Call:
        """The ``n``-th call: the same for the same ``n``, another patient for another."""
        body = self._body.replace(self._patient, f'"{n}-'.encode() + self._patient[1:])
        body = body.replace(b"/" + self._patient[1:], f"/{n}-".encode() + self._patient[1:])
        body = body.replace(self._hook_instance, str(uuid.UUID(int=n, version=4)).encode())
        if n % UNKNOWN_EVERY == 0:
            # A small body: a server may close the connection rather than read a large one it refuses.
            return Call(f"/cds-services/soak-unknown-{n}", b"{}", f"soak-{n}", 404)
        return Call(SERVICE_URL, body, f"soak-{n}", 200)


@dataclass(frozen=True)
class Plan:
    """What each part of a soak sends, and its bounds."""

    size: int  # results in the chart
    seconds: float
    max_requests: int
    samples: int  # memory samples over the run
    seed: int
    now: datetime  # what the chart is dated from

    def traffic(self, prefetch_keys: Iterable[str]) -> Traffic:
        return Traffic(self.size, seed=self.seed, now=self.now, prefetch_keys=prefetch_keys)

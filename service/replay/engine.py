"""Running a replay over many cores, or over a Dask cluster, and adding up what each part counted.

The work is cut into units that each hold whole patients (an NDJSON bucket, a Bundle file, a batch
of a server's patients); each unit is replayed into its own :class:`Tally` and the tallies are
merged as they come back, so neither the order nor the number of workers changes a figure.

- :class:`LocalRunner`: a process pool over the machine's cores (or the calling process alone with
  one job). An NDJSON export is split into bucket files in a temporary folder.
- :class:`DaskRunner`: the same tasks on a Dask distributed cluster (the ``replay`` extra). The
  export's files must be readable by the workers at the same path; the buckets travel between
  workers as task results, not through a shared disk.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from cds_hooks.fhir.client import FhirFetcher
from service.replay.evaluate import Replayer, ReplayPlan
from service.replay.progress import ProgressBar as Progress
from service.replay.record import Resource
from service.replay.sources import bundles, ndjson, server
from service.replay.tally import Problem, Tally

PATIENTS_PER_BATCH = 25  # a FHIR server's patients per task
PAGE_SECONDS = 30.0
CONNECT_SECONDS = 10  # to reach a Dask scheduler


_REPLAYERS: dict[str, Replayer] = {}
_FETCHERS: dict[str, FhirFetcher] = {}


def replayer_for(plan: ReplayPlan) -> Replayer:
    """This process's replayer for ``plan``: the registry is built once per worker, not per task."""
    replayer = _REPLAYERS.get(plan.plan_id)
    if replayer is None:
        replayer = _REPLAYERS[plan.plan_id] = Replayer(plan)
    return replayer


def fetcher_for(plan: ReplayPlan) -> FhirFetcher:
    fetcher = _FETCHERS.get(plan.plan_id)
    if fetcher is None:
        fetcher = _FETCHERS[plan.plan_id] = FhirFetcher(plan.settings.fhir)
    return fetcher


def _tally(plan: ReplayPlan) -> Tally:
    return Tally(samples_per_rule=plan.samples_per_rule)


# The tasks: module functions of picklable arguments, run wherever the runner sends them.


def split_to_files(plan: ReplayPlan, block: ndjson.Block, buckets: int, folder: str, index: int) -> Tally:
    replayer = replayer_for(plan)
    split = ndjson.split_block(block, buckets, replayer.keeps, replayer.wanted_types)
    for bucket, lines in enumerate(split.pieces):
        if lines:
            with open(os.path.join(folder, f"{bucket:05d}", f"{index:07d}.ndjson"), "wb") as out:
                out.write(b"\n".join(lines) + b"\n")
    return _split_tally(plan, split)


def _split_tally(plan: ReplayPlan, split: ndjson.Split) -> Tally:
    tally = _tally(plan)
    for problem in split.problems:
        tally.problem(problem)
    if split.without_patient:
        tally.skipped["resources with no patient reference"] += split.without_patient
    return tally


def split_in_memory(plan: ReplayPlan, block: ndjson.Block, buckets: int) -> ndjson.Split:
    replayer = replayer_for(plan)
    return ndjson.split_block(block, buckets, replayer.keeps, replayer.wanted_types)


def tally_of_split(plan: ReplayPlan, split: ndjson.Split) -> Tally:
    return _split_tally(plan, split)


def piece_of(split: ndjson.Split, bucket: int) -> list[bytes]:
    return split.piece(bucket)


def _replay_lines(plan: ReplayPlan, pieces: Iterable[Iterable[bytes]]) -> Tally:
    records, orphans = ndjson.records_of(pieces)
    tally = _tally(plan)
    if orphans:
        tally.skipped["resources whose Patient is not in the export"] += orphans
    replayer = replayer_for(plan)
    for record in records:
        replayer.replay(record, tally)
    return tally


def replay_bucket_folder(plan: ReplayPlan, folder: str) -> Tally:
    def pieces() -> Iterator[list[bytes]]:
        for path in sorted(Path(folder).glob("*.ndjson")):
            yield path.read_bytes().splitlines()

    return _replay_lines(plan, pieces())


def replay_pieces(plan: ReplayPlan, *pieces: list[bytes]) -> Tally:
    return _replay_lines(plan, pieces)


def replay_bundle_file(plan: ReplayPlan, path: str) -> Tally:
    replayer = replayer_for(plan)
    records, problems, orphans = bundles.read_bundle_file(Path(path), replayer.keeps)
    tally = _tally(plan)
    for problem in problems:
        tally.problem(problem)
    if orphans:
        tally.skipped["resources whose Patient is not in the export"] += orphans
    for record in records:
        replayer.replay(record, tally)
    return tally


def replay_server_patients(plan: ReplayPlan, base_url: str, patients: list[Resource]) -> Tally:
    replayer = replayer_for(plan)
    fetcher = fetcher_for(plan)
    searches = replayer.server_searches()
    tally = _tally(plan)
    for patient in patients:
        record = server.fetch_record(
            fetcher, base_url, plan.fhir_token, patient, searches, deadline_seconds=plan.record_seconds
        )
        replayer.replay(record, tally)
    return tally


def _batches(items: Iterable[Resource], size: int) -> Iterator[list[Resource]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def patients_on(plan: ReplayPlan, base_url: str, tally: Tally) -> Iterator[Resource]:
    """The server's Patients, listed from this process; a failed page ends the list and is reported."""
    from cds_hooks.fhir.transport import Unavailable

    fetcher = FhirFetcher(plan.settings.fhir)
    try:
        yield from server.list_patients(fetcher, base_url, plan.fhir_token, page_seconds=PAGE_SECONDS)
    except Unavailable as error:
        tally.problem(Problem(base_url, None, f"listing the Patients stopped: {error}"))
    finally:
        fetcher.close()


class Runner(Protocol):
    def ndjson(self, folder: Path, progress: Progress) -> Tally: ...
    def bundles(self, folder: Path, progress: Progress) -> Tally: ...
    def server(self, base_url: str, progress: Progress) -> Tally: ...
    def close(self) -> None: ...


class LocalRunner:
    """A process pool of ``jobs`` workers; with one job, everything runs in this process."""

    def __init__(self, plan: ReplayPlan, jobs: int) -> None:
        self.plan = plan
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None
        if jobs > 1:
            self._pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("forkserver"))

    def _map(self, function: Callable[..., Any], calls: Iterable[tuple[Any, ...]]) -> Iterator[Any]:
        """Each call's result as it finishes, at most a few calls per worker in flight."""
        if self._pool is None:
            for arguments in calls:
                yield function(*arguments)
            return
        pending: set[Future[Any]] = set()
        for arguments in calls:
            pending.add(self._pool.submit(function, *arguments))
            if len(pending) >= 4 * self.jobs:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (future.result() for future in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (future.result() for future in done)

    def ndjson(self, folder: Path, progress: Progress) -> Tally:
        files = ndjson.export_files(folder)
        total = _tally(self.plan)
        blocks: list[ndjson.Block] = []
        for found, problems in self._map(ndjson.plan_file, ((str(path),) for path in files)):
            blocks += found
            for problem in problems:
                total.problem(problem)
        blocks.sort(key=lambda block: (block.path, block.offset))
        buckets = ndjson.bucket_count(files, self.jobs)
        progress.begin("reading the export", len(blocks))
        with tempfile.TemporaryDirectory(prefix="microcyte-replay-") as scratch:
            for bucket in range(buckets):
                os.mkdir(os.path.join(scratch, f"{bucket:05d}"))
            calls = ((self.plan, block, buckets, scratch, i) for i, block in enumerate(blocks))
            for part in self._map(split_to_files, calls):
                total.merge(part)
                progress.advance()
            progress.begin("replaying", buckets)
            folders = ((self.plan, os.path.join(scratch, f"{bucket:05d}")) for bucket in range(buckets))
            for part in self._map(replay_bucket_folder, folders):
                total.merge(part)
                progress.advance()
        return total

    def bundles(self, folder: Path, progress: Progress) -> Tally:
        total = _tally(self.plan)
        files = bundles.bundle_files(folder)
        progress.begin("replaying", len(files))
        for part in self._map(replay_bundle_file, ((self.plan, str(p)) for p in files)):
            total.merge(part)
            progress.advance()
        return total

    def server(self, base_url: str, progress: Progress) -> Tally:
        total = _tally(self.plan)
        batches = _batches(patients_on(self.plan, base_url, total), PATIENTS_PER_BATCH)
        progress.begin(f"replaying batches of {PATIENTS_PER_BATCH} patients", None)
        for part in self._map(replay_server_patients, ((self.plan, base_url, b) for b in batches)):
            total.merge(part)
            progress.advance()
        return total

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class DaskRunner:
    """The same tasks on a Dask distributed scheduler (``tcp://host:8786``)."""

    def __init__(self, plan: ReplayPlan, address: str) -> None:
        # distributed's functions are not typed: reached through Any rather than silenced one by one.
        self._distributed: Any = importlib.import_module("distributed")
        self.plan = plan
        self.client = self._distributed.Client(address, timeout=CONNECT_SECONDS)
        self._workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def _as_completed(self, futures: Iterable[Any], total: Tally, progress: Progress) -> Tally:
        for future in self._distributed.as_completed(list(futures)):
            total.merge(future.result())
            progress.advance()
        return total

    def ndjson(self, folder: Path, progress: Progress) -> Tally:
        files = ndjson.export_files(folder)
        total = _tally(self.plan)
        blocks: list[ndjson.Block] = []
        for found, problems in self.client.gather(self.client.map(ndjson.plan_file, [str(f) for f in files])):
            blocks += found
            for problem in problems:
                total.problem(problem)
        buckets = ndjson.bucket_count(files, self._workers)
        submit = self.client.submit
        progress.begin("reading the export", len(blocks))
        splits = [submit(split_in_memory, self.plan, block, buckets, pure=False) for block in blocks]
        for split in splits:
            total.merge(submit(tally_of_split, self.plan, split).result())
            progress.advance()
        progress.begin("replaying", buckets)
        evaluated = [
            submit(
                replay_pieces, self.plan, *[submit(piece_of, split, bucket) for split in splits], pure=False
            )
            for bucket in range(buckets)
        ]
        return self._as_completed(evaluated, total, progress)

    def bundles(self, folder: Path, progress: Progress) -> Tally:
        paths = [str(path) for path in bundles.bundle_files(folder)]
        progress.begin("replaying", len(paths))
        futures = [self.client.submit(replay_bundle_file, self.plan, path, pure=False) for path in paths]
        return self._as_completed(futures, _tally(self.plan), progress)

    def server(self, base_url: str, progress: Progress) -> Tally:
        total = _tally(self.plan)
        batches = _batches(patients_on(self.plan, base_url, total), PATIENTS_PER_BATCH)
        progress.begin(f"replaying batches of {PATIENTS_PER_BATCH} patients", None)
        # The listing is read as the batches are replayed, a few per worker ahead: a health system's
        # Patients are not all held on the client at once.
        running = self._distributed.as_completed()
        in_flight = 0
        for batch in batches:
            running.add(self.client.submit(replay_server_patients, self.plan, base_url, batch, pure=False))
            in_flight += 1
            if in_flight >= 4 * self._workers:
                total.merge(next(running).result())
                progress.advance()
                in_flight -= 1
        for future in running:
            total.merge(future.result())
            progress.advance()
        return total

    def close(self) -> None:
        self.client.close()

"""A FHIR Bulk Data export: a folder of NDJSON files, one resource a line, as ``$export`` writes them.

An export is too large to hold, and its files are by resource type, not by patient. It is read in
two passes, each in parallel over bounded pieces: every file is cut into blocks of whole lines
(:func:`plan_file`), each block's lines go to one of N buckets by a hash of their patient
(:func:`split_block`), and each bucket, which now holds whole records, is replayed on its own. At
no time does a process hold more than a block or a bucket.

A line that is not JSON, not a resource or unreadable is reported with its file and line number and
left out; the run goes on. Lines of resource types no service reads are passed over unparsed.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from service.replay.record import PatientRecord, Resource, group_by_patient, patient_of
from service.replay.tally import Problem

BLOCK_BYTES = 16 * 1024 * 1024
BUCKET_BYTES = 64 * 1024 * 1024  # of export read per bucket: what one process replays at a time
_READ_CHUNK = 1024 * 1024
_TYPE = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]+)"')

Keep = Callable[[Resource], bool]


@dataclass(frozen=True)
class Block:
    path: str
    offset: int
    length: int
    first_line: int  # 1-based number of the block's first line


@dataclass
class Split:
    """One block's lines, by bucket, and what could not be read."""

    pieces: list[list[bytes]]
    problems: list[Problem] = field(default_factory=list)
    without_patient: int = 0

    def piece(self, bucket: int) -> list[bytes]:
        return self.pieces[bucket]


def export_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.ndjson") if path.is_file())


def bucket_count(files: Iterable[Path], jobs: int) -> int:
    total = sum(path.stat().st_size for path in files)
    return max(2 * jobs, -(-total // BUCKET_BYTES))


def plan_file(path: str, block_bytes: int = BLOCK_BYTES) -> tuple[list[Block], list[Problem]]:
    """Cut a file into blocks that end at a line's end, each knowing the number of its first line."""
    blocks: list[Block] = []
    try:
        with open(path, "rb") as stream:
            start, line, position, lines_in_block = 0, 1, 0, 0
            while chunk := stream.read(min(_READ_CHUNK, block_bytes)):
                newline = chunk.rfind(b"\n")
                lines_in_block += chunk.count(b"\n")
                position += len(chunk)
                if newline >= 0 and position - start >= block_bytes:
                    end = position - len(chunk) + newline + 1
                    blocks.append(Block(path, start, end - start, line))
                    line += lines_in_block
                    # The cut is at the chunk's last newline: what follows it has none to count.
                    lines_in_block = 0
                    start = end
            if position > start:
                blocks.append(Block(path, start, position - start, line))
    except OSError as error:
        return [], [Problem(path, None, f"cannot be read: {error.strerror or error}")]
    return blocks, []


def bucket_of(patient_id: str, buckets: int) -> int:
    return zlib.crc32(patient_id.encode()) % buckets


def split_block(block: Block, buckets: int, keep: Keep, wanted_types: frozenset[str]) -> Split:
    split = Split([[] for _ in range(buckets)])
    try:
        with open(block.path, "rb") as stream:
            stream.seek(block.offset)
            data = stream.read(block.length)
    except OSError as error:
        split.problems.append(Problem(block.path, None, f"cannot be read: {error.strerror or error}"))
        return split
    for number, line in enumerate(data.split(b"\n"), start=block.first_line):
        if not line.strip():
            continue
        named = {kind.decode() for kind in _TYPE.findall(line)}
        if named and not named & wanted_types:
            continue  # no resource of a type any service reads, even contained
        try:
            resource = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            split.problems.append(Problem(block.path, number, f"is not valid JSON ({error})"))
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            split.problems.append(Problem(block.path, number, "is not a FHIR resource"))
            continue
        if not keep(resource):
            continue
        owner = patient_of(resource)
        if owner is None:
            split.without_patient += 1
            continue
        split.pieces[bucket_of(owner, buckets)].append(line)
    return split


def records_of(pieces: Iterable[Iterable[bytes]]) -> tuple[list[PatientRecord], int]:
    """The records in one bucket's lines, and the count of resources whose Patient is absent."""
    return group_by_patient(orjson.loads(line) for piece in pieces for line in piece)

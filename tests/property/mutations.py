"""Strategies that break valid request bodies the way a careless or hostile client would.

A mutation picks a JSON path by walking down from the root (stopping at each level with
some chance, so the protocol's own members near the top are hit as often as a lab value deep
in a Bundle) and then drops the value there or replaces it: with a value of every other
JSON type, a huge, negative or non-finite number (JSON has none: they are sent as the raw
text a client might write), a long or odd string, deep nesting, or an odd date.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]

_DATE = re.compile(r"^\d{4}-\d\d")  # a date or date-time: odd dates replace it more often

# Replaced by their raw text after encoding: what json.dumps will not write but a client might.
RAW = {
    "\x00raw:NaN": "NaN",
    "\x00raw:Infinity": "Infinity",
    "\x00raw:-Infinity": "-Infinity",
    "\x00raw:1e999": "1e999",
    "\x00raw:-1e999": "-1e999",
    "\x00raw:1e-400": "1e-400",
    "\x00raw:-0": "-0",
    "\x00raw:bigint": "1" + "0" * 400,
    "\x00raw:-bigint": "-" + "9" * 40,
    "\x00raw:frac": "0." + "3" * 400,
    "\x00raw:deep": "[" * 1100 + "]" * 1100,  # past orjson's depth limit
}

# Valid RFC 3339 whose UTC value Python cannot hold, and the last ones it can.
EDGE_DATES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999999Z",
    "9999-12-31T23:59:60Z",
]
ODD_DATES = [
    "0000-01-01",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31",
    "2016-12-31T23:59:60Z",
    "2026-11-21T12:00:00-00:00",
    "2026-11-21t12:00:00z",
    "2026-11-21T12:00:00.123456789Z",
    "2026-02-30",
    "2026-02-29T12:00:00Z",
    "2026-13-01",
    "2026-11-21T25:00:00Z",
    "2026-11-21T12:00:00+24:00",
    "2026-11-21T12:00:00",
    "2026-11",
    "2026",
    "+12026-11-21",
    "-2026-11-21",
    "2026-11-21T12:00Z",
    "2026-11-21 12:00:00Z",
    "20261121T120000Z",
    "1e9",
]

SCALARS = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -0.0,
    2**63,
    -(2**63) - 1,
    10**30,
    "",
    " ",
    "x",
    [],
    {},
    [None],
    {"": None},
]


def nested(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


WRONG_VALUES = st.one_of(
    st.sampled_from(SCALARS),
    st.sampled_from(sorted(RAW)),
    st.sampled_from(ODD_DATES),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.integers(min_value=1_000, max_value=300_000).map(lambda n: "A" * n),
    st.sampled_from(
        ["\u0000", "\u202e", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "Patient/", "/", "#", "urn:uuid:", "..", "%00", "<script>"]
    ),
    st.integers(min_value=2, max_value=600).map(nested),
    st.lists(st.sampled_from(SCALARS), max_size=3),
)


def children(value: Any) -> list[str | int]:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


@st.composite
def json_path(draw: st.DrawFn, document: Any, focus: tuple[Path, ...] = ()) -> Path:
    """A path to a value inside ``document`` (never the root), mostly under a ``focus`` path."""
    path: list[str | int] = []
    node = document
    present = [start for start in focus if _holds(document, start)]
    if present and draw(st.integers(min_value=0, max_value=3)) > 0:
        path = list(draw(st.sampled_from(present)))
        node = _parent(document, (*path, "")) if path else document
    while options := children(node):
        path.append(draw(st.sampled_from(options)))
        node = node[path[-1]]
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            break
    return tuple(path)


def _holds(document: Any, path: Path) -> bool:
    node = document
    for part in path:
        if part not in children(node):
            return False
        node = node[part]
    return bool(children(node))


def _parent(document: Any, path: Path) -> Any:
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated(
    draw: st.DrawFn, document: dict[str, Any], *, focus: tuple[Path, ...] = (), most: int = 3
) -> dict[str, Any]:
    """``document`` after one to ``most`` mutations (see :func:`json_path` for ``focus``)."""
    body = copy.deepcopy(document)
    for _ in range(draw(st.integers(min_value=1, max_value=most))):
        path = draw(json_path(body, focus))
        if not path:
            break
        parent = _parent(body, path)
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            del parent[path[-1]]
        elif _DATE.match(str(parent[path[-1]])) and draw(st.booleans()):
            parent[path[-1]] = draw(st.one_of(st.sampled_from(EDGE_DATES), st.sampled_from(ODD_DATES)))
        else:
            parent[path[-1]] = copy.deepcopy(draw(WRONG_VALUES))  # never one object in two places
    return body


def encode(body: Any) -> bytes:
    """The body as JSON text, with the raw numbers JSON itself cannot carry put in."""
    text = json.dumps(body, ensure_ascii=False)
    for sentinel, raw in RAW.items():
        text = text.replace(json.dumps(sentinel, ensure_ascii=False), raw)
    return text.encode("utf-8", errors="surrogatepass")

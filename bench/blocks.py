"""Sections of RESULTS.md that other commands write: ``python -m bench.floor`` and ``bench.peer``.

Each lives between two HTML comments naming it, so that the command that measures it can
replace it in place, and a full ``python -m bench`` run keeps it when it rewrites the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"<!-- {re.escape(name)} -->\n.*?<!-- /{re.escape(name)} -->\n", re.S)


def block(name: str, content: str) -> str:
    return f"<!-- {name} -->\n{content.rstrip()}\n<!-- /{name} -->\n"


def write_block(name: str, content: str, path: Path = RESULTS) -> None:
    """Put the section ``name`` in ``path``, in place of its last version or at the end."""
    text = path.read_text() if path.is_file() else ""
    new = block(name, content)
    pattern = _pattern(name)
    text = pattern.sub(lambda _: new, text) if pattern.search(text) else text.rstrip() + "\n\n" + new
    path.write_text(text)


def kept_blocks(path: Path, names: tuple[str, ...]) -> str:
    """The named sections as ``path`` holds them now, for a rewrite of the rest to keep."""
    text = path.read_text() if path.is_file() else ""
    found = [match.group(0) for name in names if (match := _pattern(name).search(text))]
    return "\n".join(found)

"""Safe GitHub-flavoured Markdown from data: lab values, units and reasons come from outside."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPECIAL = "\\`*_[]<>|#"
# One translation table instead of a test per character: a card's detail escapes thousands.
_ESCAPES = str.maketrans({c: f"\\{c}" for c in _SPECIAL} | {"\n": " "})
# A table of multi-character replacements makes translate look up every character in a
# dict; most cells (values, dates, names) hold nothing to escape, and a search says so at a
# quarter of the cost.
_NEEDS_ESCAPE = re.compile("[" + re.escape(_SPECIAL) + "\n]")


def md(text: str) -> str:
    """Escape Markdown and HTML syntax, so a unit like ``<b>`` or ``a|b`` shows as written."""
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {md(item)}" for item in items)

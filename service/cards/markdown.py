"""Safe GitHub-flavoured Markdown from data: lab values, units and reasons come from outside."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

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


# A card's table always has the same columns: its head is written once.
@lru_cache(maxsize=16)
def head(columns: tuple[str, ...]) -> str:
    return "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns)


def table(columns: tuple[str, ...], rows: Sequence[Sequence[str]]) -> str:
    lines = [head(columns)]
    # The escapes are per character: one search over every cell at once says whether any
    # cell holds one, and most tables hold none.
    if _NEEDS_ESCAPE.search("".join(chain.from_iterable(rows))):
        lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
    else:
        lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def sentences(texts: Sequence[str]) -> str:
    """Texts run together, escaped as one: a space needs no escape, so this is md() of each."""
    return md(" ".join(texts))


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {md(item)}" for item in items)

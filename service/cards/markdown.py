"""Safe GitHub-flavoured Markdown from data: lab values, units and reasons come from outside."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

_SPECIAL = "\\`*_[]<>|#"
# One translation table instead of a test per character: a card's detail escapes thousands.
_ESCAPES = str.maketrans({c: f"\\{c}" for c in _SPECIAL} | {"\n": " "})
_ESCAPED = tuple(_SPECIAL + "\n")


def needs_escape(text: str) -> bool:
    """Whether the text holds a character md() escapes.

    A table of multi-character replacements makes translate look up every character in a
    dict, and most text (values, dates, names, reasoning) holds nothing to escape. Eleven
    substring tests, each a memchr over the text, say so at a quarter of the cost of
    translate, and of a regex character class, over a card's reasoning.
    """
    for char in _ESCAPED:  # noqa: SIM110 (a generator under any() takes twice as long)
        if char in text:
            return True
    return False


def md(text: str) -> str:
    """Escape Markdown and HTML syntax, so a unit like ``<b>`` or ``a|b`` shows as written."""
    return text.translate(_ESCAPES) if needs_escape(text) else text


# A card's table always has the same columns: its head is written once.
@lru_cache(maxsize=16)
def head(columns: tuple[str, ...]) -> str:
    return "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns)


def table(columns: tuple[str, ...], rows: Sequence[Sequence[str]]) -> str:
    lines = [head(columns)]
    # The escapes are per character: one search over every cell at once says whether any
    # cell holds one, and most tables hold none.
    if needs_escape("".join(chain.from_iterable(rows))):
        lines.extend("| " + " | ".join(md(cell) for cell in row) + " |" for row in rows)
    else:
        lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def sentences(texts: Sequence[str]) -> str:
    """Texts run together, escaped as one: a space needs no escape, so this is md() of each."""
    return md(" ".join(texts))


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {md(item)}" for item in items)

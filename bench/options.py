"""Command-line option types the bench commands share."""

from __future__ import annotations

import argparse


def positive(text: str) -> int:
    """A whole number of at least 1 (rounds, seconds, sizes, clients)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, not {value}")
    return value

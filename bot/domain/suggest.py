"""'Did you mean' hints, so a typo gets a fix rather than a bare refusal."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return " — did you mean 'x'?" for the closest choice, or "" when nothing is close."""
    match = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" — did you mean '{match[0]}'?" if match else ""

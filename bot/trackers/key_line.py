"""hirebot's key in an item's own text (an Asana task's notes, a Trello card's description),
for trackers with no field of their own to keep it in (Jira keeps it as a label): written as
the text's last line, and read back from the last line that has it, so that an edit above it
keeps the item found."""

from __future__ import annotations

KEY_LINE = "hirebot key: "


def with_key(text: str, key: str) -> str:
    return f"{text}\n\n{KEY_LINE}{key}"


def key_of(text: str) -> str:
    """The key an item's text carries; empty if it carries none (not one of hirebot's)."""
    for line in reversed(text.splitlines()):
        if line.startswith(KEY_LINE):
            return line.removeprefix(KEY_LINE).strip()
    return ""

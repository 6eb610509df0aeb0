"""The one message shape every handler returns and every adapter renders.

All strings are plain text: user-supplied content is never pre-formatted, so each adapter
escapes it for its own markup (a platform's markup language, HTML, a terminal's styles) and a
name like `<!channel>` or `*bold*` always shows literally.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Action(BaseModel):
    """A one-tap choice. `value` is a short reference (ids, expected stage), never the payload."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    value: str
    style: Literal["primary", "danger"] | None = None
    input_prompt: str | None = None  # the adapter collects this text before dispatching


class Field(BaseModel):
    """A labelled value; `private` marks candidate personal data that shared channels never get."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: str
    private: bool = False


class InputRequest(BaseModel):
    """The message asks `by` (a channel user ref) for the text `action` needs.

    Channels that collect input by message rather than a form (a forced reply) render
    this so the answer can be matched back to the action, even after a restart.
    """

    model_config = ConfigDict(frozen=True)

    action: Action
    by: str
    by_name: str = ""


class Bar(BaseModel):
    """One bar of a chart: a value, and the limit it is measured against, if any."""

    model_config = ConfigDict(frozen=True)

    label: str
    value: float
    note: str = ""  # shown beside the bar (a conversion, a count)
    limit: float | None = None


class Panel(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    unit: str = ""
    bars: list[Bar] = []


class Chart(BaseModel):
    """An image attached to a message, carried as the numbers it shows: each channel draws it
    when it delivers the message (bot/messages/charts.py) and sends it as its platform sends
    pictures, so an outbox row holds a few numbers, never an image's bytes."""

    model_config = ConfigDict(frozen=True)

    filename: str  # e.g. report.png
    title: str  # the picture's caption and alternative text
    panels: list[Panel] = []


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["info", "success", "error", "card"] = "info"
    title: str = ""
    text: str = ""
    lines: list[str] = []
    fields: list[Field] = []
    actions: list[Action] = []
    footer: str = ""
    private: bool = True
    asks: InputRequest | None = None
    # The action changed nothing because it was already done (a double tap, an old button):
    # channels that acknowledge a tap by itself (a callback answer) say so there.
    already_done: bool = False
    chart: Chart | None = None

    def plain_text(self) -> str:
        """A readable fallback (notifications, audit summaries, channels without rich layout)."""
        parts = [p for p in (self.title, self.text) if p]
        parts += self.lines
        parts += [f"{f.label}: {f.value}" for f in self.fields]
        if self.footer:
            parts.append(self.footer)
        return "\n".join(parts)

    def has_private_data(self) -> bool:
        return any(f.private for f in self.fields)


def error(message: str) -> Reply:
    return Reply(kind="error", text=message)


def success(message: str, **extra: object) -> Reply:
    return Reply.model_validate({"kind": "success", "text": message, **extra})


def info(message: str) -> Reply:
    return Reply(kind="info", text=message)

"""Reply -> WhatsApp messages: text of at most 4,096 characters, and choices as interactive
messages (pywa's `Button` and `SectionList`), within the Cloud API's limits.

WhatsApp formats `*bold*`, `_italics_`, `~strike~` and backtick code, and quotes a line that
starts with `>`, and has no escape for any of them. So a mark in user text that could open or
close a style (one at a word's edge) becomes its lookalike (∗ ˍ ∼ ˋ), and a leading `>`
becomes ＞: a name typed `*Bold* _x_` reads as typed and never breaks our own bold title. The
marks are the same length, so cuts count the same.

Choices: at most 3 whose labels fit 20 characters are reply buttons; otherwise a list message
(at most 10 rows, titles of 24 characters with the rest of a long label as the row's
description, at most 72). More than 10 choices go as several lists, one page each. A
button's id is `a:<action>:<value>`, or `i:…` for an action that first asks for text; an id
over the Cloud API's limit (256 for buttons, 200 for rows) gets no button.

Text is split between lines into messages of at most 4,096 characters, each but the last
ending with a pointer to the next; an interactive message's body is at most 1,024, so a long
reply with choices goes as text first and the choices after it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pywa.types.callback import Button, Section, SectionList, SectionRow

from bot.messages.reply import Action, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_BODY = 1024  # an interactive message's body
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_SECTION_TITLE = 24
RUN, ASK = "a", "i"
CONTINUED = "⤵ continued below"
LIST_LABEL = "Choose"
ASK_HINT = "Reply to this message with your answer."
_KIND_MARK = {"error": "⚠️ ", "success": "✅ "}

STYLE_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}
QUOTE_LOOKALIKE = "\uff1e"
# A mark styles text only at a word's edge; inside a word (`snake_case`, `a*b`) it is inert.
_STYLING_MARK = re.compile(r"[*_~`](?:(?<![^\W_][*_~`])|(?![^\W_]))")
_QUOTE_MARK = re.compile(r"^(\s*)>", re.MULTILINE)


def neutralise(text: str) -> str:
    """User text with every mark that could style it, and a quoting `>`, as a lookalike."""
    if ">" in text:
        text = _QUOTE_MARK.sub(lambda m: m.group(1) + QUOTE_LOOKALIKE, text)
    if any(mark in text for mark in STYLE_LOOKALIKES):
        text = _STYLING_MARK.sub(lambda m: STYLE_LOOKALIKES[m.group()], text)
    return text


def plain(text: str) -> str:
    """What a reader sees of our markup (tests and the fake compare against this)."""
    return re.sub(r"(?<![^\W_])[*_](?=\S)(.+?)(?<=\S)[*_](?![^\W_])", r"\1", text)


# Choices -------------------------------------------------------------------------------------


def callback_id(action: Action) -> str:
    return f"{ASK if action.input_prompt else RUN}:{action.id}:{action.value}"


def parse_callback(data: str | None) -> tuple[str, str, str] | None:
    """(kind, action id, value) from a button or row of ours, or None for anything else."""
    kind, _, rest = (data or "").partition(":")
    action_id, sep, value = rest.partition(":")
    if kind not in (RUN, ASK) or not sep or not action_id:
        return None
    return kind, action_id, value


def cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


Choices = list[Button] | SectionList


def choices(actions: list[Action]) -> list[Choices]:
    """Reply buttons when they fit, else one list message per page of 10 rows."""
    usable = [a for a in actions if len(callback_id(a)) <= MAX_ROW_ID]
    for action in actions:
        if action not in usable:
            log.warning("choice left out: the id for %s is too long", action.id)
    if not usable:
        return []
    if len(usable) <= MAX_BUTTONS and all(len(a.label) <= MAX_BUTTON_TITLE for a in usable):
        return [
            [Button(title=a.label.strip() or "…", callback_data=callback_id(a)) for a in usable]
        ]
    pages = [usable[i : i + MAX_ROWS] for i in range(0, len(usable), MAX_ROWS)]
    out: list[Choices] = []
    for number, page in enumerate(pages, start=1):
        label = LIST_LABEL if len(pages) == 1 else f"{LIST_LABEL} ({number}/{len(pages)})"
        rows = [_row(a) for a in page]
        out.append(
            SectionList(
                button_title=cut(label, MAX_LIST_BUTTON),
                sections=[Section(title=cut(label, MAX_SECTION_TITLE), rows=rows)],
            )
        )
    return out


def _row(action: Action) -> SectionRow:
    label = " ".join(action.label.split()) or "…"
    if len(label) <= MAX_ROW_TITLE:
        return SectionRow(title=label, callback_data=callback_id(action))
    return SectionRow(
        title=cut(label, MAX_ROW_TITLE),
        callback_data=callback_id(action),
        description=cut(label, MAX_ROW_DESCRIPTION),
    )


# Text ------------------------------------------------------------------------------------


def lines(reply: Reply) -> list[str]:
    """The reply as lines of WhatsApp markup, user text neutralised, our marks around it."""
    out: list[str] = []
    mark = _KIND_MARK.get(reply.kind, "")
    if reply.title:
        out.append(f"{mark}*{neutralise(reply.title)}*")
        mark = ""
    for number, line in enumerate(reply.text.split("\n") if reply.text else []):
        out.append((mark if number == 0 else "") + neutralise(line))
    if reply.text:
        mark = ""
    for entry in reply.lines:
        out.extend(neutralise(part) for part in entry.split("\n"))
    for field in reply.fields:
        out.append(f"*{neutralise(field.label)}:* {neutralise(field.value)}")
    if reply.footer:
        out.append(f"_{neutralise(reply.footer)}_")
    if reply.asks is not None:
        prompt = reply.asks.action.input_prompt or ""
        out.append(f"_{neutralise(prompt)}_ {ASK_HINT}" if prompt else ASK_HINT)
    if not any(line.strip() for line in out):
        out = [mark + "…"]
    return out


def pack(parts: list[str], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined into as few messages as fit; every message but the last ends with a pointer
    to the next. A single line longer than a message is cut between characters."""
    room = limit - len(CONTINUED) - 1
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in parts:
        while len(line) > room:
            if current:
                chunks.append("\n".join(current))
                current, size = [], 0
            chunks.append(line[:room])
            line = line[room:]
        separator = 1 if current else 0
        if size + separator + len(line) > room and current:
            chunks.append("\n".join(current))
            current, size, separator = [], 0, 0
        current.append(line)
        size += separator + len(line)
    if current or not chunks:
        chunks.append("\n".join(current))
    if sum(len(c) + 1 for c in chunks) - 1 <= limit and len(chunks) > 1:
        return ["\n".join(chunks)]
    return [f"{c}\n{CONTINUED}" for c in chunks[:-1]] + chunks[-1:]


@dataclass(frozen=True)
class Part:
    """One message to send: text, with choices (an interactive message) or without."""

    text: str
    choices: Choices | None = None


def render(reply: Reply) -> list[Part]:
    """A reply as the messages that show it, in order; choices ride on the last text when it
    fits an interactive body, else follow it."""
    chunks = pack(lines(reply))
    sets = [] if reply.asks is not None else choices(reply.actions)
    if not sets:
        return [Part(chunk) for chunk in chunks]
    parts = [Part(chunk) for chunk in chunks[:-1]]
    last = chunks[-1]
    if len(last) <= MAX_BODY:
        parts.append(Part(last, sets[0]))
    else:
        parts += [Part(last), Part(cut(reply.title or LIST_LABEL, MAX_BODY), sets[0])]
    for number, more in enumerate(sets[1:], start=2):
        parts.append(Part(f"More choices ({number}/{len(sets)})", more))
    return parts


def merged(replies: list[Reply]) -> Part | None:
    """Several text-only replies as one message, when they fit one (pacing sends fewer)."""
    if len(replies) < 2 or any(r.actions or r.asks is not None for r in replies):
        return None
    text = "\n\n".join("\n".join(lines(r)) for r in replies)
    return Part(text) if len(text) <= MAX_TEXT else None

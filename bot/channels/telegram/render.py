"""Reply -> Telegram messages: HTML parse mode text plus an inline keyboard or a forced reply.

Every piece of user content goes through `html.escape`, so a candidate named `<b>x</b>` or
`*_[x](y)` shows literally and can never break the markup. Text is cut into messages of at
most 4,096 characters between lines, never inside a tag; only a single line longer than that is
cut mid-line. Buttons carry `kind:action:value` of at most 64 bytes (`a` runs the action, `i`
first asks for the text it needs); an action whose reference would not fit gets no button.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages.reply import Action, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
MAX_PLACEHOLDER = 64
PARSE_MODE = "HTML"
RUN, ASK = "a", "i"
REF_HINT = "Reply to this message with your answer · "
_REF = re.compile(r"ref ([a-z][a-z0-9_]*):(\S+)\s*$")
_KIND_MARK = {"error": "⚠️ ", "success": "✅ "}

Markup = InlineKeyboardMarkup | ForceReply


class CallbackTooLong(ValueError):
    """The action's reference does not fit Telegram's 64-byte callback data."""


@dataclass(frozen=True)
class Segment:
    text: str
    tag: str | None = None  # "b", "i", "code", or "mention:<user id>"


Block = tuple[Segment, ...]


@dataclass(frozen=True)
class Rendered:
    text: str
    markup: Markup | None = None


# Buttons ---------------------------------------------------------------------------------


def callback_data(action: Action) -> str:
    data = f"{ASK if action.input_prompt else RUN}:{action.id}:{action.value}"
    if len(data.encode("utf-8")) > MAX_CALLBACK_BYTES:
        raise CallbackTooLong(
            f"callback data for {action.id} is {len(data.encode('utf-8'))} bytes; "
            f"Telegram allows {MAX_CALLBACK_BYTES}"
        )
    return data


def parse_callback(data: str | None) -> tuple[str, str, str] | None:
    """(kind, action id, value) from a button of ours, or None for anything else."""
    if not data:
        return None
    kind, _, rest = data.partition(":")
    action_id, sep, value = rest.partition(":")
    if kind not in (RUN, ASK) or not sep or not action_id:
        return None
    return kind, action_id, value


def keyboard(actions: list[Action]) -> InlineKeyboardMarkup | None:
    rows = []
    for action in actions:
        try:
            data = callback_data(action)
        except CallbackTooLong as exc:
            log.warning("button left out: %s", exc)
            continue
        rows.append([InlineKeyboardButton(action.label[:64], callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def prompt_ref(text: str | None) -> tuple[str, str] | None:
    """The (action id, value) a forced-reply prompt of ours asked for, read from its text."""
    match = _REF.search(text or "")
    return (match.group(1), match.group(2)) if match else None


# Text ------------------------------------------------------------------------------------


def blocks(reply: Reply) -> list[Block]:
    """The reply as lines of segments, each line self-contained markup."""
    out: list[Block] = []
    mark = _KIND_MARK.get(reply.kind, "")
    first: list[Segment] = [Segment(mark)] if mark else []
    if reply.asks is not None and reply.asks.by.isdigit():
        # A mention makes a selective forced reply open for the person who tapped, in a group.
        name = reply.asks.by_name or "you"
        first += [Segment(name, f"mention:{reply.asks.by}"), Segment(", ")]
    if reply.title:
        out.append((*first, Segment(reply.title, "b")))
        first = []
    for number, line in enumerate(reply.text.split("\n") if reply.text else []):
        out.append((*first, Segment(line)) if number == 0 else (Segment(line),))
        first = []
    for entry in reply.lines:
        out.extend((Segment(part),) for part in entry.split("\n"))
    for field in reply.fields:
        out.append((Segment(f"{field.label}:", "b"), Segment(f" {field.value}")))
    if reply.footer:
        out.append((Segment(reply.footer, "i"),))
    if reply.asks is not None:
        action = reply.asks.action
        out.append((Segment(REF_HINT, "i"), Segment(f"ref {action.id}:{action.value}", "code")))
    if not out or not any(s.text.strip() for block in out for s in block):
        out = [(Segment("…"),)]
    return out


def _wrap(tag: str | None, body: str) -> str:
    if not tag or not body:
        return body
    if tag.startswith("mention:"):
        return f'<a href="tg://user?id={html.escape(tag[8:])}">{body}</a>'
    return f"<{tag}>{body}</{tag}>"


def _units(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), never below the character count."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _markup(block: Block) -> str:
    return "".join(_wrap(s.tag, html.escape(s.text)) for s in block)


def _split_block(block: Block, limit: int) -> list[str]:
    """One over-long line as several messages, cutting between characters, never in a tag."""
    pieces: list[str] = []
    current, size = "", 0
    for segment in block:
        overhead = _units(_wrap(segment.tag, "x")) - 1
        run, run_size = "", 0
        for char in segment.text:
            escaped = html.escape(char)
            length = _units(escaped)
            if size + overhead + run_size + length > limit:
                if run:
                    current += _wrap(segment.tag, run)
                if current:
                    pieces.append(current)
                current, size, run, run_size = "", 0, "", 0
            run += escaped
            run_size += length
        if run:
            current += _wrap(segment.tag, run)
            size += overhead + run_size
    if current:
        pieces.append(current)
    return pieces


def pack(parts: list[Block], limit: int = MAX_TEXT) -> list[str]:
    """Lines joined into as few messages as fit, each at most `limit` characters."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for block in parts:
        text = _markup(block)
        length = _units(text)
        separator = 1 if current else 0
        if size + separator + length <= limit:
            current.append(text)
            size += separator + length
            continue
        if current:
            chunks.append("\n".join(current))
            current, size = [], 0
        if length <= limit:
            current, size = [text], length
        else:
            chunks.extend(_split_block(block, limit))
    if current:
        chunks.append("\n".join(current))
    return chunks


def render(reply: Reply, *, limit: int = MAX_TEXT) -> list[Rendered]:
    """A reply as one or more messages; the keyboard (or forced reply) rides on the last."""
    chunks = pack(blocks(reply), limit)
    markup: Markup | None
    if reply.asks is not None:
        prompt = reply.asks.action.input_prompt or ""
        if len(prompt) > MAX_PLACEHOLDER:
            prompt = prompt[: MAX_PLACEHOLDER - 1] + "…"
        placeholder = prompt or None
        markup = ForceReply(selective=True, input_field_placeholder=placeholder)
    else:
        markup = keyboard(reply.actions)
    return [
        Rendered(text, markup if index == len(chunks) - 1 else None)
        for index, text in enumerate(chunks)
    ]


def render_card(reply: Reply, *, limit: int = MAX_TEXT) -> Rendered:
    """A card is one message that is edited in place: whatever does not fit is left out."""
    chunks = pack(blocks(reply), limit)
    text = chunks[0]
    if len(chunks) > 1:
        cut = pack(blocks(reply), limit - 2)[0]
        text = cut + "\n…"
    return Rendered(text, keyboard(reply.actions))


def caption(text: str) -> str:
    """A photo's caption: the chart's title, escaped, within Telegram's 1,024 characters."""
    if len(text) > MAX_CAPTION:
        text = text[: MAX_CAPTION - 1] + "…"
    return _wrap("b", html.escape(text, quote=False))

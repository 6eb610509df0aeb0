"""Reply -> Block Kit, within Slack's limits, with every piece of user content escaped.

Replies are plain text (see bot.messages.reply). Here each string is escaped for mrkdwn
(`&`, `<`, `>`), and mrkdwn objects are `verbatim`, so neither `<!channel>` nor a bare
`@here` or URL in a name is ever turned into a mention or link. mrkdwn has no escape for its
style marks (`*`, `_`, `~`, backtick), so a mark that could open or close a style (one not
between two letters or digits) is replaced by its lookalike (∗ ˍ ∼ ˋ), as is a `>` starting a
line (＞, not a quote): a name `*bold* _it_`
reads as typed instead of breaking the card's bold title, while `snake_case` and `a*b` keep
their characters. plain_text objects (button labels, modal titles and inputs) are not parsed
by Slack and are only cut to length.

Limits (Slack's, also enforced by the test fake): 50 blocks per message (100 in views),
3,000 characters per section text, 10 fields of 2,000, 25 buttons per actions block, button
text 75 / value 2,000, action_id and block_id 255. Long texts are split over several sections;
what cannot fit is cut with a pointer saying how much is missing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.messages.reply import Action, Field, Reply

log = logging.getLogger(__name__)

Block = dict[str, Any]

MESSAGE_BLOCKS_MAX = 50
VIEW_BLOCKS_MAX = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
CONTEXT_TEXT_MAX = 2000
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255
FALLBACK_TEXT_MAX = 3000
MODAL_TITLE_MAX = 24
PROMPT_MAX = 120
PROMPTS_PER_BLOCK = 4
ACTION_SUFFIX = "#"  # core action ids never contain it
# What a block_id holds besides the prompts: {"i":"b99.0123abcd","p":…}
_BLOCK_ID_RESERVE = len('{"i":"b999.0123abcd","p":}')

_KIND_MARK = {"error": ":warning: ", "success": ":white_check_mark: ", "info": "", "card": ""}


# mrkdwn's style marks and the lookalikes shown instead where they could style text.
STYLE_LOOKALIKES = {"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"}

# A mark styles text only at a word's edge: preceded or followed by something that is not a
# letter or digit (or by the start or end). Marks inside a word (`snake_case`) are inert.
# (The mark is matched first, then its neighbours: a scan for four characters stays fast.)
_STYLING_MARK = re.compile(r"[*_~`](?:(?<![^\W_][*_~`])|(?![^\W_]))")


# A `>` that starts a line makes the line a quote.
QUOTE_LOOKALIKE = "\uff1e"
_QUOTE_MARK = re.compile(r"^>", re.MULTILINE)
_ORIGINALS = {v: k for k, v in STYLE_LOOKALIKES.items()} | {QUOTE_LOOKALIKE: ">"}


def neutralise(text: str) -> str:
    """Replace every style mark that Slack could pair into bold, italics, strikethrough or
    code, and a `>` starting a line, by its lookalike, so user text is shown as typed."""
    if ">" in text:
        text = _QUOTE_MARK.sub(QUOTE_LOOKALIKE, text)
    if any(mark in text for mark in STYLE_LOOKALIKES):
        text = _STYLING_MARK.sub(lambda m: STYLE_LOOKALIKES[m.group()], text)
    return text


def escape_entities(text: str) -> str:
    """Slack's three control characters as entities (link targets, where marks must stay)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str) -> str:
    """Escape user content for mrkdwn: control characters become entities and style marks
    that could take effect become lookalikes (same length, so cuts count the same)."""
    return escape_entities(neutralise(text))


def unescape(text: str) -> str:
    """The text `escape` was given (lookalikes typed as such come back as the marks)."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "".join(_ORIGINALS.get(c, c) for c in text)


def cut_plain(text: str, limit: int) -> str:
    """Cut a plain_text string (label, title) to `limit`, marking the cut with an ellipsis."""
    text = " ".join(text.split()) or "-"
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _safe_end(escaped: str, end: int) -> int:
    """Move a cut point back so it never splits an `&amp;`-style entity."""
    amp = escaped.rfind("&", max(0, end - 5), end)
    if amp != -1 and escaped.find(";", amp, amp + 6) >= end:
        return amp
    return end


def fit(text: str, limit: int, pointer: str = "") -> str:
    """Escape `text` and cut it to `limit` characters, saying how much was left out and where
    to find it (the pointer, e.g. a command)."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    reserve = 40 + len(escape(pointer))
    end = _safe_end(escaped, max(limit - reserve, 1))
    kept = escaped[:end].rstrip()
    rest = len(text) - len(unescape(kept))
    note = f" (+{rest:,} more characters{'; ' + pointer if pointer else ''})"
    return (kept + "…" + escape(note))[:limit]


def split_escaped(text: str, limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Escape `text` and split it into chunks of at most `limit`, at line or word breaks when
    possible, so a long note is shown whole over several sections instead of cut."""
    escaped = escape(text)
    chunks: list[str] = []
    while len(escaped) > limit:
        end = _safe_end(escaped, limit)
        window = escaped[:end]
        brk = max(window.rfind("\n", end - 400), window.rfind(" ", end - 200))
        if brk > 0:
            end = brk + 1
        chunks.append(escaped[:end])
        escaped = escaped[end:]
    if escaped:
        chunks.append(escaped)
    return [c for c in chunks if c.strip()]


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn object whose text is already escaped; verbatim so nothing is auto-linked."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut_plain(text, limit)}


def _link(url: str, label: str) -> str:
    """An explicit link for a value that is an http(s) URL (verbatim text is never auto-linked)."""
    target = escape_entities(url.replace("|", "%7C"))
    return f"<{target}|{escape(label)}>"


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://")) and " " not in value and len(value) <= 2000


def _field_text(item: Field) -> str:
    label = f"*{fit(item.label, 200)}*\n"
    if _is_url(item.value):
        link = _link(item.value, cut_plain(item.value, 200))
        if len(label) + len(link) <= FIELD_TEXT_MAX:
            return label + link
    return label + fit(item.value or "—", FIELD_TEXT_MAX - len(label))


def _section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def _lines_sections(lines: Sequence[str]) -> list[Block]:
    """Pack lines into as few sections as fit; a line longer than a section is split."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        for piece in split_escaped(line) or [""]:
            if not piece and not current:
                continue
            joined = f"{current}\n{piece}" if current else piece
            if len(joined) <= SECTION_TEXT_MAX:
                current = joined
                continue
            blocks.append(_section(current))
            current = piece
    if current:
        blocks.append(_section(current))
    return blocks


def action_ok(action: Action) -> bool:
    """A value or id too long for Slack cannot be cut without breaking it: drop the button."""
    too_long = len(action.id) > ACTION_ID_MAX - len(f"{ACTION_SUFFIX}{BUTTONS_PER_BLOCK}")
    if len(action.value) > BUTTON_VALUE_MAX or too_long or not action.id:
        log.warning("button %r dropped: id or value too long for Slack", action.id[:40])
        return False
    return True


def button(action: Action, element_id: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(action.label, BUTTON_TEXT_MAX),
        "action_id": element_id or action.id,
        "value": action.value,
    }
    if action.style:
        element["style"] = action.style
    return element


def _fit_prompts(prompts: dict[str, str]) -> dict[str, str] | None:
    """Shorten prompts until the block_id that carries them fits; None if even ids do not."""
    prompts = dict(prompts)

    def size() -> int:
        encoded = json.dumps(prompts, separators=(",", ":"), ensure_ascii=False)
        return len(encoded) + _BLOCK_ID_RESERVE

    while size() > BLOCK_ID_MAX:
        longest = max(prompts, key=lambda k: len(prompts[k]))
        if len(prompts[longest]) <= 1:
            return None
        prompts[longest] = prompts[longest][: len(prompts[longest]) // 2]
    return prompts


def _actions_blocks(actions: Sequence[Action]) -> list[Block]:
    """Buttons, 25 to a block. Prompts for actions that need typed input travel in the block_id
    (see `prompts_of`), so a click knows to open a modal before dispatching; a few per block,
    so they fit. A button whose prompt cannot travel is left out rather than sent without it."""
    chunks: list[list[Action]] = [[]]
    for action in (a for a in actions if action_ok(a)):
        chunk = chunks[-1]
        prompted = sum(1 for a in chunk if a.input_prompt)
        if len(chunk) == BUTTONS_PER_BLOCK or (
            action.input_prompt and prompted == PROMPTS_PER_BLOCK
        ):
            chunks.append(chunk := [])
        chunk.append(action)
    blocks: list[Block] = []
    for chunk in chunks:
        ids = _element_ids(chunk)
        wanted = {
            ids[n]: cut_plain(a.input_prompt, PROMPT_MAX)
            for n, a in enumerate(chunk)
            if a.input_prompt
        }
        prompts = _fit_prompts(wanted)
        if prompts is None:
            log.warning("buttons %s dropped: their prompts do not fit a block_id", sorted(wanted))
            keep = [n for n, a in enumerate(chunk) if not a.input_prompt]
            chunk, ids, prompts = [chunk[n] for n in keep], [ids[n] for n in keep], {}
        if chunk:
            elements = [button(a, ids[n]) for n, a in enumerate(chunk)]
            blocks.append({"type": "actions", "elements": elements, "_prompts": prompts})
    return blocks


def _element_ids(chunk: Sequence[Action]) -> list[str]:
    """Slack wants action_ids unique within a block, yet several buttons may share a core action
    (a flow question's choices are all `flow`; a check-in has an Advance per applicant): the
    second and later get a `#n` suffix, which `core_action` takes off again."""
    seen: dict[str, int] = {}
    ids = []
    for action in chunk:
        count = seen.get(action.id, 0)
        seen[action.id] = count + 1
        suffix = f"{ACTION_SUFFIX}{count}" if count else ""
        ids.append(action.id + suffix)
    return ids


def core_action(action_id: str) -> str:
    """The core action id behind a button's action_id (see `_element_ids`)."""
    return action_id.split(ACTION_SUFFIX, 1)[0]


def prompts_of(block_id: str) -> dict[str, str]:
    """The input prompts an actions block carries, by action_id (empty for other blocks)."""
    try:
        data = json.loads(block_id)
    except ValueError:
        return {}
    prompts = data.get("p") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in prompts.items()} if isinstance(prompts, dict) else {}


def _block_id(ident: str, prompts: dict[str, str]) -> str:
    if not prompts:
        return ident
    return json.dumps({"i": ident, "p": prompts}, separators=(",", ":"), ensure_ascii=False)


def finish(blocks: list[Block]) -> list[Block]:
    """Give every block a block_id unique in its message and new when its content changes (as
    Slack asks of edited messages), encoding action prompts in actions blocks."""
    out = []
    for index, block in enumerate(blocks):
        block = dict(block)
        prompts = block.pop("_prompts", {})
        digest = hashlib.sha1(
            json.dumps(block, sort_keys=True).encode(), usedforsecurity=False
        ).hexdigest()[:8]
        block["block_id"] = _block_id(f"b{index}.{digest}", prompts)
        out.append(block)
    return out


def reply_blocks(reply: Reply, *, with_actions: bool = True) -> list[Block]:
    """One reply as blocks; may exceed a message's block limit (see `message` and `pack`)."""
    blocks: list[Block] = []
    mark = _KIND_MARK.get(reply.kind, "")
    # A little room in each chunk for the kind mark, which goes in front of the first one.
    text_chunks = split_escaped(reply.text, SECTION_TEXT_MAX - 30) if reply.text else []
    if reply.title:
        head = f"{mark}*{fit(reply.title, 500)}*"
        if text_chunks and len(head) + 1 + len(text_chunks[0]) <= SECTION_TEXT_MAX:
            head += "\n" + text_chunks.pop(0)
        blocks.append(_section(head))
    elif text_chunks:
        text_chunks[0] = mark + text_chunks[0]
    blocks += [_section(chunk) for chunk in text_chunks]
    fields = list(reply.fields)
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        chunk = fields[start : start + FIELDS_PER_SECTION]
        blocks.append({"type": "section", "fields": [mrkdwn(_field_text(f)) for f in chunk]})
    if reply.lines:
        blocks += _lines_sections(reply.lines)
    if with_actions and reply.actions:
        blocks += _actions_blocks(reply.actions)
    if reply.footer:
        blocks.append(
            {"type": "context", "elements": [mrkdwn(fit(reply.footer, CONTEXT_TEXT_MAX))]}
        )
    if not blocks:
        blocks.append(_section(mark + "(nothing to show)"))
    return blocks


def _cut_blocks(blocks: list[Block], limit: int, pointer: str) -> list[Block]:
    """Keep a reply within `limit` blocks; the last one says what was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    missing = len(blocks) - len(kept)
    note = f"(+{missing} more parts not shown{'; ' + pointer if pointer else ''})"
    return [*kept, {"type": "context", "elements": [mrkdwn(escape(note))]}]


def fallback_text(reply: Reply) -> str:
    """The notification text sent beside the blocks (escaped: it is parsed as mrkdwn too)."""
    return fit(reply.plain_text() or "hirebot", FALLBACK_TEXT_MAX)


@dataclass
class Message:
    """One Slack message: blocks, notification text, and the replies (by index) it carries."""

    blocks: list[Block]
    text: str
    replies: list[int] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def message(reply: Reply, *, pointer: str = "", with_actions: bool = True) -> Message:
    """A single reply as one message of at most 50 blocks (cards, thread lines, DMs)."""
    blocks = _cut_blocks(
        reply_blocks(reply, with_actions=with_actions), MESSAGE_BLOCKS_MAX, pointer
    )
    return Message(finish(blocks), fallback_text(reply), [0])


def notice(text: str) -> Message:
    """A one-section warning that did not come from the core (a modal that failed to open)."""
    escaped = fit(text, SECTION_TEXT_MAX - 20)
    return Message(finish([_section(_KIND_MARK["error"] + escaped)]), escaped)


def pack(replies: Sequence[Reply], *, limit: int = MESSAGE_BLOCKS_MAX) -> list[Message]:
    """Several replies as few messages as the block limit allows (an answer of many notes
    becomes several messages rather than being cut)."""
    messages: list[Message] = []
    current: list[Block] = []
    texts: list[str] = []
    indexes: list[int] = []

    def flush() -> None:
        if current:
            text = fit("\n".join(texts), FALLBACK_TEXT_MAX) if texts else "hirebot"
            messages.append(Message(finish(list(current)), text, list(indexes)))
        current.clear()
        texts.clear()
        indexes.clear()

    for index, reply in enumerate(replies):
        blocks = _cut_blocks(reply_blocks(reply), limit, "")
        divider = [{"type": "divider"}] if current else []
        if len(current) + len(divider) + len(blocks) > limit:
            flush()
            divider = []
        current.extend(divider + blocks)
        texts.append(reply.plain_text())
        indexes.append(index)
    flush()
    return messages


def view_blocks(replies: Iterable[Reply], *, with_actions: bool = False) -> list[Block]:
    """Replies stacked for a modal or the App Home (100 blocks at most)."""
    blocks: list[Block] = []
    for reply in replies:
        if blocks:
            blocks.append({"type": "divider"})
        blocks += reply_blocks(reply, with_actions=with_actions)
    return finish(_cut_blocks(blocks, VIEW_BLOCKS_MAX, ""))


def result_view(replies: Sequence[Reply], title: str) -> Block:
    """What a submitted modal turns into: the outcome, with a button to close it."""
    return {
        "type": "modal",
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain("Done", MODAL_TITLE_MAX),
        "blocks": view_blocks(replies),
    }


def home_view(replies: Sequence[Reply]) -> Block:
    """The App Home tab; its buttons (start feedback) answer in the person's DM."""
    return {"type": "home", "blocks": view_blocks(replies, with_actions=True)}


def field_errors(reply: Reply) -> dict[str, str] | None:
    """A form's field errors (an error reply whose fields name the bad fields), or None."""
    if reply.kind != "error" or not reply.fields:
        return None
    return {f.label: f.value for f in reply.fields}

"""A local fake of the Telegram Bot API for tests, cut to what hirebot uses.

The real python-telegram-bot client talks to it over loopback HTTP, so tests exercise
PTB's own request encoding, response parsing and error mapping (``BadRequest``,
``Forbidden``, ``RetryAfter``, ...) instead of a mock of them.

It serves the nine methods hirebot's Telegram channel reaches, directly or through PTB:
``getMe`` (``Bot.initialize``), ``sendMessage``, ``sendPhoto`` (a multipart upload of a PNG
or JPEG, checked as the server checks a photo: present, at most 10 MB, sides adding up to
10,000 pixels at most, a caption of 1,024 characters at most), ``editMessageText``,
``answerCallbackQuery``, ``setMyCommands``, ``setWebhook``, and for long polling
``deleteWebhook`` and ``getUpdates`` (``Updater.start_polling``/``stop``).  Any other
method answers 404 "Not Found", as an unknown method does on Telegram.

Every check it makes is one the real server makes, with the real error text; where it
came from is named beside it: the Bot API server (tdlib/telegram-bot-api ``Client.cpp``,
``WebhookActor.cpp``), TDLib (``MessageEntity.cpp``, ``BotCommand.cpp``), or Telegram's
servers (the MTProto error names such as ``BUTTON_DATA_INVALID``).  hirebot sends HTML
only, so ``parse_html`` (a port of TDLib's parser, with its error texts and byte
offsets) is the one formatting parser; text with no ``parse_mode`` is shown as sent.

Not modelled, and answered with 501 "not modelled by the fake: ..." rather than with an
answer Telegram would not give: the Markdown parse modes, bodies other than the
url-encoded form PTB sends and its multipart uploads (JSON), photos sent by file id or
URL, and inline messages.  Also not modelled: the
``entities`` argument, replies to missing messages, chats by @username, the entities
Telegram detects by itself (URLs, @mentions), and setWebhook's one-call-a-second limit.
``getUpdates`` long polls for at most ``max_long_poll`` seconds (1 s by default) so that
tests stay quick.

With `enforce_limits(...)` it keeps to the Bot API's flood limits as a test sets them (in
all, per chat, per group) and answers a send over them with 429 and `retry_after`
(rate_limits.py).

Usage::

    with FakeTelegramAPI() as tg:
        app = (
            ApplicationBuilder()
            .token(tg.token)
            .base_url(tg.base_url)
            .base_file_url(tg.base_file_url)
            .build()
        )
        ...
        assert tg.calls_to("sendMessage")[0].params["chat_id"] == 42
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import email.parser
import email.policy
import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.rate_limits import Limit, RateLimits, retry_after

__all__ = [
    "EntityParseError",
    "FakeTelegramAPI",
    "Hold",
    "TelegramAPIError",
    "TelegramCall",
    "Upload",
    "callback_update",
    "message_update",
    "parse_entities",
    "parse_html",
]

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Any]
SENDS = frozenset({"sendmessage", "sendphoto"})  # what flood control counts, when enforced

MAX_TEXT_LENGTH = 4096  # code points after entity parsing (TDLib counts utf8_length)
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_SECRET_TOKEN_LENGTH = 256
MAX_COMMAND_LENGTH = 32
MAX_COMMAND_DESCRIPTION_LENGTH = 256
WEBHOOK_PORTS = (80, 88, 443, 8443)
# The fields that make an inline button do something, in the order the Bot API server
# looks for them (Client::get_inline_keyboard_button_type): the first one present wins.
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)

# PTB sends every argument as a form field and JSON-encodes the ones that are not strings
# (telegram.request.RequestParameter.json_value). These are strings in the Bot API, so they
# stay as sent even when they look like JSON ("123", "true"); every other field is decoded.
RAW_STRING_FIELDS = frozenset(
    {"callback_query_id", "parse_mode", "secret_token", "text", "url", "caption"}
)
MAX_CAPTION_LENGTH = 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # the Bot API's limit on an uploaded photo
MAX_PHOTO_SIDES = 10_000  # width + height
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    content: bytes


def image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG (its IHDR chunk) or a baseline JPEG (its SOF0 marker)."""
    if content.startswith(PNG_SIGNATURE) and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content.startswith(b"\xff\xd8"):
        at = 2
        while at + 9 < len(content) and content[at] == 0xFF:
            marker, size = content[at + 1], int.from_bytes(content[at + 2 : at + 4], "big")
            if marker in (0xC0, 0xC2):
                height = int.from_bytes(content[at + 5 : at + 7], "big")
                return int.from_bytes(content[at + 7 : at + 9], "big"), height
            at += 2 + size
    return None


# ---------------------------------------------------------------------------------------
# Errors and records
# ---------------------------------------------------------------------------------------


class TelegramAPIError(Exception):
    """Raised by method handlers to answer ``{"ok": false, ...}`` with Telegram's wording."""

    def __init__(
        self, error_code: int, description: str, parameters: JsonDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JsonDict:
        body: JsonDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(message: str) -> TelegramAPIError:
    return TelegramAPIError(HTTPStatus.BAD_REQUEST, f"Bad Request: {message}")


def _forbidden(message: str) -> TelegramAPIError:
    return TelegramAPIError(HTTPStatus.FORBIDDEN, f"Forbidden: {message}")


def _not_modelled(what: str) -> TelegramAPIError:
    """Something Telegram would serve that this fake does not: a clear failure of the fake,
    never an answer Telegram would not give."""
    return TelegramAPIError(HTTPStatus.NOT_IMPLEMENTED, f"not modelled by the fake: {what}")


class EntityParseError(ValueError):
    """A ``parse_mode`` text Telegram would refuse; the message is TDLib's own wording."""


@dataclasses.dataclass
class TelegramCall:
    """One request the fake answered, for assertions.

    ``method`` is the canonical camelCase name (Telegram matches names case-insensitively),
    ``params`` the decoded arguments (``chat_id`` is an int, ``reply_markup`` a dict, ...),
    ``response`` the JSON body sent back and ``status`` its HTTP status.
    """

    method: str
    params: JsonDict
    response: JsonDict
    status: int = HTTPStatus.OK


@dataclasses.dataclass
class _Failure:
    status: int
    description: str
    retry_after: int
    remaining: int


@dataclasses.dataclass
class Hold:
    """Calls of one method wait here until `release()` (a platform that stops answering)."""

    method: str
    released: threading.Event = dataclasses.field(default_factory=threading.Event)
    waiting: int = 0  # calls held right now

    def release(self) -> None:
        self.released.set()


# ---------------------------------------------------------------------------------------
# Entity parsing: a port of TDLib's parse_html (td/telegram/MessageEntity.cpp), on UTF-8
# bytes so that "at byte offset N" in error messages matches the real server.
# ---------------------------------------------------------------------------------------

_NUL, _TAB, _LF, _VT, _CR, _SPACE = 0, 9, 10, 11, 13, 32
_QUOTE, _HASH, _AMP, _APOS = 34, 35, 38, 39
_DASH, _DOT, _SLASH, _SEMI, _LT, _EQ, _GT = 45, 46, 47, 59, 60, 61, 62

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}

# TDLib entity type names (they appear in error messages) -> Bot API MessageEntity types.
_API_ENTITY_TYPES = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "MentionName": "text_mention",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
}
# Entities that carry data and so survive covering whitespace only.
_HIDDEN_DATA_ENTITIES = frozenset({"text_link", "text_mention", "custom_emoji"})


@dataclasses.dataclass
class _Entity:
    kind: str  # a TDLib type name, see _API_ENTITY_TYPES
    offset: int  # UTF-16 code units, like the Bot API
    length: int
    argument: str = ""  # URL, pre language or custom emoji id
    user_id: int | None = None

    def to_api(self) -> JsonDict:
        entity: JsonDict = {
            "type": _API_ENTITY_TYPES[self.kind],
            "offset": self.offset,
            "length": self.length,
        }
        if self.kind == "PreCode":
            entity["language"] = self.argument
        elif self.kind == "TextUrl":
            entity["url"] = self.argument
        elif self.kind == "CustomEmoji":
            entity["custom_emoji_id"] = self.argument
        elif self.kind == "MentionName":
            entity["user"] = {"id": self.user_id, "is_bot": False, "first_name": ""}
        return entity


def _is_space(c: int) -> bool:
    # td::is_space counts NUL as space; NUL is also what reading past the end yields.
    return c in (_SPACE, _TAB, _CR, _LF, _NUL, _VT)


def _is_alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


def _is_hex_digit(c: int) -> bool:
    return _is_digit(c) or 65 <= c <= 70 or 97 <= c <= 102


def _utf16_units(first_byte: int) -> int:
    """UTF-16 length of the character starting with this UTF-8 byte (0 for continuations)."""
    if first_byte & 0xC0 == 0x80:
        return 0
    return 2 if first_byte >= 0xF0 else 1


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _text(raw: bytes | bytearray) -> str:
    return bytes(raw).decode("utf-8", "surrogatepass")


def _encode(code_point: int) -> bytes:
    return chr(code_point).encode("utf-8", "surrogatepass")


class _Bytes:
    """A NUL-terminated view of UTF-8 bytes, like the C string TDLib scans."""

    def __init__(self, text: str) -> None:
        self.raw = text.encode("utf-8", "surrogatepass")
        self.size = len(self.raw)

    def __getitem__(self, pos: int) -> int:
        return self.raw[pos] if pos < self.size else _NUL


def _link_user_id(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d{1,19})", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _checked_link(url: str) -> str:
    """Approximates LinkManager::get_checked_link: the URL to keep, or "" to drop the entity."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme:
        return url if scheme.group(1).lower() in ("http", "https", "tg", "ton", "tonsite") else ""
    return "http://" + url if "." in url.split("/")[0] else ""


def _decode_html_entity(src: _Bytes, pos: int) -> tuple[int, int]:
    """TDLib's decode_html_entity: (code point, position after it), or (0, pos) if none."""
    end = pos + 1
    code = 0
    if src[pos + 1] == _HASH:
        end += 1
        if src[pos + 2] == ord("x"):
            end += 1
            while _is_hex_digit(src[end]):
                code = code * 16 + int(chr(src[end]), 16)
                end += 1
        else:
            while _is_digit(src[end]):
                code = code * 10 + src[end] - 48
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while _is_alpha(src[end]):
            end += 1
        code = _HTML_NAMED_ENTITIES.get(src.raw[pos + 1 : end], 0)
        if code == 0:
            return 0, pos  # &nbsp; &apos; ... are not entities to Telegram
    if src[end] == _SEMI:
        end += 1
    return code, end


@dataclasses.dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output
    begin: int  # byte position in the output


def parse_html(text: str) -> tuple[str, list[JsonDict]]:
    """Parse ``parse_mode="HTML"`` text as Telegram does: (plain text, Bot API entities).

    Raises EntityParseError with TDLib's message (the part after "can't parse entities: ").
    A ``&`` that starts no entity is kept literally, as Telegram keeps it.
    """
    src = _Bytes(text)
    out = bytearray()
    entities: list[_Entity] = []
    stack: list[_OpenTag] = []
    utf16 = 0
    need_recheck_utf8 = False
    i = 0
    while i < src.size:
        c = src[i]
        if c == _AMP:
            code, end = _decode_html_entity(src, i)
            if code:
                utf16 += 2 if code > 0xFFFF else 1
                need_recheck_utf8 = need_recheck_utf8 or 0xD800 <= code <= 0xDFFF
                out += _encode(code)
                i = end
                continue
        if c != _LT:
            utf16 += _utf16_units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        i += 1
        if src[i] != _SLASH:
            # A start tag.
            while not _is_space(src[i]) and src[i] != _GT:
                i += 1
            if src[i] == _NUL:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = _text(src.raw[begin + 1 : i].lower())
            if tag not in _HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while src[i] != _GT:
                while src[i] != _NUL and _is_space(src[i]):
                    i += 1
                if src[i] == _GT:
                    break
                name_begin = i
                while not _is_space(src[i]) and src[i] not in (_EQ, _GT, _SLASH, _QUOTE, _APOS):
                    i += 1
                name = src.raw[name_begin:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while src[i] != _NUL and _is_space(src[i]):
                    i += 1
                if src[i] != _EQ:
                    if src[i] == _NUL:
                        raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                    if tag == "blockquote" and name == b"expandable":
                        argument = "1"
                    continue  # an attribute without a value
                i += 1
                while src[i] != _NUL and _is_space(src[i]):
                    i += 1
                if src[i] == _NUL:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if src[i] not in (_APOS, _QUOTE):
                    # A name token: letters, digits, periods and hyphens, case-insensitive.
                    token_begin = i
                    while _is_alpha(src[i]) or _is_digit(src[i]) or src[i] in (_DOT, _DASH):
                        i += 1
                    value = _text(src.raw[token_begin:i].lower())
                    if not _is_space(src[i]) and src[i] != _GT:
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = src[i]
                    i += 1
                    raw_value = bytearray()
                    while src[i] != quote and src[i] != _NUL:
                        if src[i] == _AMP:
                            code, end = _decode_html_entity(src, i)
                            if code:
                                raw_value += _encode(code)
                                i = end
                                continue
                        raw_value.append(src[i])
                        i += 1
                    if src[i] == quote:
                        i += 1
                    value = _text(raw_value)
                if src[i] == _NUL:
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == b"href":
                    argument = value
                elif tag == "code" and name == b"class" and value.startswith("language-"):
                    argument = value.removeprefix("language-")
                elif tag == "span" and name == b"class" and value.startswith("tg-"):
                    argument = value.removeprefix("tg-")
                elif tag == "tg-emoji" and name == b"emoji-id":
                    argument = value
                elif tag == "blockquote" and name == b"expandable":
                    argument = "1"
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # past ">"
            continue

        # An end tag.
        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while not _is_space(src[i]) and src[i] != _GT:
            i += 1
        end_tag = _text(src.raw[begin + 2 : i].lower())
        while _is_space(src[i]) and src[i] != _NUL:
            i += 1
        if src[i] != _GT:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        open_tag = stack[-1]
        if end_tag and end_tag != open_tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_tag}>"'
            )
        if utf16 > open_tag.offset:
            _close_html_entity(open_tag, utf16, out, entities)
        stack.pop()
        i += 1  # past ">"

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        if entity.kind == "Code":
            entity.argument = ""
    try:
        plain = bytes(out).decode("utf-8")
    except UnicodeDecodeError:
        if not need_recheck_utf8:
            raise
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    return plain, [entity.to_api() for entity in _sorted(entities)]


def _close_html_entity(tag: _OpenTag, utf16: int, out: bytearray, entities: list[_Entity]) -> None:
    offset, length, name = tag.offset, utf16 - tag.offset, tag.name
    simple = {
        "i": "Italic",
        "em": "Italic",
        "b": "Bold",
        "strong": "Bold",
        "s": "Strikethrough",
        "strike": "Strikethrough",
        "del": "Strikethrough",
        "u": "Underline",
        "ins": "Underline",
        "tg-spoiler": "Spoiler",
        "span": "Spoiler",
    }
    last = entities[-1] if entities else None
    same_span = last is not None and last.offset == offset and last.length == length
    if name in simple:
        entities.append(_Entity(simple[name], offset, length))
    elif name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        entities.append(_Entity("CustomEmoji", offset, length, tag.argument))
    elif name == "a":
        url = tag.argument or _text(out[tag.begin :])
        user_id = _link_user_id(url)
        if user_id is not None:
            entities.append(_Entity("MentionName", offset, length, user_id=user_id))
        elif checked := _checked_link(url):
            entities.append(_Entity("TextUrl", offset, length, checked))
    elif name == "pre":
        if last is not None and same_span and last.kind == "Code" and last.argument:
            last.kind = "PreCode"
        else:
            entities.append(_Entity("Pre", offset, length))
    elif name == "code":
        if last is not None and same_span and last.kind == "Pre" and tag.argument:
            last.kind = "PreCode"
            last.argument = tag.argument
        else:
            entities.append(_Entity("Code", offset, length, tag.argument))
    elif name == "blockquote":
        kind = "ExpandableBlockQuote" if tag.argument else "BlockQuote"
        entities.append(_Entity(kind, offset, length))


def _sorted(entities: list[_Entity]) -> list[_Entity]:
    return sorted(entities, key=lambda entity: (entity.offset, -entity.length))


def parse_entities(text: str, parse_mode: str | None) -> tuple[str, list[JsonDict]]:
    """What Telegram shows for ``text`` sent with ``parse_mode``: (plain text, entities).

    Raises TelegramAPIError with the Bot API's 400 description on a parse failure (the
    server's Client::get_formatted_text), so tests can check formatting without a server.
    """
    mode = (parse_mode or "").lower()
    if not text or mode in ("", "none"):
        return text, []
    if mode in ("markdown", "markdownv2"):
        raise _not_modelled(f"parse_mode {parse_mode} (hirebot sends HTML)")
    if mode != "html":
        raise _bad_request("unsupported parse_mode")
    try:
        return parse_html(text)
    except EntityParseError as error:
        raise _bad_request(f"can't parse entities: {error}") from None


def _fix_formatted_text(text: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
    """The clean-up TDLib's fix_formatted_text does before a text is sent.

    Control characters become spaces, entities lose leading whitespace (and vanish if they
    cover only whitespace, unless they carry data like a URL), and the text is trimmed of
    spaces and newlines.  Not modelled: the removal of "\\r" and of a few invisible marks.
    """
    text = "".join(" " if ord(ch) < 32 and ch not in "\n\r" else ch for ch in text)
    units = text.encode("utf-16-le", "surrogatepass")

    def unit(pos: int) -> int:
        return int.from_bytes(units[2 * pos : 2 * pos + 2], "little")

    size = len(units) // 2
    blank = (0x20, 0x0A)
    kept: list[JsonDict] = []
    for entity in entities:
        offset, length = entity["offset"], entity["length"]
        if entity["type"] not in _HIDDEN_DATA_ENTITIES:
            while length > 0 and unit(offset) in blank:
                offset += 1
                length -= 1
        if length > 0:
            kept.append({**entity, "offset": offset, "length": length})

    end = size
    while end > 0 and unit(end - 1) in blank:
        end -= 1
    first_entity = min((entity["offset"] for entity in kept), default=end)
    start = 0
    while start < min(first_entity, end) and unit(start) in blank:
        start += 1
    fixed: list[JsonDict] = []
    for entity in kept:
        entity_end = min(entity["offset"] + entity["length"], end)
        if entity_end > entity["offset"]:
            fixed.append(
                {
                    **entity,
                    "offset": entity["offset"] - start,
                    "length": entity_end - entity["offset"],
                }
            )
    trimmed = units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")
    return trimmed, fixed


# ---------------------------------------------------------------------------------------
# Update builders
# ---------------------------------------------------------------------------------------

_BOT_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


def _chat(chat_id: int, chat_type: str, first_name: str, username: str | None) -> JsonDict:
    chat: JsonDict = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat["first_name"] = first_name
        if username:
            chat["username"] = username
    else:
        chat["title"] = "Test Group" if chat_type in ("group", "supergroup") else "Test Channel"
    return chat


def message_update(
    update_id: int,
    *,
    from_id: int,
    chat_id: int,
    text: str,
    chat_type: str = "private",
    first_name: str = "Test",
    username: str | None = None,
    message_id: int | None = None,
) -> JsonDict:
    """An Update carrying a text message from a user, as Telegram would deliver it.

    A leading "/command" gets a ``bot_command`` entity, which is what PTB's
    CommandHandler looks for.  ``message_id`` defaults to ``update_id``.
    """
    user: JsonDict = {"id": from_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    message: JsonDict = {
        "message_id": update_id if message_id is None else message_id,
        "from": user,
        "chat": _chat(chat_id, chat_type, first_name, username),
        "date": int(time.time()),
        "text": text,
    }
    command = _BOT_COMMAND.match(text)
    if command and (command.end() == len(text) or not text[command.end()].isalnum()):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}
        ]
    return {"update_id": update_id, "message": message}


def callback_update(
    update_id: int,
    *,
    from_id: int,
    chat_id: int,
    message_id: int,
    data: str,
    message_text: str = "",
    chat_type: str = "group",
    first_name: str = "Test",
    username: str | None = None,
    query_id: str | None = None,
    bot_id: int = 123456,
    bot_username: str = "hirebot_test_bot",
) -> JsonDict:
    """An Update for a press on an inline button of the bot's message ``message_id``.

    The query id is numeric, like Telegram's; pass ``query_id`` to choose it.
    """
    user: JsonDict = {"id": from_id, "is_bot": False, "first_name": first_name}
    if username:
        user["username"] = username
    message: JsonDict = {
        "message_id": message_id,
        "from": {"id": bot_id, "is_bot": True, "first_name": "Hirebot", "username": bot_username},
        "chat": _chat(chat_id, chat_type, first_name, username),
        "date": int(time.time()),
    }
    if message_text:
        message["text"] = message_text
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id if query_id is not None else str(4_000_000_000_000_000 + update_id),
            "from": user,
            "message": message,
            "chat_instance": str(-abs(chat_id) * 7 - 1),
            "data": data,
        },
    }


# ---------------------------------------------------------------------------------------
# The fake server
# ---------------------------------------------------------------------------------------


class FakeTelegramAPI:
    """An in-process Telegram Bot API on 127.0.0.1, for the real python-telegram-bot client.

    All state is public for assertions and set-up; it is guarded by an internal lock, so
    read it from the test thread after the client calls returned (or use ``wait_for``).

    ``messages[chat_id][message_id]`` keeps each message the bot sent:
    ``text``, ``parse_mode`` and ``reply_markup`` as the bot sent them (edits replace
    them), ``plain_text`` and ``parsed_entities`` as Telegram shows them, plus
    ``message_id``, ``chat``, ``date`` and ``edit_date`` (None until edited).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        username: str = "hirebot_test_bot",
        *,
        first_name: str = "Hirebot",
        max_long_poll: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self.max_long_poll = max_long_poll
        self.calls: list[TelegramCall] = []
        # chat id -> message id -> the bot's message (keys: see the class docstring)
        self.messages: dict[int, dict[int, JsonDict]] = {}
        # sendMessage & co. to these answer 403 (each set models one real refusal)
        self.blocked_chats: set[int] = set()  # user never pressed Start
        self.user_blocked_chats: set[int] = set()  # user blocked the bot
        self.kicked_chats: set[int] = set()  # bot removed from the group
        self.webhook: JsonDict = {}  # params of the last setWebhook; {} when none
        self.commands: list[JsonDict] = []  # from the last setMyCommands
        self._updates: deque[JsonDict] = deque()
        self._next_message_id: dict[int, int] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self.limits = RateLimits()
        self._send_limits: dict[str, Limit] = {}
        self._changed = threading.Condition()  # guards all state; notified on each change
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._holds: dict[str, Hold] = {}
        self._handlers: dict[str, tuple[str, Handler]] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("sendMessage", self._send_message),
            ("sendPhoto", self._send_photo),
            ("editMessageText", self._edit_message_text),
            ("answerCallbackQuery", self._answer_callback_query),
            ("setMyCommands", self._set_my_commands),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getUpdates", self._get_updates),
        ):
            self._handlers[name.lower()] = (name, handler)

    # Lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeTelegramAPI:
        """Listen on an ephemeral loopback port in a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="fake-telegram-api",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop kept-alive connections so their threads end too."""
        if self._server is None:
            return
        server, self._server = self._server, None
        with self._changed:
            self._changed.notify_all()  # wake long polls
            for held in self._holds.values():  # and calls kept waiting
                held.release()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTelegramAPI is not started; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``; PTB appends the token and method."""
        return self.root_url + "bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (file downloads answer 404)."""
        return self.root_url + "file/bot"

    @property
    def bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    # Test controls -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[TelegramCall]:
        """Calls of ``method`` (any letter case, as Telegram matches names)."""
        with self._changed:
            return self._matching(method)

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[TelegramCall]:
        """Block until ``method`` was called ``count`` times (for work done by a running app)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(matching := self._matching(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{method} called {len(matching)} times, wanted {count}")
                self._changed.wait(remaining)
            return matching

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with an error instead of running it.

        429 answers Telegram's flood-control body, ``"parameters": {"retry_after": N}``
        included (PTB raises RetryAfter only when N > 0); other statuses answer
        ``error_code`` = ``status`` with ``description`` or a Telegram-like default.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if description is None:
            description = _default_description(status, retry_after)
        with self._changed:
            self._failures.setdefault(method.lower(), deque()).append(
                _Failure(status, description, retry_after, times)
            )

    def hold(self, method: str) -> Hold:
        """Keep every call of ``method`` waiting, unanswered, until the hold is released; the
        call then runs as usual (for a client that is killed while it waits)."""
        held = Hold(method)
        with self._changed:
            self._holds[method.lower()] = held
        return held

    def push_update(self, update: JsonDict) -> None:
        """Queue an Update for getUpdates; the caller chooses its ``update_id``."""
        if not isinstance(update.get("update_id"), int):
            raise ValueError("an Update needs an int update_id")
        with self._changed:
            self._updates.append(copy.deepcopy(update))
            self._changed.notify_all()

    @property
    def pending_updates(self) -> list[JsonDict]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._changed:
            return copy.deepcopy(list(self._updates))

    # Request dispatch --------------------------------------------------------------

    def _matching(self, method: str) -> list[TelegramCall]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def _api_request(
        self, token: str, method: str, params: JsonDict, body_error: TelegramAPIError | None
    ) -> tuple[int, JsonDict]:
        with self._changed:
            held = self._holds.get(method.lower())
            if held is not None and held.released.is_set():
                held = None
            if held is not None:
                held.waiting += 1
                self._changed.notify_all()
        if held is not None:
            held.released.wait()
            with self._changed:
                held.waiting -= 1
        with self._changed:
            canonical, handler = self._handlers.get(method.lower(), (method, None))
            try:
                if token != self.token:
                    raise TelegramAPIError(HTTPStatus.UNAUTHORIZED, "Unauthorized")
                if handler is None:
                    raise TelegramAPIError(HTTPStatus.NOT_FOUND, "Not Found")
                if body_error is not None:
                    raise body_error
                self._take_failure(method)
                self._within_limits(method, params)
                status, body = int(HTTPStatus.OK), {"ok": True, "result": handler(params)}
            except TelegramAPIError as error:
                status, body = error.error_code, error.payload()
            self.calls.append(TelegramCall(canonical, params, body, status))
            self._changed.notify_all()
            return status, body

    def enforce_limits(
        self,
        *,
        overall: Limit | None = None,
        per_chat: Limit | None = None,
        per_group: Limit | None = None,
        now: Callable[[], float] | None = None,
    ) -> RateLimits:
        """From now on, refuse sends (sendMessage, sendPhoto) over these limits with 429 and
        `retry_after`, as Telegram's flood control does; returns the record of accepted sends.
        `per_group` is for chats with negative ids (groups), in place of `per_chat`."""
        with self._changed:
            named = {"overall": overall, "per chat": per_chat, "per group": per_group}
            self._send_limits = {name: limit for name, limit in named.items() if limit}
            self.limits = RateLimits(now=now) if now is not None else RateLimits()
            return self.limits

    def _within_limits(self, method: str, params: JsonDict) -> None:
        if method.lower() not in SENDS or not self._send_limits:
            return
        chat = str(params.get("chat_id") or "")
        local = "per group" if chat.startswith("-") else "per chat"
        wanted = [
            (name, "" if name == "overall" else chat, self._send_limits[name])
            for name in ("overall", local)
            if name in self._send_limits
        ]
        wait = self.limits.take(chat, wanted)
        if wait > 0:
            seconds = retry_after(wait)
            raise TelegramAPIError(
                HTTPStatus.TOO_MANY_REQUESTS,
                _default_description(HTTPStatus.TOO_MANY_REQUESTS, seconds),
                {"retry_after": seconds},
            )

    def _take_failure(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining == 0:
            queue.popleft()
        parameters = None
        if failure.status == HTTPStatus.TOO_MANY_REQUESTS:
            parameters = {"retry_after": failure.retry_after}
        raise TelegramAPIError(failure.status, failure.description, parameters)

    # Argument helpers ----------------------------------------------------------------

    def _chat_id(self, params: JsonDict) -> int:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad_request("chat_id is empty")
        try:
            chat_id = int(value)
        except (TypeError, ValueError):
            raise _bad_request("chat not found") from None  # "@channel" names are not modelled
        if chat_id == 0:
            raise _bad_request("chat not found")
        if chat_id in self.kicked_chats:
            raise _forbidden("bot was kicked from the group chat")
        if chat_id in self.user_blocked_chats:
            raise _forbidden("bot was blocked by the user")
        if chat_id in self.blocked_chats:
            raise _forbidden("bot can't initiate conversation with a user")
        return chat_id

    @staticmethod
    def _int(params: JsonDict, name: str, default: int = 0) -> int:
        """An integer argument read as the server reads one (td::to_integer): a value that
        is not a number counts as 0."""
        value = params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    @staticmethod
    def _chat_object(chat_id: int) -> JsonDict:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        if chat_id <= -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": "Test Supergroup"}
        return {"id": chat_id, "type": "group", "title": "Test Group"}

    @staticmethod
    def _formatted(params: JsonDict) -> tuple[str, list[JsonDict]]:
        """Check ``text``/``parse_mode`` like the Bot API; the text as Telegram shows it."""
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        if not isinstance(text, str):
            text = json.dumps(text)  # a JSON body may carry a number; Telegram reads a string
        plain, entities = parse_entities(text, params.get("parse_mode"))
        plain, entities = _fix_formatted_text(plain, entities)
        if not plain:
            raise _bad_request("message must be non-empty")
        return plain, entities

    @staticmethod
    def _reply_markup(params: JsonDict) -> JsonDict | None:
        """``reply_markup`` with the Bot API server's checks (Client::get_reply_markup) of an
        inline keyboard; a ForceReply has nothing to check."""
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                raise _bad_request("can't parse reply keyboard markup JSON object") from None
        if not isinstance(markup, dict):
            raise _bad_request("object expected as reply markup")
        rows = markup.get("inline_keyboard")
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, list):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
                )
            for button in row:
                _check_inline_button(button)
        return markup

    @staticmethod
    def _check_limits(plain: str, markup: JsonDict | None) -> None:
        """What Telegram's servers refuse after the Bot API accepted the request: text over
        4,096 characters (TDLib), and the MTProto errors of a keyboard over 100 buttons
        (REPLY_MARKUP_TOO_LONG, worded by the Bot API) or over 64 bytes of callback data."""
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        if markup is None or not isinstance(markup.get("inline_keyboard"), list):
            return
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        if len(buttons) > MAX_INLINE_BUTTONS:
            raise _bad_request("reply markup is too long")
        for button in buttons:
            data = button.get("callback_data")
            if isinstance(data, str) and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")

    def _find_message(self, params: JsonDict) -> JsonDict:
        """The message an edit names, in Client::process_edit_message_text_query's order:
        no chat and no message id means an inline message (not modelled) or none at all."""
        message_id = max(self._int(params, "message_id"), 0)
        if params.get("chat_id") in (None, "") and not message_id:
            if params.get("inline_message_id") not in (None, ""):
                raise _not_modelled("inline messages")
            raise _bad_request("message identifier is not specified")
        chat_id = self._chat_id(params)
        if not message_id:
            raise _bad_request("message identifier is not specified")
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad_request("message to edit not found")
        return message

    @staticmethod
    def _markup_key(markup: JsonDict | None) -> str:
        """Inline keyboards as Telegram compares them; an empty one is no keyboard."""
        if not markup or not markup.get("inline_keyboard"):
            return ""
        return json.dumps(markup["inline_keyboard"], sort_keys=True)

    def _message_result(self, record: JsonDict) -> JsonDict:
        """The Message object Telegram answers for a stored message."""
        message: JsonDict = {
            "message_id": record["message_id"],
            "from": self.bot_user,
            "chat": record["chat"],
            "date": record["date"],
            "text": record["plain_text"],
        }
        if record["edit_date"] is not None:
            message["edit_date"] = record["edit_date"]
        if record["parsed_entities"]:
            message["entities"] = copy.deepcopy(record["parsed_entities"])
        if self._markup_key(record["reply_markup"]):
            # Only inline keyboards are echoed; a ForceReply lives on the client.
            message["reply_markup"] = {
                "inline_keyboard": copy.deepcopy(record["reply_markup"]["inline_keyboard"])
            }
        return message

    # Methods ---------------------------------------------------------------------------

    def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, params: JsonDict) -> JsonDict:
        # The Bot API's own order: text, then markup, then the chat, then server limits.
        plain, entities = self._formatted(params)
        markup = self._reply_markup(params)
        chat_id = self._chat_id(params)
        self._check_limits(plain, markup)
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        record: JsonDict = {
            "message_id": message_id,
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
            "edit_date": None,
            # as the bot sent them:
            "text": params["text"],
            "parse_mode": params.get("parse_mode"),
            "reply_markup": markup,
            # as Telegram shows them:
            "plain_text": plain,
            "parsed_entities": entities,
        }
        self.messages.setdefault(chat_id, {})[message_id] = record
        return self._message_result(record)

    def _send_photo(self, params: JsonDict) -> JsonDict:
        """A photo uploaded with the request, with an optional caption (parsed like text)."""
        photo = params.get("photo")
        if photo is None or photo == "":
            raise _bad_request("there is no photo in the request")
        if not isinstance(photo, Upload):
            raise _not_modelled("a photo sent by file id or URL")
        caption = params.get("caption")
        plain, entities = "", list[JsonDict]()
        if caption not in (None, ""):
            plain, entities = parse_entities(str(caption), params.get("parse_mode"))
            plain, entities = _fix_formatted_text(plain, entities)
        chat_id = self._chat_id(params)
        if len(plain) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        if len(photo.content) > MAX_PHOTO_BYTES:
            raise _bad_request("file is too big")
        size = image_size(photo.content)
        if size is None:
            raise _bad_request("IMAGE_PROCESS_FAILED")
        if sum(size) > MAX_PHOTO_SIDES or 0 in size:
            raise _bad_request("PHOTO_INVALID_DIMENSIONS")
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        record: JsonDict = {
            "message_id": message_id,
            "chat": self._chat_object(chat_id),
            "date": int(time.time()),
            "edit_date": None,
            "text": None,
            "parse_mode": params.get("parse_mode"),
            "reply_markup": None,
            "plain_text": "",
            "parsed_entities": [],
            "photo": photo,
            "photo_size": size,
            "caption": plain,
            "caption_entities": entities,
        }
        self.messages.setdefault(chat_id, {})[message_id] = record
        file_id = f"AgAC{chat_id}_{message_id}"
        result: JsonDict = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": record["chat"],
            "date": record["date"],
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": f"AQAD{message_id}",
                    "width": size[0],
                    "height": size[1],
                    "file_size": len(photo.content),
                }
            ],
        }
        if plain:
            result["caption"] = plain
        if entities:
            result["caption_entities"] = copy.deepcopy(entities)
        return result

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        plain, entities = self._formatted(params)
        markup = self._reply_markup(params)
        record = self._find_message(params)
        self._check_limits(plain, markup)
        # No reply_markup in an edit removes the keyboard, as on Telegram.
        unchanged = (
            plain == record["plain_text"]
            and entities == record["parsed_entities"]
            and self._markup_key(markup) == self._markup_key(record["reply_markup"])
        )
        if unchanged:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        record.update(
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            plain_text=plain,
            parsed_entities=entities,
            edit_date=int(time.time()),
        )
        return self._message_result(record)

    def _answer_callback_query(self, params: JsonDict) -> bool:
        # The server reads the id as a number (td::to_integer); anything else is id 0, which
        # Telegram answers QUERY_ID_INVALID, worded by the Bot API as below.
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or not query_id.isdigit() or int(query_id) == 0:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    def _set_my_commands(self, params: JsonDict) -> bool:
        """The Bot API server parses the list (Client::get_bot_commands), TDLib trims and
        measures each command (td/telegram/BotCommand.cpp), Telegram checks its letters."""
        commands = params.get("commands")
        if isinstance(commands, str):
            raise _bad_request("can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad_request("expected an Array of BotCommand")
        kept: list[JsonDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand: expected an Object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not isinstance(description, str):
                raise _bad_request(
                    "can't parse BotCommand: command and description must be strings"
                )
            name, description = name.strip().removeprefix("/"), description.strip()
            if not name:
                raise _bad_request("command must be non-empty")
            if len(name) > MAX_COMMAND_LENGTH:
                raise _bad_request(f"command length must not exceed {MAX_COMMAND_LENGTH}")
            if not description:
                raise _bad_request("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION_LENGTH:
                raise _bad_request(
                    f"command description length must not exceed {MAX_COMMAND_DESCRIPTION_LENGTH}"
                )
            if not re.fullmatch(r"[a-z0-9_]+", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            kept.append({"command": name, "description": description})
        self.commands = kept
        return True

    def _set_webhook(self, params: JsonDict) -> bool:
        """Client::process_set_webhook_query and do_set_webhook, then WebhookActor's checks
        of the URL (answered as "bad webhook: ..."). A missing url deletes the webhook."""
        url = params.get("url")
        url = url if isinstance(url, str) else ""
        if url:
            parts = urlsplit(url if "://" in url else "https://" + url)
            try:
                port = parts.port
            except ValueError:
                port = -1
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname or port == -1:
                raise _bad_request("invalid webhook URL specified")
            secret = params.get("secret_token")
            secret = secret if isinstance(secret, str) else ""
            if len(secret) > MAX_SECRET_TOKEN_LENGTH:
                raise _bad_request("secret token is too long")
            if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
                raise _bad_request("secret token contains unallowed characters")
            if parts.scheme.lower() != "https":
                raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            if (port or 443) not in WEBHOOK_PORTS:
                raise _bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        return self._delete_webhook(params, keep=dict(params) if url else {})

    def _delete_webhook(self, params: JsonDict, keep: JsonDict | None = None) -> bool:
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self.webhook = keep or {}
        return True

    def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook.get("url"):
            raise TelegramAPIError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = self._int(params, "offset")
        limit = min(max(self._int(params, "limit", 100), 1), 100)  # clamped, not refused
        timeout = max(self._int(params, "timeout"), 0)
        allowed = params.get("allowed_updates")
        self._confirm_updates(offset, allowed)
        deadline = time.monotonic() + min(timeout, self.max_long_poll)
        while not self._updates and self._server is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._changed.wait(remaining)
            self._confirm_updates(offset, allowed)
        return copy.deepcopy(list(self._updates)[:limit])

    def _confirm_updates(self, offset: int, allowed: Any) -> None:
        """Drop updates the offset confirms, and those ``allowed_updates`` excludes."""
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        if isinstance(allowed, list) and allowed:
            kept = [
                update
                for update in self._updates
                if any(key in allowed for key in update if key != "update_id")
            ]
            self._updates = deque(kept)


def _check_inline_button(button: Any) -> None:
    """Client::get_inline_keyboard_button: a text, and one field that makes the button do
    something (the first present wins; an empty url or callback_data counts as absent)."""
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _bad_request(prefix + "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _bad_request(prefix + 'Can\'t find field "text"')
    if not isinstance(button["text"], str | int | float) or isinstance(button["text"], bool):
        raise _bad_request(prefix + 'Field "text" must be of type String')
    if not any(button.get(name) not in ("", None) for name in INLINE_BUTTON_ACTIONS):
        raise _bad_request(prefix + "Text buttons are unallowed in the inline keyboard")


def _default_description(status: int, retry_after: int) -> str:
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return f"Too Many Requests: retry after {retry_after}"
    prefixes = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        409: "Conflict",
    }
    if status in (401, 404):
        return prefixes[status]
    if status in prefixes:
        return f"{prefixes[status]}: injected failure"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


# ---------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------

_API_PATH = re.compile(r"/bot([^/]*)/([^/]*)")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTelegramAPI

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def close_connections(self) -> None:
        """Unblock handler threads waiting on kept-alive connections."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _decode_value(name: str, value: str) -> Any:
    """Undo PTB's JSON encoding of non-string arguments (see RAW_STRING_FIELDS)."""
    if name in RAW_STRING_FIELDS:
        return value
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        return value


def _reject_constant(constant: str) -> Any:
    raise ValueError(constant)  # NaN/Infinity are strings to Telegram


def _decode_multipart(content_type: str, raw: bytes) -> JsonDict:
    """A multipart/form-data body (PTB's uploads): fields decoded as in the url-encoded form,
    file parts as `Upload`s; an `attach://name` value is the part of that name."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    params: JsonDict = {}
    parts: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            parts[name] = Upload(filename, part.get_content_type(), content)
            params[name] = parts[name]
        else:
            params[name] = _decode_value(name, content.decode("utf-8", "replace"))
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = parts.get(value.removeprefix("attach://"), value)
    return params


def _decode_params(content_type: str, raw: bytes) -> tuple[JsonDict, TelegramAPIError | None]:
    """The url-encoded form PTB sends, or its multipart upload of a file; the params and,
    for any other body, the error saying it is not modelled."""
    media_type = content_type.split(";")[0].strip().lower()
    if raw.strip() and media_type == "multipart/form-data":
        return _decode_multipart(content_type, raw), None
    if raw.strip() and media_type != "application/x-www-form-urlencoded":
        return {}, _not_modelled(f"a {media_type or 'untyped'} request body")
    fields = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: _decode_value(name, value) for name, value in fields}, None


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        match = _API_PATH.fullmatch(url.path)
        if match is None:
            # Unknown paths, including file downloads, answer like Telegram's 404.
            body: JsonDict = {"ok": False, "error_code": 404, "description": "Not Found"}
            self._send(HTTPStatus.NOT_FOUND, body)
            return
        params, body_error = _decode_params(self.headers.get("Content-Type", ""), raw)
        status, body = self.server.fake._api_request(
            match.group(1), match.group(2), params, body_error
        )
        self._send(status, body)

    def _send(self, status: int, body: JsonDict) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up, e.g. PTB cancelling a long poll on Updater.stop().
            self.close_connection = True

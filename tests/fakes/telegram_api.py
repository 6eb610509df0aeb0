"""A local fake of the Telegram Bot API for tests.

The real python-telegram-bot client talks to it over loopback HTTP, so tests exercise
PTB's own request encoding, response parsing and error mapping (``BadRequest``,
``Forbidden``, ``RetryAfter``, ...) instead of a mock of them.  Validation follows the
real server: the HTML and MarkdownV2 parsers below are ports of TDLib's ``parse_html``
and ``parse_markdown_v2`` (the code behind the Bot API), with the same error texts and
byte offsets, so a message that passes here is unlikely to bounce in production.

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

Deliberate differences from Telegram (each one documented where it is implemented):

* HTML: a bare ``&`` that starts no entity is rejected (``strict_ampersand=True``);
  Telegram keeps it literally, but it nearly always means user input went out unescaped.
* An inline button with two action fields is rejected; Telegram silently uses the first.
* ``getUpdates`` long polls for at most ``max_long_poll`` seconds (1 s by default).
* Message length is counted in code points, as PTB's ``MessageLimit`` documents.

Not modelled: files, inline messages, replies to missing messages, chats by @username,
and the entities Telegram detects by itself (URLs, @mentions, #hashtags) in answers.
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

__all__ = [
    "EntityParseError",
    "FakeTelegramAPI",
    "Hold",
    "TelegramAPIError",
    "TelegramCall",
    "UploadedFile",
    "callback_update",
    "message_update",
    "parse_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
]

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], Any]

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_SECRET_TOKEN_LENGTH = 256
WEBHOOK_PORTS = (80, 88, 443, 8443)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Exactly one of these makes an inline button do something (Bot API "InlineKeyboardButton").
INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

# PTB sends every argument as a form field and JSON-encodes the ones that are not strings
# (telegram.request.RequestParameter.json_value). These are strings in the Bot API, so they
# stay as sent even when they look like JSON ("123", "true"); every other field is decoded.
RAW_STRING_FIELDS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "custom_emoji_id",
        "data",
        "description",
        "emoji",
        "first_name",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "phone_number",
        "query",
        "secret_token",
        "short_description",
        "text",
        "title",
        "url",
    }
)


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


@dataclasses.dataclass(frozen=True)
class UploadedFile:
    """A multipart file field (PTB uploads ``InputFile`` arguments this way)."""

    filename: str | None
    content_type: str
    data: bytes


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
# Entity parsing: ports of TDLib's parsers (td/telegram/MessageEntity.cpp), on UTF-8 bytes
# so that "at byte offset N" in error messages matches the real server.
# ---------------------------------------------------------------------------------------

_NUL, _TAB, _LF, _VT, _CR, _SPACE = 0, 9, 10, 11, 13, 32
_QUOTE, _HASH, _AMP, _APOS, _LPAREN, _RPAREN = 34, 35, 38, 39, 40, 41
_STAR, _DASH, _DOT, _SLASH, _SEMI, _LT, _EQ, _GT = 42, 45, 46, 47, 59, 60, 61, 62
_LBRACKET, _BACKSLASH, _RBRACKET, _UNDERSCORE, _BACKTICK = 91, 92, 93, 95, 96
_PIPE, _TILDE, _BANG = 124, 126, 33

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
_MARKDOWN_V2_RESERVED = b"_*[]()~`>#+-=|{}.!\n"

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


def _custom_emoji_id(url: str) -> str:
    match = re.fullmatch(r"tg://emoji\?id=(\d{1,19})", url.strip())
    if not match or int(match.group(1)) == 0:
        raise EntityParseError("Custom emoji URL must have an emoji identifier")
    return match.group(1)


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


def _bare_ampersand(pos: int) -> EntityParseError:
    return EntityParseError(
        f'Unescaped "&" at byte offset {pos}; write it as "&amp;" (this fake is stricter '
        "than Telegram, which would keep it literally)"
    )


@dataclasses.dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output
    begin: int  # byte position in the output


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JsonDict]]:
    """Parse ``parse_mode="HTML"`` text as Telegram does: (plain text, Bot API entities).

    Raises EntityParseError with TDLib's message (the part after "can't parse entities: ").
    With ``strict_ampersand`` a bare ``&`` is an error too (see the module docstring).
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
            if strict_ampersand:
                raise _bare_ampersand(i)
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
                            if strict_ampersand:
                                raise _bare_ampersand(i)
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


@dataclasses.dataclass
class _OpenMarkdown:
    kind: str
    argument: str
    offset: int  # UTF-16 offset in the output
    byte_offset: int  # in the input, for error messages
    begin: int  # byte position in the output


def _reserved(char: int) -> EntityParseError:
    return EntityParseError(
        f"Character '{chr(char)}' is reserved and must be escaped with the preceding '\\'"
    )


def _is_end_of_markdown_entity(src: _Bytes, i: int, top: str) -> bool:
    c = src[i]
    return {
        "Bold": c == _STAR,
        "Italic": c == _UNDERSCORE and src[i + 1] != _UNDERSCORE,
        "Code": c == _BACKTICK,
        "Pre": c == _BACKTICK and src[i + 1] == _BACKTICK and src[i + 2] == _BACKTICK,
        "PreCode": c == _BACKTICK and src[i + 1] == _BACKTICK and src[i + 2] == _BACKTICK,
        "TextUrl": c == _RBRACKET,
        "Underline": c == _UNDERSCORE and src[i + 1] == _UNDERSCORE,
        "Strikethrough": c == _TILDE,
        "Spoiler": c == _PIPE and src[i + 1] == _PIPE,
        "CustomEmoji": c == _RBRACKET,
        "BlockQuote": False,
    }[top]


def _markdown_url(src: _Bytes, i: int) -> tuple[str, int, int]:
    """Read "(url)" starting at the "(" at i: (url, position of ")", start of the URL)."""
    i += 1
    url_begin = i
    url = bytearray()
    while i < src.size and src[i] != _RPAREN:
        if src[i] == _BACKSLASH and 0 < src[i + 1] <= 126:
            url.append(src[i + 1])
            i += 2
            continue
        url.append(src[i])
        i += 1
    return _text(url), i, url_begin


def parse_markdown_v2(text: str) -> tuple[str, list[JsonDict]]:
    """Parse ``parse_mode="MarkdownV2"`` text as Telegram does: (plain text, entities).

    A port of TDLib's parse_markdown_v2, including blockquotes and the ``**>...||``
    expandable form; raises EntityParseError with TDLib's message.
    """
    src = _Bytes(text)
    out = bytearray()
    entities: list[_Entity] = []
    stack: list[_OpenMarkdown] = []
    utf16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < src.size:
        c = src[i]
        if c == _BACKSLASH and 0 < src[i + 1] <= 126:
            i += 1
            utf16 += 1
            out.append(src[i])
            if src[i] != _CR:
                can_start_blockquote = src[i] == _LF
            i += 1
            continue

        in_code = bool(stack) and stack[-1].kind in ("Code", "Pre", "PreCode")
        reserved = b"`" if in_code else _MARKDOWN_V2_RESERVED
        if c not in reserved:
            units = _utf16_units(c)
            if units:
                utf16 += units
                if c != _CR:
                    can_start_blockquote = False
            out.append(c)
            i += 1
            continue

        is_end = False
        if stack:
            if have_blockquote and c == _LF and (i + 1 == src.size or src[i + 1] != _GT):
                is_end = True
            else:
                is_end = _is_end_of_markdown_entity(src, i, stack[-1].kind)

        if not is_end:
            byte_offset = i
            argument = ""
            kind: str | None
            if c == _UNDERSCORE:
                if src[i + 1] == _UNDERSCORE:
                    kind = "Underline"
                    i += 1
                else:
                    kind = "Italic"
            elif c == _STAR:
                kind = "Bold"
            elif c == _TILDE:
                kind = "Strikethrough"
            elif c == _PIPE:
                if src[i + 1] != _PIPE:
                    raise _reserved(c)
                i += 1
                kind = "Spoiler"
            elif c == _LBRACKET:
                kind = "TextUrl"
            elif c == _BACKTICK:
                if src[i + 1] == _BACKTICK and src[i + 2] == _BACKTICK:
                    i += 3
                    kind = "Pre"
                    language_end = i
                    while not _is_space(src[language_end]) and src[language_end] != _BACKTICK:
                        language_end += 1
                    if (
                        i != language_end
                        and language_end < src.size
                        and src[language_end] != (_BACKTICK)
                    ):
                        kind = "PreCode"
                        argument = _text(src.raw[i:language_end])
                        i = language_end
                    if src[i] in (_LF, _CR):  # skip one new line at the start of the block
                        if src[i + 1] in (_LF, _CR) and src[i] != src[i + 1]:
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "Code"
            elif c == _BANG:
                if src[i + 1] != _LBRACKET:
                    raise _reserved(c)
                i += 1
                kind = "CustomEmoji"
            elif c == _LF:
                utf16 += 1
                out.append(_LF)
                can_start_blockquote = True
                kind = None
            elif c == _GT:
                if not can_start_blockquote:
                    raise _reserved(c)
                if have_blockquote:
                    kind = None
                else:
                    kind = "BlockQuote"
                    have_blockquote = True
            else:
                raise _reserved(c)
            if kind is not None:
                stack.append(_OpenMarkdown(kind, argument, utf16, byte_offset, len(out)))
            i += 1
            continue

        # The end of an entity.
        kind = stack[-1].kind
        if c == _LF and kind != "BlockQuote":
            top = stack[-1]
            expandable_marker = top.byte_offset == i - 2 or (
                top.byte_offset == i - 3 and bool(out) and out[-1] == _CR
            )
            if kind != "Spoiler" or not expandable_marker:
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {top.byte_offset}"
                )
            stack.pop()
            if stack[-1].kind != "BlockQuote":
                raise EntityParseError(
                    f"Can't find end of {stack[-1].kind} entity at byte offset "
                    f"{stack[-1].byte_offset}"
                )
            kind = "ExpandableBlockQuote"
        top = stack[-1]
        argument = top.argument
        user_id: int | None = None
        skip = utf16 == top.offset
        if kind in ("Underline", "Spoiler"):
            i += 1
        elif kind in ("Pre", "PreCode"):
            i += 2
        elif kind == "TextUrl":
            if src[i + 1] != _LPAREN:
                url = _text(out[top.begin :])
            else:
                url, i, url_begin = _markdown_url(src, i + 1)
                if src[i] != _RPAREN:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {url_begin}")
            user_id = _link_user_id(url)
            if user_id is not None:
                kind = "MentionName"
            elif checked := _checked_link(url):
                argument = checked
            else:
                skip = True
        elif kind == "CustomEmoji":
            if src[i + 1] != _LPAREN:
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url, i, url_begin = _markdown_url(src, i + 1)
            if src[i] != _RPAREN:
                raise EntityParseError(
                    f"Can't find end of a custom emoji URL at byte offset {url_begin}"
                )
            argument = _custom_emoji_id(url)
        elif kind in ("BlockQuote", "ExpandableBlockQuote"):
            have_blockquote = False
            out.append(src[i])
            can_start_blockquote = True
            utf16 += 1
            skip = False
        if not skip:
            entities.append(_Entity(kind, top.offset, utf16 - top.offset, argument, user_id))
        stack.pop()
        i += 1

    if have_blockquote:
        kind = "BlockQuote"
        if stack[-1].kind == "Spoiler" and stack[-1].byte_offset == src.size - 2:
            stack.pop()
            kind = "ExpandableBlockQuote"
        if stack[-1].kind == "BlockQuote":
            if utf16 != stack[-1].offset:
                entities.append(_Entity(kind, stack[-1].offset, utf16 - stack[-1].offset))
            stack.pop()
    if stack:
        raise EntityParseError(
            f"Can't find end of {stack[-1].kind} entity at byte offset {stack[-1].byte_offset}"
        )
    return _text(out), [entity.to_api() for entity in _sorted(entities)]


def parse_markdown(text: str) -> tuple[str, list[JsonDict]]:
    """Parse legacy ``parse_mode="Markdown"`` text (TDLib's parse_markdown)."""
    src = _Bytes(text)
    out = bytearray()
    entities: list[_Entity] = []
    utf16 = 0
    i = 0
    while i < src.size:
        c = src[i]
        if c == _BACKSLASH and src[i + 1] in (_UNDERSCORE, _STAR, _BACKTICK, _LBRACKET):
            out.append(src[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in (_UNDERSCORE, _STAR, _BACKTICK, _LBRACKET):
            utf16 += _utf16_units(c)
            out.append(c)
            i += 1
            continue

        begin = i
        end_char = _RBRACKET if c == _LBRACKET else c
        is_pre = False
        language = ""
        i += 1
        if c == _BACKTICK and src[i] == _BACKTICK and src[i + 1] == _BACKTICK:
            i += 2
            is_pre = True
            language_end = i
            while not _is_space(src[language_end]) and src[language_end] != _BACKTICK:
                language_end += 1
            if i != language_end and language_end < src.size and src[language_end] != _BACKTICK:
                language = _text(src.raw[i:language_end])
                i = language_end
            if src[i] in (_LF, _CR):
                i += 2 if src[i + 1] in (_LF, _CR) and src[i] != src[i + 1] else 1

        offset = utf16
        while i < src.size and (
            src[i] != end_char
            or (is_pre and not (src[i + 1] == _BACKTICK and src[i + 2] == _BACKTICK))
        ):
            utf16 += _utf16_units(src[i])
            out.append(src[i])
            i += 1
        if i == src.size:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        if offset != utf16:
            length = utf16 - offset
            if c == _UNDERSCORE:
                entities.append(_Entity("Italic", offset, length))
            elif c == _STAR:
                entities.append(_Entity("Bold", offset, length))
            elif c == _LBRACKET:
                if src[i + 1] != _LPAREN:
                    url = _text(src.raw[begin + 1 : i])
                else:
                    i += 2
                    url_begin = i
                    while i < src.size and src[i] != _RPAREN:
                        i += 1
                    url = _text(src.raw[url_begin:i])
                user_id = _link_user_id(url)
                if user_id is not None:
                    entities.append(_Entity("MentionName", offset, length, user_id=user_id))
                elif checked := _checked_link(url):
                    entities.append(_Entity("TextUrl", offset, length, checked))
            elif is_pre:
                kind = "PreCode" if language else "Pre"
                entities.append(_Entity(kind, offset, length, language))
            else:
                entities.append(_Entity("Code", offset, length))
        if is_pre:
            i += 2
        i += 1
    return _text(out), [entity.to_api() for entity in _sorted(entities)]


def parse_entities(
    text: str, parse_mode: str | None, *, strict_ampersand: bool = True
) -> tuple[str, list[JsonDict]]:
    """What Telegram shows for ``text`` sent with ``parse_mode``: (plain text, entities).

    Raises TelegramAPIError with the Bot API's 400 description on a parse failure, so
    hirebot's unit tests can check formatting without starting the server.
    """
    mode = (parse_mode or "").lower()
    if not text or mode in ("", "none"):
        return text, []
    parsers: dict[str, Callable[[str], tuple[str, list[JsonDict]]]] = {
        "html": lambda value: parse_html(value, strict_ampersand=strict_ampersand),
        "markdownv2": parse_markdown_v2,
        "markdown": parse_markdown,
    }
    if mode not in parsers:
        raise _bad_request("unsupported parse_mode")
    try:
        return parsers[mode](text)
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

    ``messages[chat_id][message_id]`` keeps each message the bot sent and has not deleted:
    ``text``, ``parse_mode``, ``entities`` and ``reply_markup`` as the bot sent them (edits
    replace them), ``plain_text`` and ``parsed_entities`` as Telegram shows them, plus
    ``message_id``, ``chat``, ``date`` and ``edit_date`` (None until edited).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        bot_id: int = 123456,
        username: str = "hirebot_test_bot",
        *,
        first_name: str = "Hirebot",
        strict_ampersand: bool = True,
        max_long_poll: float = 1.0,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self.strict_ampersand = strict_ampersand
        self.max_long_poll = max_long_poll
        self.calls: list[TelegramCall] = []
        # chat id -> message id -> the bot's message (keys: see the class docstring)
        self.messages: dict[int, dict[int, JsonDict]] = {}
        # sendMessage & co. to these answer 403 (each set models one real refusal)
        self.blocked_chats: set[int] = set()  # user never pressed Start
        self.user_blocked_chats: set[int] = set()  # user blocked the bot
        self.kicked_chats: set[int] = set()  # bot removed from the group
        self.chats: dict[int, JsonDict] = {}  # optional overrides of the "chat" objects
        self.webhook: JsonDict = {}  # params of the last setWebhook; {} when none
        self.commands: list[JsonDict] = []  # from the last setMyCommands
        self._updates: deque[JsonDict] = deque()
        self._next_message_id: dict[int, int] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self._stubs: dict[str, Any] = {}
        self._changed = threading.Condition()  # guards all state; notified on each change
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, tuple[str, Handler]] = {}
        self._holds: dict[str, Hold] = {}
        for name, handler in (
            ("getMe", self._get_me),
            ("sendMessage", self._send_message),
            ("editMessageText", self._edit_message_text),
            ("editMessageReplyMarkup", self._edit_message_reply_markup),
            ("deleteMessage", self._delete_message),
            ("answerCallbackQuery", self._answer_callback_query),
            ("getUpdates", self._get_updates),
            ("setWebhook", self._set_webhook),
            ("deleteWebhook", self._delete_webhook),
            ("getWebhookInfo", self._get_webhook_info),
            ("setMyCommands", self._set_my_commands),
            ("getMyCommands", self._get_my_commands),
            ("deleteMyCommands", self._delete_my_commands),
            ("sendChatAction", self._send_chat_action),
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

    def stub(self, method: str, result: Any) -> None:
        """Answer ``method`` (e.g. one the fake does not implement) with ``result``."""
        with self._changed:
            self._stubs[method.lower()] = copy.deepcopy(result)

    def on(self, method: str, handler: Handler) -> None:
        """Serve ``method`` with ``handler(params) -> result``; raise TelegramAPIError to fail."""
        with self._changed:
            self._handlers[method.lower()] = (method, handler)

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

    def reset(self) -> None:
        """Back to a fresh fake; the server keeps its port and ``on()`` handlers stay."""
        with self._changed:
            self.calls.clear()
            self.messages.clear()
            self.blocked_chats.clear()
            self.user_blocked_chats.clear()
            self.kicked_chats.clear()
            self.chats.clear()
            self.webhook = {}
            self.commands = []
            self._updates.clear()
            self._next_message_id.clear()
            self._failures.clear()
            self._stubs.clear()
            self._changed.notify_all()

    # Request dispatch --------------------------------------------------------------

    def _matching(self, method: str) -> list[TelegramCall]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def _api_request(
        self, token: str, method: str, params: JsonDict, parse_error: str | None
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
                if handler is None and method.lower() not in self._stubs:
                    raise TelegramAPIError(HTTPStatus.NOT_FOUND, "Not Found")
                if parse_error is not None:
                    raise _bad_request(parse_error)
                self._take_failure(method)
                if method.lower() in self._stubs:
                    result = copy.deepcopy(self._stubs[method.lower()])
                else:
                    assert handler is not None
                    result = handler(params)
                status, body = int(HTTPStatus.OK), {"ok": True, "result": result}
            except TelegramAPIError as error:
                status, body = error.error_code, error.payload()
            self.calls.append(TelegramCall(canonical, params, body, status))
            self._changed.notify_all()
            return status, body

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
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _bad_request("chat not found")
        try:
            chat_id = int(value)
        except ValueError:
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
    def _int(params: JsonDict, name: str, default: int | None = None) -> int | None:
        value = params.get(name, default)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise _bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad_request(f'field "{name}" must be of type Integer') from None

    def _chat_object(self, chat_id: int) -> JsonDict:
        if chat_id in self.chats:
            return {"id": chat_id, **self.chats[chat_id]}
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Test"}
        if chat_id <= -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": "Test Supergroup"}
        return {"id": chat_id, "type": "group", "title": "Test Group"}

    def _formatted(self, params: JsonDict) -> tuple[str, list[JsonDict]]:
        """Validate ``text``/``parse_mode``/``entities`` like the Bot API; the shown text."""
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        if not isinstance(text, str):
            text = json.dumps(text)  # a JSON body may carry a number; Telegram reads a string
        parse_mode = params.get("parse_mode")
        mode = parse_mode.lower() if isinstance(parse_mode, str) else ""
        if mode in ("", "none") and params.get("entities"):
            # Explicit entities count only without a parse_mode, as on Telegram.
            plain, entities = text, self._explicit_entities(params["entities"])
        else:
            plain, entities = parse_entities(text, mode, strict_ampersand=self.strict_ampersand)
        plain, entities = _fix_formatted_text(plain, entities)
        if not plain:
            raise _bad_request("message must be non-empty")
        return plain, entities

    @staticmethod
    def _explicit_entities(value: Any) -> list[JsonDict]:
        if not isinstance(value, list):
            raise _bad_request("can't parse entities JSON object")
        for entity in value:
            ok = (
                isinstance(entity, dict)
                and isinstance(entity.get("type"), str)
                and isinstance(entity.get("offset"), int)
                and isinstance(entity.get("length"), int)
            )
            if not ok:
                raise _bad_request("can't parse MessageEntity: type, offset and length expected")
        return [dict(entity) for entity in value]

    def _reply_markup(self, params: JsonDict) -> JsonDict | None:
        """Parse ``reply_markup`` with the Bot API's checks and messages (TDLib's come later)."""
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
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list):
                raise _bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array'
                )
            for row in rows:
                if not isinstance(row, list):
                    raise _bad_request(
                        'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of '
                        "Arrays"
                    )
                for button in row:
                    self._check_inline_button(button)
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise _bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if isinstance(button, dict) and not isinstance(button.get("text"), str):
                        raise _bad_request("can't parse keyboard button: Can't find field \"text\"")
                    if not isinstance(button, dict | str):
                        raise _bad_request(
                            "can't parse keyboard button: KeyboardButton must be a String or an "
                            "Object"
                        )
        return markup

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        prefix = "can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise _bad_request(prefix + "InlineKeyboardButton must be an Object")
        if "text" not in button:
            raise _bad_request(prefix + 'Can\'t find field "text"')
        if not isinstance(button["text"], str):
            raise _bad_request(prefix + 'Field "text" must be of type String')
        # Telegram treats an empty url/callback_data as absent.
        actions = [name for name in INLINE_BUTTON_ACTIONS if button.get(name) not in ("", None)]
        if not actions:
            raise _bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            # Stricter than Telegram, which silently picks the first action it knows.
            raise _bad_request(
                prefix + f"exactly one of the optional fields must be used, got {actions}"
            )
        if "callback_data" in actions and not isinstance(button["callback_data"], str):
            raise _bad_request(prefix + 'Field "callback_data" must be of type String')
        if "url" in actions and not isinstance(button["url"], str):
            raise _bad_request(prefix + 'Field "url" must be of type String')

    @staticmethod
    def _check_markup_limits(markup: JsonDict | None) -> None:
        """The checks Telegram's servers (not the Bot API) make, hence their MTProto names."""
        if markup is None or not isinstance(markup.get("inline_keyboard"), list):
            return
        buttons = [button for row in markup["inline_keyboard"] for button in row]
        if len(buttons) > MAX_INLINE_BUTTONS:
            raise _bad_request("reply markup is too long")
        for button in buttons:
            data = button.get("callback_data")
            if isinstance(data, str) and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise _bad_request("BUTTON_DATA_INVALID")

    @staticmethod
    def _check_text_length(plain: str) -> None:
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")

    def _find_message(self, params: JsonDict, action: str) -> tuple[int, JsonDict]:
        if params.get("inline_message_id") not in (None, ""):
            raise _bad_request(f"message to {action} not found")  # inline messages not modelled
        chat_id = self._chat_id(params)
        message_id = self._int(params, "message_id")
        if not message_id:
            raise _bad_request("message identifier is not specified")
        message = self.messages.get(chat_id, {}).get(message_id)
        if message is None:
            raise _bad_request(f"message to {action} not found")
        return chat_id, message

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
            # Only inline keyboards are echoed; reply keyboards live on the client.
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
        self._check_text_length(plain)
        self._check_markup_limits(markup)
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
            "entities": params.get("entities"),
            "reply_markup": markup,
            # as Telegram shows them:
            "plain_text": plain,
            "parsed_entities": entities,
        }
        self.messages.setdefault(chat_id, {})[message_id] = record
        return self._message_result(record)

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        plain, entities = self._formatted(params)
        markup = self._reply_markup(params)
        _, record = self._find_message(params, "edit")
        self._check_text_length(plain)
        self._check_markup_limits(markup)
        # No reply_markup in an edit removes the keyboard, as on Telegram.
        unchanged = (
            plain == record["plain_text"]
            and entities == record["parsed_entities"]
            and self._markup_key(markup) == self._markup_key(record["reply_markup"])
        )
        if unchanged:
            raise _not_modified()
        record.update(
            text=params["text"],
            parse_mode=params.get("parse_mode"),
            entities=params.get("entities"),
            reply_markup=markup,
            plain_text=plain,
            parsed_entities=entities,
            edit_date=int(time.time()),
        )
        return self._message_result(record)

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        markup = self._reply_markup(params)
        _, record = self._find_message(params, "edit")
        self._check_markup_limits(markup)
        if self._markup_key(markup) == self._markup_key(record["reply_markup"]):
            raise _not_modified()
        record.update(reply_markup=markup, edit_date=int(time.time()))
        return self._message_result(record)

    def _delete_message(self, params: JsonDict) -> bool:
        chat_id, record = self._find_message(params, "delete")
        del self.messages[chat_id][record["message_id"]]
        return True

    def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or not query_id.isdigit():
            # The Bot API reads the id as a number; anything else is an unknown query.
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        if self.webhook.get("url"):
            raise TelegramAPIError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = self._int(params, "offset", 0) or 0
        limit = self._int(params, "limit", 100) or 100
        limit = min(max(limit, 1), 100)
        timeout = max(self._int(params, "timeout", 0) or 0, 0)
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

    def _set_webhook(self, params: JsonDict) -> bool:
        if "url" not in params:
            raise _bad_request('parameter "url" is required')
        url = params["url"]
        if not isinstance(url, str):
            raise _bad_request("bad webhook: Failed to parse webhook URL")
        secret = params.get("secret_token")
        if isinstance(secret, str) and secret:
            if len(secret) > MAX_SECRET_TOKEN_LENGTH:
                raise _bad_request("secret token is too long")
            if not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
                raise _bad_request("secret token contains unallowed characters")
        if url:
            parts = urlsplit(url)
            if parts.scheme.lower() != "https" or not parts.hostname:
                raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
            try:
                port = parts.port or 443
            except ValueError:
                raise _bad_request("bad webhook: Failed to parse webhook URL") from None
            if port not in WEBHOOK_PORTS:
                raise _bad_request(
                    "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
                )
        max_connections = self._int(params, "max_connections")
        if max_connections is not None and not 1 <= max_connections <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self.webhook = dict(params) if url else {}
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        if params.get("drop_pending_updates") is True:
            self._updates.clear()
        self.webhook = {}
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook.get("max_connections", 40)
            if isinstance(self.webhook.get("allowed_updates"), list):
                info["allowed_updates"] = self.webhook["allowed_updates"]
            if self.webhook.get("ip_address"):
                info["ip_address"] = self.webhook["ip_address"]
        return info

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            raise _bad_request("can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _bad_request("expected an Array of BotCommand")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand: expected an Object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not isinstance(description, str):
                raise _bad_request(
                    "can't parse BotCommand: command and description must be strings"
                )
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.lower().removeprefix("/")):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands = copy.deepcopy(commands)
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return copy.deepcopy(self.commands)

    def _delete_my_commands(self, params: JsonDict) -> bool:
        self.commands = []
        return True

    def _send_chat_action(self, params: JsonDict) -> bool:
        self._chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True


def _not_modified() -> TelegramAPIError:
    return _bad_request(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )


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


def _decode_params(content_type: str, raw: bytes, query: str) -> tuple[JsonDict, str | None]:
    """Merge query-string and body arguments as the Bot API does.

    Returns the params and, if the body could not be read, a Bot API 400 description.
    """
    fields: list[tuple[str, Any]] = list(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    json_body: JsonDict = {}
    if raw.strip():
        if media_type == "application/json":
            try:
                body = json.loads(raw)
            except ValueError:
                return {}, "can't parse JSON object"
            if not isinstance(body, dict):
                return {}, "can't parse JSON object"
            json_body = body
        elif media_type == "application/x-www-form-urlencoded":
            fields.extend(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        elif media_type == "multipart/form-data":
            parsed = _parse_multipart(content_type, raw)
            if parsed is None:
                return {}, "can't parse multipart/form-data"
            fields.extend(parsed)
        else:
            return {}, f"unsupported Content-Type {media_type!r}"
    params: JsonDict = {}
    for name, value in fields:
        params[name] = _decode_value(name, value) if isinstance(value, str) else value
    for name, value in json_body.items():
        if (
            isinstance(value, str)
            and name not in RAW_STRING_FIELDS
            and name
            in (
                "reply_markup",
                "entities",
                "allowed_updates",
                "commands",
                "scope",
                "link_preview_options",
                "reply_parameters",
            )
        ):
            value = _decode_value(name, value)
        params[name] = value
    return params, None


def _parse_multipart(content_type: str, raw: bytes) -> list[tuple[str, Any]] | None:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    if not message.is_multipart():
        return None
    fields: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            fields.append((name, UploadedFile(filename, part.get_content_type(), data)))
        else:
            fields.append((name, data.decode("utf-8", "replace")))
    return fields


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

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        raw = self._read_body()
        match = _API_PATH.fullmatch(url.path)
        if match is None:
            # Unknown paths, including file downloads, answer like Telegram's 404.
            body: JsonDict = {"ok": False, "error_code": 404, "description": "Not Found"}
            self._send(HTTPStatus.NOT_FOUND, body)
            return
        params, parse_error = _decode_params(self.headers.get("Content-Type", ""), raw, url.query)
        status, body = self.server.fake._api_request(
            match.group(1), match.group(2), params, parse_error
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

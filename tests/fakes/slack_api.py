"""A local fake of the Slack Web API for tests, cut to what hirebot uses.

The real ``slack_sdk.WebClient`` (and slack_bolt's ``App``) talks to it over loopback
HTTP, so tests exercise the real client code: request encoding, auth headers, error
handling and retry handlers.

It serves the methods hirebot calls: ``auth.test``, ``chat.postMessage``,
``chat.postEphemeral``, ``chat.update``, ``conversations.open``, ``views.open`` and
``views.publish``, the three steps of ``files_upload_v2`` (``files.getUploadURLExternal``,
a POST of the bytes to the upload URL it answers, ``files.completeUploadExternal``; both
methods need the ``files:write`` scope, the bytes must be as long as announced, and a file is
shared once, into a conversation id: C, D or G), plus POSTs to an interaction's
``response_url``, and the two directory lookups ``users.info`` (``users:read``; the
``profile.email`` only with ``users:read.email``; ``user_not_found``) and
``users.lookupByEmail`` (``users:read.email``; ``users_not_found``) over the workspace's
members added with ``add_user``; any other method
answers ``unknown_method``, as Slack does for a method it does not have.  It validates
the Block Kit hirebot sends (section, actions, context, divider and input blocks; button,
static select and text input elements; modal and home views) the way Slack does,
including what ``slack_sdk``'s own ``validate_json`` does not catch (unknown keys such as
a misspelt ``acton_id``), so a message that passes here is unlikely to bounce in
production.  A block or element type hirebot does not send is refused with
``not_modelled_by_the_fake``, never with an answer Slack would not give.  Like Slack, it
truncates a ``text`` over 40,000 characters and warns ``message_truncated`` rather than
refusing it.

With `enforce_limits(...)` it keeps to Slack's posting limits as a test sets them
(chat.postMessage per channel, chat.update per workspace, Tier 3) and answers a call over
them with HTTP 429 ``ratelimited`` and a Retry-After, as Slack does (rate_limits.py).

Usage::

    with FakeSlackAPI() as slack:
        client = WebClient(token=slack.token, base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert slack.calls_to("chat.postMessage")[0].params["text"] == "hi"
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from tests.fakes.rate_limits import Limit, RateLimits, retry_after

__all__ = [
    "FakeSlackAPI",
    "SlackCall",
    "SlackFile",
    "validate_blocks",
    "validate_view",
]

MAX_MESSAGE_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_RESPONSE_URL_POSTS = 5  # Slack accepts 5 posts to one response_url
MAX_VIEW_BLOCKS = 100

# Form-encoded requests carry structured arguments as JSON strings; Slack decodes them.
JSON_ENCODED_PARAMS = ("blocks", "attachments", "view", "metadata")
NOT_MODELLED = "[NOT MODELLED]"  # starts the messages of what the fake does not validate


# ---------------------------------------------------------------------------------------
# Block Kit validation: a tiny schema language plus tables describing each block type.
#
# A Check takes a value and its JSON pointer and returns Slack-style error messages
# ("[ERROR] ... [json-pointer:/blocks/0/text]"); an empty list means valid.
# ---------------------------------------------------------------------------------------

Check = Callable[[Any, str], list[str]]
Rule = Callable[[Mapping[str, Any], str], list[str]]


def _error(pointer: str, message: str) -> list[str]:
    return [f"[ERROR] {message} [json-pointer:{pointer}]"]


def _anything(value: Any, pointer: str) -> list[str]:
    """Accept any value; for parts of the payload the fake does not model."""
    return []


def string(max_len: int, min_len: int = 0) -> Check:
    """A string whose length is within Slack's documented limits."""

    def check(value: Any, pointer: str) -> list[str]:
        if not isinstance(value, str):
            return _error(pointer, "must be a string")
        if len(value) < min_len:
            return _error(pointer, f"must be at least {min_len} characters")
        if len(value) > max_len:
            return _error(pointer, f"must be at most {max_len} characters (got {len(value)})")
        return []

    return check


def boolean(value: Any, pointer: str) -> list[str]:
    return [] if isinstance(value, bool) else _error(pointer, "must be a boolean")


def integer(minimum: int = 0, maximum: int | None = None) -> Check:
    def check(value: Any, pointer: str) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            return _error(pointer, "must be an integer")
        if value < minimum or (maximum is not None and value > maximum):
            return _error(pointer, f"must be between {minimum} and {maximum}")
        return []

    return check


def one_of(*choices: str) -> Check:
    def check(value: Any, pointer: str) -> list[str]:
        if value in choices:
            return []
        return _error(pointer, f"must be one of {', '.join(choices)} (got {value!r})")

    return check


def list_of(item: Check, max_items: int, min_items: int = 0) -> Check:
    def check(value: Any, pointer: str) -> list[str]:
        if not isinstance(value, list):
            return _error(pointer, "must be an array")
        if len(value) > max_items:
            return _error(pointer, f"no more than {max_items} items allowed (got {len(value)})")
        if len(value) < min_items:
            return _error(pointer, f"at least {min_items} items required")
        errors: list[str] = []
        for index, element in enumerate(value):
            errors += item(element, f"{pointer}/{index}")
        return errors

    return check


@dataclasses.dataclass(frozen=True)
class Schema:
    """An object with a fixed set of keys; unknown keys are errors, as on Slack."""

    fields: Mapping[str, Check]
    required: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()  # at least one of these keys must be present
    rules: tuple[Rule, ...] = ()  # cross-field checks
    open: bool = False  # accept keys we do not model (rich text internals)

    def __call__(self, value: Any, pointer: str) -> list[str]:
        if not isinstance(value, dict):
            return _error(pointer, "must be an object")
        errors: list[str] = []
        for key, item in value.items():
            check = self.fields.get(key)
            if check is not None:
                errors += check(item, f"{pointer}/{key}")
            elif not self.open:
                allowed = ", ".join(sorted(self.fields))
                errors += _error(f"{pointer}/{key}", f"unknown field {key!r} (allowed: {allowed})")
        for key in self.required:
            if key not in value:
                errors += _error(pointer, f"missing required field: {key}")
        if self.any_of and not any(key in value for key in self.any_of):
            errors += _error(pointer, f"one of these fields is required: {', '.join(self.any_of)}")
        for rule in self.rules:
            errors += rule(value, pointer)
        return errors


def typed(table: Mapping[str, Schema], what: str, *, complete: bool = False) -> Check:
    """Dispatch on the object's ``type`` key to the matching schema in ``table``. Another
    type is refused as Slack does when ``table`` holds every type Slack allows there
    (``complete``), else as not modelled by the fake."""
    schemas = {
        name: dataclasses.replace(schema, fields={"type": _anything, **schema.fields})
        for name, schema in table.items()
    }

    def check(value: Any, pointer: str) -> list[str]:
        if not isinstance(value, dict):
            return _error(pointer, f"must be a {what} object")
        kind = value.get("type")
        schema = schemas.get(kind) if isinstance(kind, str) else None
        if schema is None:
            allowed = ", ".join(sorted(schemas))
            if complete:
                return _error(
                    f"{pointer}/type", f"unsupported {what} type {kind!r} (allowed: {allowed})"
                )
            return [
                f"{NOT_MODELLED} {what} type {kind!r}: the fake models only what hirebot "
                f"sends ({allowed}) [json-pointer:{pointer}/type]"
            ]
        return schema(value, pointer)

    return check


def _text_schemas(max_len: int) -> dict[str, Schema]:
    body = string(max_len, min_len=1)
    return {
        "plain_text": Schema({"text": body, "emoji": boolean}, required=("text",)),
        "mrkdwn": Schema({"text": body, "verbatim": boolean}, required=("text",)),
    }


def text(max_len: int, *, plain: bool = False) -> Check:
    """A text object (plain_text or mrkdwn) with non-empty text of at most ``max_len``."""
    schemas = _text_schemas(max_len)
    if plain:
        del schemas["mrkdwn"]
    return typed(schemas, "text", complete=True)


def _unique(collection: str, key: str) -> Rule:
    """Slack rejects duplicate block_ids in a message and duplicate action_ids in a block."""

    def rule(value: Mapping[str, Any], pointer: str) -> list[str]:
        seen: set[str] = set()
        errors: list[str] = []
        items = value.get(collection)
        for index, item in enumerate(items if isinstance(items, list) else []):
            ident = item.get(key) if isinstance(item, dict) else None
            if isinstance(ident, str):
                if ident in seen:
                    errors += _error(f"{pointer}/{collection}/{index}/{key}", f"duplicate {key}")
                seen.add(ident)
        return errors

    return rule


# Composition objects ---------------------------------------------------------------

CONFIRM = Schema(
    {
        "title": text(100, plain=True),
        "text": text(300),
        "confirm": text(30, plain=True),
        "deny": text(30, plain=True),
        "style": one_of("primary", "danger"),
    },
    required=("title", "text", "confirm", "deny"),
)
OPTION = Schema(  # options of selects and overflow menus: plain text only
    {
        "text": text(75, plain=True),
        "value": string(150),
        "description": text(75, plain=True),
        "url": string(3000),
    },
    required=("text", "value"),
)
OPTION_GROUP = Schema(
    {"label": text(75, plain=True), "options": list_of(OPTION, 100)},
    required=("label", "options"),
)
DISPATCH_CONFIG = Schema(
    {"trigger_actions_on": list_of(one_of("on_enter_pressed", "on_character_entered"), 2)}
)
# Block elements --------------------------------------------------------------------

_INTERACTIVE: dict[str, Check] = {
    "action_id": string(255),
    "confirm": CONFIRM,
    "focus_on_load": boolean,
}
_INPUT: dict[str, Check] = {**_INTERACTIVE, "placeholder": text(150, plain=True)}
_TEXT_INPUT: dict[str, Check] = {
    **_INPUT,
    "dispatch_action_config": DISPATCH_CONFIG,
    "initial_value": string(3000),
}
_STATIC_OPTIONS: dict[str, Check] = {
    "options": list_of(OPTION, 100),
    "option_groups": list_of(OPTION_GROUP, 100),
}
ELEMENTS: dict[str, Schema] = {
    "button": Schema(
        {
            "text": text(75, plain=True),
            "action_id": string(255),
            "url": string(3000),
            "value": string(2000),
            "style": one_of("primary", "danger"),
            "confirm": CONFIRM,
            "accessibility_label": string(75),
        },
        required=("text",),
    ),
    "static_select": Schema(
        {**_INPUT, **_STATIC_OPTIONS, "initial_option": OPTION},
        any_of=("options", "option_groups"),
    ),
    "plain_text_input": Schema(
        {
            **_TEXT_INPUT,
            "multiline": boolean,
            "min_length": integer(0, 3000),
            "max_length": integer(1, 3000),
        }
    ),
    "email_text_input": Schema(_TEXT_INPUT),
    "url_text_input": Schema(_TEXT_INPUT),
}


def elements(*names: str) -> Check:
    """Elements allowed in one place."""
    return typed({name: ELEMENTS[name] for name in names}, "element")


ACTIONS_ELEMENT = elements("button", "static_select")
ACCESSORY_ELEMENT = elements("button", "static_select")
INPUT_ELEMENT = elements("email_text_input", "plain_text_input", "static_select", "url_text_input")
CONTEXT_ELEMENT = typed(_text_schemas(MAX_MESSAGE_TEXT), "context element")  # or an image

# Blocks ----------------------------------------------------------------------------


def _block(
    fields: Mapping[str, Check],
    required: tuple[str, ...] = (),
    any_of: tuple[str, ...] = (),
    rules: tuple[Rule, ...] = (),
) -> Schema:
    """Every block may carry a block_id of at most 255 characters."""
    return Schema({"block_id": string(255), **fields}, required, any_of, rules)


BLOCKS: dict[str, Schema] = {
    "section": _block(
        {
            "text": text(3000),
            "fields": list_of(text(2000), 10),
            "accessory": ACCESSORY_ELEMENT,
            "expand": boolean,
        },
        any_of=("text", "fields"),
    ),
    "actions": _block(
        {"elements": list_of(ACTIONS_ELEMENT, 25, 1)},
        required=("elements",),
        rules=(_unique("elements", "action_id"),),
    ),
    "context": _block({"elements": list_of(CONTEXT_ELEMENT, 10, 1)}, required=("elements",)),
    "divider": _block({}),
    "input": _block(
        {
            "label": text(2000, plain=True),
            "element": INPUT_ELEMENT,
            "hint": text(2000, plain=True),
            "optional": boolean,
            "dispatch_action": boolean,
        },
        required=("label", "element"),
    ),
}
BLOCK = typed(BLOCKS, "block")
_UNIQUE_BLOCK_IDS = _unique("blocks", "block_id")


def validate_blocks(blocks: Any, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Slack-style error messages for a message's ``blocks`` array (empty if valid)."""
    errors = list_of(BLOCK, limit)(blocks, "/blocks")
    return errors + _UNIQUE_BLOCK_IDS({"blocks": blocks}, "")


def _modal_needs_submit(view: Mapping[str, Any], pointer: str) -> list[str]:
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )
    if has_input and "submit" not in view:
        return _error(f"{pointer}/submit", "submit is required when a modal has input blocks")
    return []


_VIEW_COMMON: dict[str, Check] = {
    "blocks": list_of(BLOCK, MAX_VIEW_BLOCKS),
    "private_metadata": string(3000),
    "callback_id": string(255),
    "external_id": string(255),
}
VIEWS: dict[str, Schema] = {
    "modal": Schema(
        {
            **_VIEW_COMMON,
            "title": text(24, plain=True),
            "submit": text(24, plain=True),
            "close": text(24, plain=True),
            "clear_on_close": boolean,
            "notify_on_close": boolean,
            "submit_disabled": boolean,
        },
        required=("title", "blocks"),
        rules=(_modal_needs_submit, _unique("blocks", "block_id")),
    ),
    "home": Schema(_VIEW_COMMON, required=("blocks",), rules=(_unique("blocks", "block_id"),)),
}
VIEW = typed(VIEWS, "view")


def validate_view(view: Any) -> list[str]:
    """Slack-style error messages for a view payload (empty if valid)."""
    return VIEW(view, "/view")


# ---------------------------------------------------------------------------------------
# The fake server
# ---------------------------------------------------------------------------------------

JsonDict = dict[str, Any]
Handler = Callable[[JsonDict], JsonDict]


@dataclasses.dataclass
class SlackCall:
    """One request the fake received, as the test wants to inspect it.

    ``params`` holds the decoded arguments (JSON-in-form values such as ``blocks`` are
    decoded too); ``headers`` has lower-cased names; ``response`` is the JSON answered
    (for ``response_url`` calls, a summary of the plain-text answer).
    """

    method: str
    params: JsonDict
    headers: dict[str, str]
    response: JsonDict
    status: int = 200
    path: str = ""
    # the client's address and port: calls over one kept-alive connection share it
    peer: tuple[str, int] | None = None


class SlackError(Exception):
    """Raised by handlers to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


@dataclasses.dataclass
class SlackFile:
    """A file announced with files.getUploadURLExternal: its bytes once posted to the upload
    URL, and where files.completeUploadExternal shared it."""

    id: str
    filename: str
    length: int
    alt_txt: str = ""
    content: bytes | None = None
    title: str = ""
    channel: str | None = None
    initial_comment: str = ""
    thread_ts: str | None = None


MAX_FILE_BYTES = 1_000_000_000  # Slack's limit on one file


class SlackMissingScope(SlackError):
    """``missing_scope``, with the scope needed and those the token has, as Slack answers."""

    def __init__(self, needed: str, provided: str) -> None:
        super().__init__("missing_scope")
        self.needed = needed
        self.provided = provided

    def payload(self) -> JsonDict:
        return {**super().payload(), "needed": self.needed, "provided": self.provided}


@dataclasses.dataclass(frozen=True)
class _Failure:
    status: int  # 200 for error_next, 429 or 5xx for fail_next
    error: str
    retry_after: int = 0


def _raise_for(errors: list[str], error: str) -> None:
    """Refuse with Slack's ``error`` name, or with ``not_modelled_by_the_fake`` when the
    payload holds something the fake does not validate (so no answer is invented)."""
    if any(message.startswith(NOT_MODELLED) for message in errors):
        raise SlackError("not_modelled_by_the_fake", errors)
    if errors:
        raise SlackError(error, errors)


class FakeSlackAPI:
    """An in-process Slack Web API on 127.0.0.1, for the real slack_sdk client."""

    def __init__(
        self,
        token: str = "xoxb-test-token",
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        *,
        bot_id: str = "B0001",
        app_id: str = "A0001",
        team_name: str = "Hirebot Test",
        scopes: str = "chat:write,commands,im:write,files:write,users:read,users:read.email",
        bot_name: str = "hirebot",
    ) -> None:
        self.token = token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_name = team_name
        self.scopes = scopes
        self.bot_name = bot_name
        self.calls: list[SlackCall] = []
        self.messages: dict[str, list[JsonDict]] = {}
        self.views: dict[str, JsonDict] = {}  # view id -> view as last answered
        self.home_views: dict[str, JsonDict] = {}  # user id -> published home tab
        self._dm_channels: dict[str, str] = {}  # user ids joined by "," -> D/G channel id
        self._failures: dict[str, deque[_Failure]] = {}
        self._response_url_uses: dict[str, int] = {}  # accepted posts by response_url key
        # The client's (host, port) of each post to a response_url: one per TCP connection.
        self.response_url_peers: list[tuple[str, int]] = []
        self._expired_response_urls: set[str] = set()
        self.files: dict[str, SlackFile] = {}  # file id -> upload, once announced
        self.users: dict[str, JsonDict] = {}  # user id -> the workspace member (add_user)
        self._ts_counter = 0
        self._id_counter = 0
        self.limits = RateLimits()
        self._per_channel: Limit | None = None
        self._updates: Limit | None = None
        self._changed = threading.Condition()  # guards all state; notified on each call
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.open": self._conversations_open,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
        }

    # Lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeSlackAPI:
        """Listen on an ephemeral loopback port in a daemon thread."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", 0), _RequestHandler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
            name="fake-slack-api",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeSlackAPI:
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
            raise RuntimeError("FakeSlackAPI is not started; call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def base_url(self) -> str:
        """What to pass as ``WebClient(base_url=...)``."""
        return self.root_url + "api/"

    def response_url(self, key: str) -> str:
        """A URL that records POSTs like Slack's ``response_url`` (what ``respond()`` uses)."""
        return f"{self.root_url}response_url/{quote(key, safe='')}"

    # Test controls -----------------------------------------------------------------

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[SlackCall]:
        """Block until ``method`` was called ``count`` times (for work done in threads)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(matching := [c for c in self.calls if c.method == method]) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{method} called {len(matching)} times, wanted {count}")
                self._changed.wait(remaining)
            return matching

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 (with Retry-After) or 5xx.

        ``method`` may be ``"response_url"``: the next posts to any response_url fail so."""
        if status != HTTPStatus.TOO_MANY_REQUESTS and not 500 <= status <= 599:
            raise ValueError(f"fail_next supports 429 and 5xx, not {status}")
        error = "ratelimited" if status == HTTPStatus.TOO_MANY_REQUESTS else "fatal_error"
        self._queue(method, _Failure(status, error, retry_after), times)

    def enforce_limits(
        self,
        *,
        per_channel: Limit | None = None,
        updates: Limit | None = None,
        now: Callable[[], float] | None = None,
    ) -> RateLimits:
        """From now on, refuse chat.postMessage over `per_channel` (into one conversation) and
        chat.update over `updates` (in all), with 429; returns the record of accepted sends.
        `now` is the time the fake keeps (seconds; default the monotonic clock)."""
        with self._changed:
            self._per_channel, self._updates = per_channel, updates
            self.limits = RateLimits(now=now) if now is not None else RateLimits()
            return self.limits

    def _over_limit(self, method: str, params: JsonDict) -> float:
        if method == "chat.postMessage" and self._per_channel is not None:
            channel = str(params.get("channel") or "")
            return self.limits.take(channel, [("per channel", channel, self._per_channel)])
        if method == "chat.update" and self._updates is not None:
            channel = str(params.get("channel") or "")
            return self.limits.take(channel, [("chat.update", "", self._updates)])
        return 0.0

    def expire(self, response_url_key: str) -> None:
        """Make the response_url for ``response_url_key`` answer 404 ``expired_url``, as
        Slack's do 30 minutes after the interaction."""
        with self._changed:
            self._expired_response_urls.add(response_url_key)

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 200 ``{"ok": false}``."""
        self._queue(method, _Failure(HTTPStatus.OK, error), times)

    def add_user(
        self,
        user_id: str,
        real_name: str,
        *,
        email: str = "",
        tz: str = "America/Los_Angeles",
        tz_label: str = "Pacific Standard Time",
        tz_offset: int = -28800,
        deleted: bool = False,
        is_bot: bool = False,
    ) -> JsonDict:
        """A workspace member, in the user object's shape ``users.info`` answers."""
        user: JsonDict = {
            "id": user_id,
            "team_id": self.team_id,
            "name": real_name.lower().replace(" ", "."),
            "deleted": deleted,
            "real_name": real_name,
            "tz": tz,
            "tz_label": tz_label,
            "tz_offset": tz_offset,
            "is_bot": is_bot,
            "profile": {
                "real_name": real_name,
                "display_name": real_name.split()[0] if real_name.split() else "",
                "email": email,
            },
        }
        with self._changed:
            self.users[user_id] = user
        return user

    def reset(self) -> None:
        """Forget recorded calls and queued failures (messages and views stay)."""
        with self._changed:
            self.calls.clear()
            self._failures.clear()

    def _queue(self, method: str, failure: _Failure, times: int) -> None:
        with self._changed:
            self._failures.setdefault(method, deque()).extend([failure] * times)

    # Request handling (called from server threads) -----------------------------------

    def _api_request(
        self,
        method: str,
        headers: dict[str, str],
        params: JsonDict,
        parse_error: str | None,
        peer: tuple[str, int] | None = None,
    ) -> tuple[int, dict[str, str], JsonDict]:
        """Answer one Web API call and record it; returns status, extra headers, body."""
        with self._changed:
            status, extra_headers, body = self._answer(method, headers, params, parse_error)
            self.calls.append(
                SlackCall(method, params, headers, body, status, f"/api/{method}", peer)
            )
            self._changed.notify_all()
        extra_headers.setdefault("X-OAuth-Scopes", self.scopes)
        return status, extra_headers, body

    def _answer(
        self, method: str, headers: dict[str, str], params: JsonDict, parse_error: str | None
    ) -> tuple[int, dict[str, str], JsonDict]:
        queued = self._failures.get(method)
        if queued:
            failure = queued.popleft()
            extra: dict[str, str] = {}
            if failure.status == HTTPStatus.TOO_MANY_REQUESTS:
                extra["Retry-After"] = str(failure.retry_after)
            return failure.status, extra, {"ok": False, "error": failure.error}
        try:
            self._authenticate(headers)
            if parse_error:
                raise SlackError(parse_error)
            handler = self._handlers.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            wait = self._over_limit(method, params)
            if wait > 0:
                headers_out = {"Retry-After": str(retry_after(wait))}
                return (
                    HTTPStatus.TOO_MANY_REQUESTS,
                    headers_out,
                    {"ok": False, "error": "ratelimited"},
                )
            return HTTPStatus.OK, {}, {"ok": True, **handler(params)}
        except SlackError as err:
            return HTTPStatus.OK, {}, err.payload()

    def _authenticate(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        if not auth:
            raise SlackError("not_authed")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token != self.token:
            raise SlackError("invalid_auth")

    def _response_url_request(
        self, key: str, headers: dict[str, str], params: JsonDict, parse_error: str | None
    ) -> tuple[int, str]:
        """Record a POST to a response_url; answers like Slack: 200 "ok", 400 with the error
        name for a bad message, 404 ``expired_url`` for an expired URL (see ``expire``) and
        ``used_url`` after 5 accepted posts, or a failure queued with
        ``fail_next("response_url", …)``."""
        status: int = HTTPStatus.OK
        answer = "ok"
        response: JsonDict = {"ok": True}
        with self._changed:
            queued = self._failures.get("response_url")
            failure = queued.popleft() if queued else None
            used = self._response_url_uses.get(key, 0)
            expired = key in self._expired_response_urls
        try:
            if failure is not None:
                status, answer = failure.status, failure.error
                response = {"ok": False, "error": failure.error}
            elif expired or used >= MAX_RESPONSE_URL_POSTS:
                status, answer = HTTPStatus.NOT_FOUND, "expired_url" if expired else "used_url"
                response = {"ok": False, "error": answer}
            else:
                if parse_error:
                    raise SlackError(parse_error)
                if "blocks" in params or "text" in params:
                    self._check_message_content(params)
        except SlackError as err:
            status, answer, response = HTTPStatus.BAD_REQUEST, err.error, err.payload()
        if status == HTTPStatus.OK:
            with self._changed:
                self._response_url_uses[key] = self._response_url_uses.get(key, 0) + 1
        with self._changed:
            call = SlackCall(
                "response_url", params, headers, response, status, f"/response_url/{key}"
            )
            self.calls.append(call)
            self._changed.notify_all()
        return status, answer

    # Helpers shared by handlers ------------------------------------------------------

    def _next_ts(self) -> str:
        """Unique, increasing message timestamps like ``1700000000.000100``."""
        self._ts_counter += 1
        micros = 1_700_000_000_000_000 + self._ts_counter * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        self._id_counter += 1
        return f"{prefix}{self._id_counter:08d}"

    def _dm_channel(self, users: list[str]) -> tuple[str, bool]:
        """A stable D (one user) or G (several users) channel id; True if it already existed."""
        key = ",".join(sorted(users))
        if key in self._dm_channels:
            return self._dm_channels[key], True
        channel = self._next_id("D" if len(users) == 1 else "G")
        self._dm_channels[key] = channel
        return channel, False

    def _require_channel(self, params: JsonDict) -> str:
        """Posting to a user id opens (and answers with) the DM channel, as Slack does."""
        channel = str(params.get("channel") or "")
        if not channel:
            raise SlackError("channel_not_found")
        if channel[0] in "UW":
            return self._dm_channel([channel])[0]
        return channel

    def _check_message_content(self, params: JsonDict) -> JsonDict:
        """Refuse what Slack refuses; a text over 40,000 characters is truncated instead
        (api.slack.com/changelog/2018-04-truncating-really-long-messages). Returns the
        ``response_metadata`` warning to add to the answer, if any."""
        text, blocks = params.get("text"), params.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list):
                raise SlackError(
                    "invalid_blocks_format", ["[ERROR] blocks must be a JSON array of blocks"]
                )
            _raise_for(validate_blocks(blocks), "invalid_blocks")
        if not text and not blocks and not params.get("attachments"):
            raise SlackError("no_text", ["[ERROR] one of text, blocks or attachments is required"])
        if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
            return {
                "response_metadata": {
                    "messages": [
                        "[WARN] Your message was truncated but still posted. The `text` "
                        f"field accepts up to {MAX_MESSAGE_TEXT:,} characters."
                    ],
                    "warnings": ["message_truncated"],
                }
            }
        return {}

    def _find_message(self, channel: str, ts: Any) -> JsonDict:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    @staticmethod
    def _check_view(view: Any, kind: str) -> JsonDict:
        errors = validate_view(view)
        if not errors and view.get("type") != kind:
            errors = _error("/view/type", f"must be {kind} for this method")
        _raise_for(errors, "invalid_arguments")
        return cast(JsonDict, view)

    def _store_view(self, view: JsonDict) -> JsonDict:
        view_id = self._next_id("V")
        stored: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
            "callback_id": "",
            "private_metadata": "",
            "external_id": "",
            "state": {"values": {}},
            "hash": f"{self._next_ts()}.{view_id}",
            "root_view_id": view_id,
            "previous_view_id": None,
            **view,
        }
        self.views[view_id] = stored
        return stored

    @staticmethod
    def _require(params: JsonDict, *names: str) -> None:
        missing = [name for name in names if not params.get(name)]
        if missing:
            raise SlackError(
                "invalid_arguments", [f"[ERROR] missing required field: {n}" for n in missing]
            )

    # Method handlers: each returns the payload without "ok" or raises SlackError -----

    def _auth_test(self, params: JsonDict) -> JsonDict:
        return {
            "url": f"https://{self.team_name.lower().replace(' ', '-')}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, params: JsonDict) -> JsonDict:
        channel = self._require_channel(params)
        warning = self._check_message_content(params)
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": str(params.get("text") or "")[:MAX_MESSAGE_TEXT],
            "ts": self._next_ts(),
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if params.get(key):
                message[key] = params[key]
        self.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": message["ts"], "message": dict(message), **warning}

    def _chat_post_ephemeral(self, params: JsonDict) -> JsonDict:
        self._require_channel(params)
        self._require(params, "user")
        return {"message_ts": self._next_ts(), **self._check_message_content(params)}

    def _chat_update(self, params: JsonDict) -> JsonDict:
        # Unlike chat.postMessage, editing a DM needs its D id, not the user's id.
        if str(params.get("channel") or "")[:1] in ("U", "W"):
            raise SlackError("channel_not_found")
        channel = self._require_channel(params)
        message = self._find_message(channel, params.get("ts"))
        warning = self._check_message_content(params)
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in params:
                message[key] = params[key]
        message["text"] = str(message["text"])[:MAX_MESSAGE_TEXT]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": dict(message),
            **warning,
        }

    def _conversations_open(self, params: JsonDict) -> JsonDict:
        if params.get("channel"):
            return {"channel": {"id": params["channel"]}, "no_op": True, "already_open": True}
        raw = params.get("users") or ""
        users = raw if isinstance(raw, list) else [u for u in str(raw).split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        channel, existed = self._dm_channel(users)
        answer: JsonDict = {"channel": {"id": channel}}
        if existed:
            answer.update(no_op=True, already_open=True)
        return answer

    def _require_scope(self, scope: str) -> None:
        granted = self.scopes.split(",")
        if scope not in granted:
            raise SlackMissingScope(scope, self.scopes)

    def _shown_user(self, user: JsonDict) -> JsonDict:
        """A member as the token may see them: no e-mail without ``users:read.email``."""
        shown: JsonDict = json.loads(json.dumps(user))
        if "users:read.email" not in self.scopes.split(","):
            shown["profile"].pop("email", None)
        if not shown["profile"].get("email"):
            shown["profile"].pop("email", None)
        return shown

    def _users_info(self, params: JsonDict) -> JsonDict:
        self._require_scope("users:read")
        self._require(params, "user")
        user = self.users.get(str(params["user"]))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": self._shown_user(user)}

    def _users_lookup_by_email(self, params: JsonDict) -> JsonDict:
        self._require_scope("users:read.email")
        self._require(params, "email")
        wanted = str(params["email"]).strip().lower()
        for user in self.users.values():
            if str(user["profile"].get("email") or "").lower() == wanted:
                return {"user": self._shown_user(user)}
        raise SlackError("users_not_found")

    def _files_get_upload_url(self, params: JsonDict) -> JsonDict:
        """Step 1 of an upload: announce the file's name and size, get a URL for its bytes."""
        self._require_scope("files:write")
        self._require(params, "filename", "length")
        try:
            length = int(str(params["length"]))
        except ValueError:
            raise SlackError("invalid_arguments", ["[ERROR] length must be an integer"]) from None
        if not 0 < length <= MAX_FILE_BYTES:
            raise SlackError("invalid_arguments", [f"[ERROR] length {length} out of range"])
        file_id = self._next_id("F")
        self.files[file_id] = SlackFile(
            file_id, str(params["filename"]), length, str(params.get("alt_txt") or "")
        )
        return {"upload_url": f"{self.root_url}upload/v1/{file_id}", "file_id": file_id}

    def _upload(self, file_id: str, raw: bytes) -> tuple[int, str]:
        """Step 2: the file's bytes, posted to the URL step 1 gave (no token: the URL is it)."""
        with self._changed:
            upload = self.files.get(file_id)
            if upload is None:
                status, answer = HTTPStatus.NOT_FOUND, "not found"
            elif len(raw) != upload.length:
                status = HTTPStatus.BAD_REQUEST
                answer = f"length mismatch: announced {upload.length}, got {len(raw)}"
            else:
                upload.content = raw
                status, answer = HTTPStatus.OK, f"OK - {len(raw)}"
            self.calls.append(
                SlackCall("upload", {"length": len(raw)}, {}, {}, status, f"/upload/v1/{file_id}")
            )
            self._changed.notify_all()
        return status, answer

    def _files_complete_upload(self, params: JsonDict) -> JsonDict:
        """Step 3: share uploaded files into a channel (or keep them private without one)."""
        self._require_scope("files:write")
        self._require(params, "files")
        entries = params["files"]
        if isinstance(entries, str):
            try:
                entries = json.loads(entries)
            except ValueError:
                raise SlackError("invalid_arguments", ["[ERROR] files must be JSON"]) from None
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments", ["[ERROR] files must be a non-empty array"])
        channel = str(params.get("channel_id") or "") or None
        if channel is not None and channel[0] not in "CDG":
            raise SlackError("invalid_channel")
        done = []
        for entry in entries:
            upload = self.files.get(str(entry.get("id") if isinstance(entry, dict) else ""))
            if upload is None or upload.content is None:
                raise SlackError("file_not_found")
            if upload.channel is not None:
                raise SlackError("file_already_shared")  # modelled: hirebot shares a file once
            upload.title = str(entry.get("title") or upload.filename)
            upload.channel = channel
            upload.initial_comment = str(params.get("initial_comment") or "")
            upload.thread_ts = str(params.get("thread_ts") or "") or None
            done.append({"id": upload.id, "title": upload.title, "name": upload.filename})
        return {"files": done}

    def _views_open(self, params: JsonDict) -> JsonDict:
        self._require(params, "trigger_id")
        return {"view": self._store_view(self._check_view(params.get("view"), "modal"))}

    def _views_publish(self, params: JsonDict) -> JsonDict:
        self._require(params, "user_id")
        view = self._store_view(self._check_view(params.get("view"), "home"))
        self.home_views[str(params["user_id"])] = view
        return {"view": view}


# ---------------------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlackAPI


def _decode_params(content_type: str, raw: bytes, query: str) -> tuple[JsonDict, str | None]:
    """Merge query-string and body arguments the way Slack reads them.

    Returns the params and, if the body could not be decoded, the Slack error name.
    """
    params: JsonDict = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if raw.strip() and media_type == "application/json":
        try:
            body = json.loads(raw)
        except ValueError:
            return params, "invalid_json"
        if not isinstance(body, dict):
            return params, "json_not_object"
        params.update(body)
    elif raw.strip() and media_type == "application/x-www-form-urlencoded":
        params.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    elif raw.strip():
        return params, "invalid_form_data"  # multipart (file uploads) is not modelled
    for name in JSON_ENCODED_PARAMS:
        value = params.get(name)
        if isinstance(value, str):
            # Undecodable values stay strings; validation reports invalid_blocks_format.
            with contextlib.suppress(ValueError):
                params[name] = json.loads(value)
    return params, None


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # An answer's head and body are two writes; with Nagle's algorithm on, the body of an
    # answer on a kept-alive connection waits for the client's delayed ACK (40 ms on Linux),
    # which Slack's servers never make a client wait.
    disable_nagle_algorithm = True

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
        if url.path.startswith("/upload/v1/") and self.command == "POST":
            status, answer = self.server.fake._upload(url.path.removeprefix("/upload/v1/"), raw)
            self._send(status, answer.encode(), "text/plain; charset=utf-8", {})
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        params, parse_error = _decode_params(headers.get("content-type", ""), raw, url.query)
        fake = self.server.fake
        if url.path.startswith("/api/") and len(url.path) > len("/api/"):
            method = url.path.removeprefix("/api/")
            peer = (str(self.client_address[0]), int(self.client_address[1]))
            status, extra, body = fake._api_request(method, headers, params, parse_error, peer)
            self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", extra)
        elif url.path.startswith("/response_url/") and self.command == "POST":
            key = unquote(url.path.removeprefix("/response_url/"))
            with fake._changed:
                fake.response_url_peers.append(self.client_address[:2])
            status, answer = fake._response_url_request(key, headers, params, parse_error)
            self._send(status, answer.encode(), "text/plain; charset=utf-8", {})
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8", {})

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

"""A local fake of the WhatsApp Cloud API (the Graph API's messages endpoint), cut to what
hirebot uses, and the signed webhook notifications Meta sends.

The real pywa client talks to it over loopback HTTP, so tests exercise pywa's request
encoding, its response parsing and its error mapping (`pywa.errors.TooManyMessages`, ...)
instead of a mock of them.

It serves `POST /{version}/{phone_number_id}/messages` and checks what the Cloud API checks
there: the bearer token (401, code 190), the phone number id (400, code 100),
`messaging_product`, a recipient, the message shapes and their limits (text 1–4,096
characters; reply buttons 1–3 with titles of 1–20 characters and ids of at most 256, unique;
lists with a button label of at most 20, 1–10 sections, at most 10 rows in all, row titles of
24, descriptions of 72, ids of 200, unique; an interactive body of at most 1,024), and
templates by name and language with their parameter count (132001, 132000). It also serves
`POST /{version}/{phone_number_id}/media`, the multipart upload (`messaging_product`, `type`
the MIME type, `file`; PNG or JPEG whose bytes are what the type says, at most 5 MB), which
answers a media id, and takes `image` messages naming an uploaded id (or a link) with a
caption of at most 1,024 characters. Its answers carry
`wamid` ids. Like the Cloud API it refuses a free-form message to someone who has not written
within 24 hours (131047), by the clock it is given. It can be told to answer 130429, 131056 or
any other error for the next sends (`fail_next`).

Notifications (`message`, `tap`, `pick`, `status`) are built as Meta sends them
(`entry[].changes[].value` with `metadata`, `contacts` and `messages` or `statuses`) and
signed with the app secret (`X-Hub-Signature-256`); the tests post them to hirebot's webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP as HTTP_POLICY
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.fakes.rate_limits import Limit, RateLimits

JsonDict = dict[str, Any]

VERSION = "v23.0"
WABA_ID = "102290129340398"
MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_SECTIONS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_BUTTON = 20
MAX_CAPTION = 1024
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Image types the Cloud API takes, with the bytes each file starts with.
IMAGE_TYPES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
WINDOW = timedelta(hours=24)

ERROR_TEXTS = {
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131026: "Message Undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131009: "Parameter value is not valid",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    190: "Error validating access token",
}


class GraphError(Exception):
    def __init__(self, code: int, details: str, status: int = 400) -> None:
        super().__init__(details)
        self.code, self.details, self.status = code, details, status

    def body(self) -> JsonDict:
        return {
            "error": {
                "message": f"({self.code}) {ERROR_TEXTS.get(self.code, 'Error')}",
                "type": "OAuthException",
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": "AbCdEf123",
            }
        }


@dataclass
class SentMessage:
    """One message the fake accepted, as the person's phone would show it."""

    wamid: str
    to: str
    type: str
    body: JsonDict
    at: datetime

    @property
    def text(self) -> str:
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.type == "template":
            return f"[template {self.body['template']['name']}]"
        if self.type == "image":
            return str(self.body["image"].get("caption") or "")
        return ""

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(title, id) of each button or list row."""
        return [(title, ref) for title, ref, _ in self.rows]

    @property
    def rows(self) -> list[tuple[str, str, str]]:
        """(title, id, description) of each button or list row."""
        if self.type != "interactive":
            return []
        action = self.body["interactive"]["action"]
        if "buttons" in action:
            return [(b["reply"]["title"], b["reply"]["id"], "") for b in action["buttons"]]
        return [
            (r["title"], r["id"], r.get("description", ""))
            for s in action["sections"]
            for r in s["rows"]
        ]

    def labels(self) -> list[str]:
        """What each choice says in full (a long label's row shows it as its description)."""
        return [description or title for title, _, description in self.rows]


@dataclass
class User:
    """A WhatsApp user: their number (wa_id, digits) unless hidden, and their user id."""

    wa_id: str | None
    user_id: str
    name: str = "A user"

    def contact(self) -> JsonDict:
        contact: JsonDict = {"profile": {"name": self.name}, "user_id": self.user_id}
        if self.wa_id:
            contact["wa_id"] = self.wa_id
        return contact


@dataclass(frozen=True)
class Uploaded:
    """A file uploaded to `/media`, by its media id."""

    mime_type: str
    filename: str
    content: bytes


@dataclass
class Failure:
    code: int
    to: str | None
    after: int = 0  # sends (to `to`) that pass before this one fails


@dataclass
class Templates:
    known: dict[tuple[str, str], int] = field(
        default_factory=lambda: {("hirebot_waiting", "en"): 1}
    )


class FakeWhatsAppAPI:
    """Usage: `with FakeWhatsAppAPI(now=clock.now) as wa: ... wa.base_url ...`."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        token: str = "EAAtest-token",
        phone_number_id: str = "106540352242922",
        app_secret: str = "app-secret-0123456789",
    ) -> None:
        self.now = now or (lambda: datetime.now(UTC))
        self.token = token
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret
        self.display_number = "15550783881"
        self.sent: list[SentMessage] = []
        self.media: dict[str, Uploaded] = {}
        self.refused: list[tuple[int, JsonDict]] = []
        self.requests = 0
        self.templates = Templates()
        self.last_inbound: dict[str, datetime] = {}
        self.users: dict[str, User] = {}
        self._failures: deque[Failure] = deque()
        self.limits = RateLimits(now=lambda: self.now().timestamp())
        self._number_limit: Limit | None = None
        self._pair_limit: Limit | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # Lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> FakeWhatsAppAPI:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{VERSION}"

    # Scripting ---------------------------------------------------------------------------

    def user(self, number: str | None, user_id: str, name: str = "A user") -> User:
        """A WhatsApp account: `number` as `+digits` (None: hidden behind a username)."""
        found = User(number.lstrip("+") if number else None, user_id, name)
        for key in (found.wa_id, found.user_id):
            if key:
                self.users[key] = found
        return found

    def enforce_limits(
        self, *, per_number: Limit | None = None, per_person: Limit | None = None
    ) -> RateLimits:
        """From now on, refuse sends over the business number's throughput (130429) or the
        pair rate limit to one person (131056), on the fake's `now`; returns the record of
        accepted sends (rate_limits.py)."""
        with self._lock:
            self._number_limit, self._pair_limit = per_number, per_person
            self.limits = RateLimits(now=lambda: self.now().timestamp())
            return self.limits

    def _within_limits(self, to: str) -> None:
        person = to.lstrip("+")
        wanted = [("number", "", self._number_limit), ("pair", person, self._pair_limit)]
        limits = [(name, key, limit) for name, key, limit in wanted if limit is not None]
        if limits and self.limits.take(person, limits) > 0:
            if self.limits.refused_by[-1] == "number":
                raise GraphError(130429, "throughput reached for the business number")
            raise GraphError(131056, "too many messages to this person")

    def fail_next(
        self, code: int, count: int = 1, *, to: str | None = None, after: int = 0
    ) -> None:
        """Answer the next `count` sends (to `to`, if given) with error `code`, once `after`
        sends have passed (the middle of a split reply)."""
        with self._lock:
            self._failures.extend(Failure(code, to, after) for _ in range(count))

    def to(self, user: User) -> list[SentMessage]:
        """What the user's phone shows, oldest first."""
        keys = {user.wa_id, user.user_id, f"+{user.wa_id}" if user.wa_id else None} - {None}
        return [m for m in self.sent if m.to in keys]

    # Notifications ------------------------------------------------------------------------

    def _envelope(self, user: User, value: JsonDict) -> JsonDict:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": self.display_number,
                                    "phone_number_id": self.phone_number_id,
                                },
                                "contacts": [user.contact()],
                                **value,
                            },
                        }
                    ],
                }
            ],
        }

    def _incoming(self, user: User, body: JsonDict, context: str | None) -> JsonDict:
        at = self.now()
        self.last_inbound[user.user_id] = at
        if user.wa_id:
            self.last_inbound[user.wa_id] = at
        message: JsonDict = {
            "id": f"wamid.IN{next(self._ids):08d}",
            "timestamp": str(int(at.timestamp())),
            "from_user_id": user.user_id,
            **body,
        }
        if user.wa_id:
            message["from"] = user.wa_id
        if context:
            message["context"] = {"from": self.display_number, "id": context}
        return self._envelope(user, {"messages": [message]})

    def message(self, user: User, text: str, *, quoting: str | None = None) -> JsonDict:
        return self._incoming(user, {"type": "text", "text": {"body": text}}, quoting)

    def tap(self, user: User, sent: SentMessage, title: str) -> JsonDict:
        """The user taps the button (or list row) titled `title` on a message we sent."""
        ids = dict(sent.choices)
        if title not in ids:
            raise AssertionError(f"no choice {title!r} on {sent.wamid}: {sent.choices}")
        action = sent.body["interactive"]["action"]
        kind = "button_reply" if "buttons" in action else "list_reply"
        body = {
            "type": "interactive",
            "interactive": {"type": kind, kind: {"id": ids[title], "title": title}},
        }
        return self._incoming(user, body, sent.wamid)

    def quick_reply(self, user: User, sent: SentMessage, payload: str, text: str) -> JsonDict:
        """A template's quick-reply button."""
        body = {"type": "button", "button": {"payload": payload, "text": text}}
        return self._incoming(user, body, sent.wamid)

    def status(self, sent: SentMessage, status: str, *, error: int | None = None) -> JsonDict:
        user = self.users.get(sent.to.lstrip("+")) or User(sent.to.lstrip("+"), "XX.0")
        item: JsonDict = {
            "id": sent.wamid,
            "status": status,
            "timestamp": str(int(self.now().timestamp())),
            "recipient_id": user.wa_id or "",
            "recipient_user_id": user.user_id,
        }
        if error is not None:
            item["errors"] = [
                {
                    "code": error,
                    "title": ERROR_TEXTS.get(error, "Error"),
                    "message": ERROR_TEXTS.get(error, "Error"),
                    "error_data": {"details": "as the fake was told"},
                }
            ]
        return self._envelope(user, {"statuses": [item]})

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()
        return f"sha256={digest}"

    # The endpoint -------------------------------------------------------------------------

    def _accept(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, JsonDict]:
        self.requests += 1
        if headers.get("authorization") != f"Bearer {self.token}":
            raise GraphError(190, "Invalid OAuth access token", status=401)
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != VERSION or parts[2] not in ("messages", "media"):
            raise GraphError(100, f"Unknown path components: {path}")
        if parts[1] != self.phone_number_id:
            raise GraphError(100, f"Object with ID '{parts[1]}' does not exist")
        if parts[2] == "media":
            return self._upload(headers, raw)
        try:
            data = json.loads(raw)
        except ValueError:
            raise GraphError(100, "The request body is not JSON") from None
        if data.get("messaging_product") != "whatsapp":
            raise GraphError(100, "messaging_product is required and must be whatsapp")
        to = data.get("to") or data.get("recipient")
        if not to:
            raise GraphError(100, "to or recipient is required")
        kind = data.get("type", "text")
        {"text": _check_text, "interactive": _check_interactive}.get(kind, _no_check)(data)
        if kind == "template":
            self._check_template(data)
        elif kind == "image":
            self._check_image(data)
        elif kind not in ("text", "interactive"):
            raise GraphError(131009, f"message type {kind} is not modelled by the fake")
        with self._lock:
            failure = next(
                (
                    f
                    for f in self._failures
                    if f.to is None or f.to.lstrip("+") == str(to).lstrip("+")
                ),
                None,
            )
            if failure is not None and failure.after > 0:
                failure.after -= 1
            elif failure is not None:
                self._failures.remove(failure)
                raise GraphError(failure.code, "as the fake was told")
            if kind != "template":
                last = self.last_inbound.get(str(to).lstrip("+"))
                if last is None or self.now() - last >= WINDOW:
                    raise GraphError(
                        131047, "More than 24 hours have passed since the recipient last replied"
                    )
            self._within_limits(str(to))
            wamid = f"wamid.OUT{next(self._ids):08d}"
            self.sent.append(SentMessage(wamid, str(to), kind, data, self.now()))
        user = self.users.get(str(to).lstrip("+"))
        contact: JsonDict = {"input": to}
        if user is not None and user.wa_id and data.get("to"):
            contact["wa_id"] = user.wa_id
        else:
            contact["user_id"] = user.user_id if user else str(to)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": wamid}],
        }

    def _upload(self, headers: dict[str, str], raw: bytes) -> tuple[int, JsonDict]:
        """`/media`: a multipart form, checked as the Cloud API checks an image upload."""
        content_type = headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise GraphError(100, "media must be uploaded as multipart/form-data")
        form = BytesParser(policy=HTTP_POLICY).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + raw
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in form.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                fields[name] = (part.get_filename(), payload)
        if fields.get("messaging_product", (None, b""))[1] != b"whatsapp":
            raise GraphError(100, "messaging_product is required and must be whatsapp")
        mime = fields.get("type", (None, b""))[1].decode()
        if mime not in IMAGE_TYPES:
            raise GraphError(131053, f"media type {mime or '(none)'} is not modelled by the fake")
        filename, content = fields.get("file", (None, b""))
        if not content:
            raise GraphError(100, "file is required")
        if len(content) > MAX_IMAGE_BYTES:
            raise GraphError(131053, f"an image is at most 5 MB; this one is {len(content)} bytes")
        if not content.startswith(IMAGE_TYPES[mime]):
            raise GraphError(131053, f"the file is not a {mime} image")
        with self._lock:
            media_id = f"{next(self._ids) + 900000000000000}"
            self.media[media_id] = Uploaded(mime, filename or "", content)
        return 200, {"id": media_id}

    def _check_image(self, data: JsonDict) -> None:
        image = data.get("image") or {}
        if ("id" in image) == ("link" in image):
            raise GraphError(100, "image needs exactly one of id and link")
        if "id" in image and str(image["id"]) not in self.media:
            raise GraphError(100, f"media {image['id']} was not uploaded to this number")
        caption = image.get("caption")
        if caption is not None and len(str(caption)) > MAX_CAPTION:
            raise GraphError(100, f"caption is {len(str(caption))} characters; at most 1024")

    def image_of(self, sent: SentMessage) -> Uploaded:
        """The uploaded file an image message showed."""
        return self.media[str(sent.body["image"]["id"])]

    def _check_template(self, data: JsonDict) -> None:
        template = data.get("template") or {}
        key = (template.get("name"), (template.get("language") or {}).get("code"))
        if key not in self.templates.known:
            raise GraphError(132001, f"template {key[0]} ({key[1]}) does not exist")
        count = sum(
            len(c.get("parameters") or [])
            for c in template.get("components") or []
            if c.get("type") == "body"
        )
        if count != self.templates.known[key]:
            raise GraphError(132000, f"body has {count} parameters")
        for component in template.get("components") or []:
            if component.get("type") == "button" and component.get("sub_type") != "quick_reply":
                raise GraphError(131009, "the template's one button is a quick reply")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, body = fake._accept(self.path, headers, raw)
                except GraphError as exc:
                    status, body = exc.status, exc.body()
                    try:
                        sent = json.loads(raw) if raw else {}
                    except ValueError:  # a multipart upload
                        sent = {"upload": len(raw)}
                    with fake._lock:
                        fake.refused.append((exc.code, sent))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def _no_check(data: JsonDict) -> None:
    return None


def _check_text(data: JsonDict) -> None:
    body = (data.get("text") or {}).get("body")
    if not isinstance(body, str) or not body:
        raise GraphError(100, "text.body is required")
    if len(body) > MAX_TEXT:
        raise GraphError(100, f"text.body is {len(body)} characters; at most {MAX_TEXT}")


def _check_interactive(data: JsonDict) -> None:
    interactive = data.get("interactive") or {}
    body = (interactive.get("body") or {}).get("text")
    if not isinstance(body, str) or not body:
        raise GraphError(100, "interactive.body.text is required")
    if len(body) > MAX_BODY:
        raise GraphError(100, f"interactive body is {len(body)} characters; at most {MAX_BODY}")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            raise GraphError(131009, f"{len(buttons)} buttons; 1 to {MAX_BUTTONS} allowed")
        titles = [b["reply"]["title"] for b in buttons]
        ids = [b["reply"]["id"] for b in buttons]
        for title in titles:
            if not 1 <= len(title) <= MAX_BUTTON_TITLE:
                raise GraphError(
                    131009, f"button title {title!r} is not 1-{MAX_BUTTON_TITLE} characters"
                )
        if any(len(i) > MAX_BUTTON_ID for i in ids):
            raise GraphError(131009, "button id longer than 256 characters")
        if len(set(titles)) != len(titles) or len(set(ids)) != len(ids):
            raise GraphError(131009, "button titles and ids must be unique")
    elif interactive.get("type") == "list":
        label = action.get("button") or ""
        if not 1 <= len(label) <= MAX_LIST_BUTTON:
            raise GraphError(131009, f"list button {label!r} is not 1-{MAX_LIST_BUTTON} characters")
        sections = action.get("sections") or []
        if not 1 <= len(sections) <= MAX_SECTIONS:
            raise GraphError(131009, f"{len(sections)} sections")
        rows = [r for s in sections for r in s.get("rows") or []]
        if not 1 <= len(rows) <= MAX_ROWS:
            raise GraphError(131009, f"{len(rows)} rows; 1 to {MAX_ROWS} allowed")
        for row in rows:
            if not 1 <= len(row.get("title") or "") <= MAX_ROW_TITLE:
                raise GraphError(131009, f"row title {row.get('title')!r} too long")
            if len(row.get("description") or "") > MAX_ROW_DESCRIPTION:
                raise GraphError(131009, "row description longer than 72 characters")
            if len(row.get("id") or "") > MAX_ROW_ID:
                raise GraphError(131009, "row id longer than 200 characters")
        if len({r["id"] for r in rows}) != len(rows):
            raise GraphError(131009, "row ids must be unique")
    else:
        raise GraphError(131009, f"interactive type {interactive.get('type')} is not modelled")

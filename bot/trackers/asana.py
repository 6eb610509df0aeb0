"""Asana through `asana` (Asana's official Python client, v5).

Items are tasks in the role's project (and `section`, when given); hirebot's key is the last
line of the task's notes, and the project's tasks are read to find an earlier attempt's task;
labels are the workspace's tags (made when missing). The client is built on first use with
its urllib3 retries off: they sleep in the calling thread (honouring Retry-After), while
hirebot's queue (bot/services/trackers.py) waits without holding a worker.

Webhooks: creating one makes Asana send a handshake with `X-Hook-Secret`, which the route
echoes and keeps (tracker_webhooks); every later delivery carries `X-Hook-Signature`, the hex
HMAC-SHA256 of the body with that secret. Asana's events name what changed, not its new value,
so a delivery is applied by reading the task back.

The `asana` package is imported on first use (`_sdk`), not with this module: the tracker
registry imports every tracker's module to see whether its credentials are set, and the
package took over a third of `hirebot serve`'s start-up (docs/benchmarks.md, "Handling cost").
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Sequence
from datetime import date
from types import ModuleType
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.trackers import ItemChange, NewItem, RemoteItem, TrackerError, TrackerSpec
from bot.environment import Environment
from bot.trackers.key_line import key_of, with_key
from bot.trackers.webhooks import Delivery, retry_after_of

KIND = "asana"
TASK_FIELDS = "name,notes,completed,due_on,permalink_url"


class AsanaSettings(BaseSettings):
    """`ASANA_TOKEN` (a personal access token or a service account's), `ASANA_API_URL` (the
    API's base URL)."""

    model_config = SettingsConfigDict(env_prefix="ASANA_", extra="ignore")

    token: str | None = None
    api_url: str = "https://app.asana.com/api/1.0"


def _due(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _sdk() -> ModuleType:
    """The asana package (imported once, by the first call that talks to Asana)."""
    import asana
    import asana.rest

    sdk: ModuleType = asana
    return sdk


def _error(exc: Exception, doing: str) -> TrackerError:
    if isinstance(exc, _sdk().rest.ApiException):
        status = int(exc.status or 0)
        headers = dict(exc.headers or {})
        text = f"Asana {status} while {doing}: {str(exc.body or exc.reason or '')[:300]}"
        if status == 429:
            return TrackerError(text, retry_after=retry_after_of(headers) or 60.0)
        return TrackerError(
            text, retry_after=retry_after_of(headers), permanent=400 <= status < 500
        )
    return TrackerError(f"Asana unreachable while {doing}: {type(exc).__name__}: {exc}")


class AsanaTracker:
    kind = KIND

    def __init__(self, settings: AsanaSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._tags: dict[tuple[str, str], str] = {}  # (workspace, name) -> tag gid
        self._lock = threading.Lock()

    def _api(self) -> Any:
        with self._lock:
            if self._client is None:
                configuration = _sdk().Configuration()
                configuration.host = self.settings.api_url.rstrip("/")
                configuration.access_token = self.settings.token or ""
                configuration.retry_strategy = False  # the queue retries, not this thread
                self._client = _sdk().ApiClient(configuration)
            return self._client

    def _call(self, doing: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:  # any failure of the client is the queue's to retry
            raise _error(exc, doing) from exc

    def _remote(self, task: dict[str, Any]) -> RemoteItem:
        return RemoteItem(
            external_id=str(task["gid"]),
            url=str(task.get("permalink_url") or ""),
            done=bool(task.get("completed")),
            due=_due(task.get("due_on")),
            key=key_of(str(task.get("notes") or "")),
        )

    def _tasks(self, spec: TrackerSpec) -> list[dict[str, Any]]:
        tasks = _sdk().TasksApi(self._call("connecting", self._api))
        found: list[dict[str, Any]] = self._call(
            "reading the project",
            lambda: list(
                tasks.get_tasks_for_project(spec.options["project"], {"opt_fields": TASK_FIELDS})
            ),
        )
        return found

    def find(self, spec: TrackerSpec, key: str) -> RemoteItem | None:
        for task in self._tasks(spec):
            if key_of(str(task.get("notes") or "")) == key:
                return self._remote(task)
        return None

    def _tag_gids(self, workspace: str, names: Sequence[str]) -> list[str]:
        tags = _sdk().TagsApi(self._call("connecting", self._api))
        with self._lock:
            if any((workspace, n) not in self._tags for n in names):
                found = self._call(
                    "reading tags",
                    lambda: list(tags.get_tags_for_workspace(workspace, {"opt_fields": "name"})),
                )
                for tag in found:
                    self._tags[(workspace, str(tag.get("name")))] = str(tag["gid"])
            for name in names:
                if (workspace, name) not in self._tags:
                    made = self._call(
                        "creating a tag",
                        tags.create_tag_for_workspace,
                        {"data": {"name": name}},
                        workspace,
                        {},
                    )
                    self._tags[(workspace, name)] = str(made["gid"])
            return [self._tags[(workspace, n)] for n in names]

    def _assignee(self, email: str | None) -> str | None:
        """The Asana user with this e-mail, if there is one (404: leave the task unassigned)."""
        if not email:
            return None
        users = _sdk().UsersApi(self._call("connecting", self._api))
        try:
            user = users.get_user(email, {"opt_fields": "gid"})
        except _sdk().rest.ApiException as exc:
            if exc.status == 404:
                return None
            raise _error(exc, "looking up the assignee") from exc
        except Exception as exc:
            raise _error(exc, "looking up the assignee") from exc
        return str(user["gid"]) if user else None

    def create(self, spec: TrackerSpec, item: NewItem) -> RemoteItem:
        workspace, project = spec.options["workspace"], spec.options["project"]
        data: dict[str, Any] = {
            "name": item.title,
            "notes": with_key(item.description, item.key),
            "workspace": workspace,
            "projects": [project],
            "tags": self._tag_gids(workspace, list(item.labels)),
        }
        if spec.section:
            data["memberships"] = [{"project": project, "section": spec.section}]
        if item.due is not None:
            data["due_on"] = item.due.isoformat()
        assignee = self._assignee(item.assignee_email)
        if assignee:
            data["assignee"] = assignee
        tasks = _sdk().TasksApi(self._call("connecting", self._api))
        task = self._call(
            "creating a task", tasks.create_task, {"data": data}, {"opt_fields": TASK_FIELDS}
        )
        return self._remote(task)

    def set_done(self, spec: TrackerSpec, external_id: str, done: bool) -> None:
        tasks = _sdk().TasksApi(self._call("connecting", self._api))
        self._call(
            "updating the task", tasks.update_task, {"data": {"completed": done}}, external_id, {}
        )

    def fetch(self, spec: TrackerSpec, external_ids: Sequence[str]) -> list[RemoteItem]:
        wanted = set(external_ids)
        return [self._remote(t) for t in self._tasks(spec) if str(t.get("gid")) in wanted]

    def register_webhook(self, spec: TrackerSpec, callback_url: str) -> str:
        """Asana sends the handshake to `callback_url` before it answers this call."""
        hooks = _sdk().WebhooksApi(self._call("connecting", self._api))
        made = self._call(
            "registering the webhook",
            hooks.create_webhook,
            {"data": {"resource": spec.options["project"], "target": callback_url}},
            {},
        )
        return str(made.get("gid") or "")


def build(env: Environment) -> AsanaTracker | None:
    settings = env.channel_settings(AsanaSettings)
    return AsanaTracker(settings) if settings.token else None


class AsanaWebhooks:
    """Asana's handshake, then deliveries signed with the secret it handed out."""

    kind = KIND

    def handshake(self, delivery: Delivery) -> dict[str, str] | None:
        secret = delivery.headers.get("x-hook-secret")
        return {"X-Hook-Secret": secret} if secret else None

    def verify(self, delivery: Delivery, stored: Sequence[str]) -> bool:
        given = delivery.headers.get("x-hook-signature", "")
        if not given:
            return False
        return any(
            hmac.compare_digest(
                given, hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
            )
            for secret in stored
        )

    def event_key(self, delivery: Delivery, payload: dict[str, Any]) -> str:
        return f"asana:{hashlib.sha256(delivery.body).hexdigest()}"

    def changes(self, payload: dict[str, Any]) -> list[ItemChange]:
        """Tasks changed: their state is read back (`refresh`), once each."""
        gids: dict[str, None] = {}
        for event in payload.get("events") or []:
            resource = event.get("resource") if isinstance(event, dict) else None
            if isinstance(resource, dict) and resource.get("resource_type") == "task":
                gids[str(resource.get("gid"))] = None
        return [ItemChange(kind=KIND, external_id=gid, refresh=True) for gid in gids]


def verifier(env: Environment) -> AsanaWebhooks:
    return AsanaWebhooks()

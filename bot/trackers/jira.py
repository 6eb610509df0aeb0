"""Jira (Cloud and Data Center) through `jira` (pycontribs/jira), the maintained client.

Items are issues in the role's project; hirebot's key is a label on the issue, so finding an
earlier attempt's issue is one JQL search. The client is built on first use with
`max_retries=0`: its own retry loop sleeps in the calling thread, while hirebot's queue
(bot/services/trackers.py) waits for Retry-After and backs off without holding a worker.
Webhooks registered with a secret carry `X-Hub-Signature: sha256=<hex HMAC of the body>`.

`jira` is imported when a client is first built or a failure read, not with this module:
the tracker registry imports every tracker's module to see whether its credentials are set,
and `hirebot serve` should not pay for an SDK it does not use (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.trackers import ItemChange, NewItem, RemoteItem, TrackerError, TrackerSpec
from bot.environment import Environment
from bot.trackers.webhooks import Delivery, retry_after_of

if TYPE_CHECKING:
    from jira import JIRA

log = logging.getLogger(__name__)

KIND = "jira"
FIELDS = "status,duedate,labels"
TIMEOUT = 20


class JiraSettings(BaseSettings):
    """`JIRA_URL` (the site, https://example.atlassian.net), `JIRA_EMAIL` and `JIRA_API_TOKEN`
    (basic auth, as Atlassian's API tokens are used), `JIRA_WEBHOOK_SECRET` (the secret the
    webhooks are registered with)."""

    model_config = SettingsConfigDict(env_prefix="JIRA_", extra="ignore")

    url: str | None = None
    email: str | None = None
    api_token: str | None = None
    webhook_secret: str | None = None


def _error(exc: Exception, doing: str) -> TrackerError:
    """A client failure as the queue sees it: rate limited, worth retrying, or not."""
    from jira import JIRAError

    if isinstance(exc, JIRAError):
        status = exc.status_code or 0
        response = getattr(exc, "response", None)
        retry = retry_after_of(response.headers if response is not None else {})
        text = f"Jira {status} while {doing}: {exc.text or ''}".strip()
        if status == 429:
            return TrackerError(text, retry_after=retry or 60.0)
        return TrackerError(text, retry_after=retry, permanent=400 <= status < 500)
    return TrackerError(f"Jira unreachable while {doing}: {type(exc).__name__}: {exc}")


def _due(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _leads_to_done(transition: dict[str, Any]) -> bool:
    return ((transition.get("to") or {}).get("statusCategory") or {}).get("key") == "done"


def _done(fields: dict[str, Any]) -> bool:
    category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
    return category == "done"


class JiraTracker:
    kind = KIND

    def __init__(self, settings: JiraSettings) -> None:
        assert settings.url is not None
        self.settings = settings
        self.site = settings.url.rstrip("/")
        self._client: JIRA | None = None
        self._lock = threading.Lock()

    def _jira(self) -> JIRA:
        with self._lock:
            if self._client is None:
                from jira import JIRA

                self._client = JIRA(
                    server=self.site,
                    basic_auth=(self.settings.email or "", self.settings.api_token or ""),
                    max_retries=0,
                    timeout=TIMEOUT,
                )
            return self._client

    def _call(self, doing: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TrackerError:
            raise
        except Exception as exc:  # any failure of the client is the queue's to retry
            raise _error(exc, doing) from exc

    def _remote(self, issue: dict[str, Any], key: str = "") -> RemoteItem:
        fields = issue.get("fields") or {}
        return RemoteItem(
            external_id=str(issue["key"]),
            url=f"{self.site}/browse/{issue['key']}",
            done=_done(fields),
            due=_due(fields.get("duedate")),
            key=key,
        )

    def find(self, spec: TrackerSpec, key: str) -> RemoteItem | None:
        jira = self._call("connecting", self._jira)
        jql = f'project = "{spec.options["project"]}" AND labels = "{key}"'
        found = self._call(
            "searching", jira.search_issues, jql, maxResults=1, fields=FIELDS, json_result=True
        )
        issues = found.get("issues") or []
        return self._remote(issues[0], key) if issues else None

    def _account(self, jira: JIRA, email: str | None) -> str | None:
        """The Jira account with this e-mail, if Jira knows one (assignees are accounts)."""
        if not email:
            return None
        users = self._call("looking up the assignee", jira.search_users, query=email, maxResults=1)
        return str(getattr(users[0], "accountId", "")) or None if users else None

    def create(self, spec: TrackerSpec, item: NewItem) -> RemoteItem:
        jira = self._call("connecting", self._jira)
        fields: dict[str, Any] = {
            "project": {"key": spec.options["project"]},
            "issuetype": {"name": spec.options.get("issue_type") or "Task"},
            "summary": item.title,
            "description": item.description,
            "labels": [*item.labels, item.key],
        }
        if item.due is not None:
            fields["duedate"] = item.due.isoformat()
        account = self._account(jira, item.assignee_email)
        if account:
            fields["assignee"] = {"accountId": account}
        issue = self._call("creating an issue", jira.create_issue, fields=fields, prefetch=False)
        return self._remote({"key": issue.key, "fields": {}}, item.key)

    def set_done(self, spec: TrackerSpec, external_id: str, done: bool) -> None:
        jira = self._call("connecting", self._jira)
        available = self._call("reading transitions", jira.transitions, external_id)
        wanted = [t for t in available if _leads_to_done(t) == done]
        if not wanted:
            raise TrackerError(
                f"Jira offers no transition to {'done' if done else 'open'} for {external_id}",
                permanent=True,
            )
        self._call("moving the issue", jira.transition_issue, external_id, str(wanted[0]["id"]))

    def fetch(self, spec: TrackerSpec, external_ids: Sequence[str]) -> list[RemoteItem]:
        if not external_ids:
            return []
        jira = self._call("connecting", self._jira)
        out: list[RemoteItem] = []
        for start in range(0, len(external_ids), 50):
            chunk = ", ".join(f'"{i}"' for i in external_ids[start : start + 50])
            found = self._call(
                "reading issues",
                jira.search_issues,
                f"key in ({chunk})",
                maxResults=50,
                fields=FIELDS,
                json_result=True,
            )
            out += [self._remote(issue) for issue in found.get("issues") or []]
        return out

    def register_webhook(self, spec: TrackerSpec, callback_url: str) -> str:
        """A webhook on the project's issue changes, signed with `JIRA_WEBHOOK_SECRET`."""
        jira = self._call("connecting", self._jira)
        body = {
            "name": f"hirebot: {spec.options['project']}",
            "url": callback_url,
            "events": ["jira:issue_updated"],
            "filters": {"issue-related-events-section": f"project = {spec.options['project']}"},
            "excludeBody": False,
            "secret": self.settings.webhook_secret or "",
        }
        answer = self._call(
            "registering the webhook",
            jira._session.post,
            f"{self.site}/rest/webhooks/1.0/webhook",
            data=json.dumps(body),
        )
        return str(answer.json().get("self") or answer.json().get("id") or "")


def build(env: Environment) -> JiraTracker | None:
    settings = env.channel_settings(JiraSettings)
    if not settings.url or not settings.api_token:
        return None
    return JiraTracker(settings)


class JiraWebhooks:
    """Jira's deliveries: signed with the webhook's secret, one issue each."""

    kind = KIND

    def __init__(self, secret: str | None) -> None:
        self.secret = secret

    def handshake(self, delivery: Delivery) -> dict[str, str] | None:
        return None  # Jira has none

    def verify(self, delivery: Delivery, stored: Sequence[str]) -> bool:
        given = delivery.headers.get("x-hub-signature", "")
        if not self.secret or not given.startswith("sha256="):
            return False
        wanted = hmac.new(self.secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.removeprefix("sha256="), wanted)

    def event_key(self, delivery: Delivery, payload: dict[str, Any]) -> str:
        ident = delivery.headers.get("x-atlassian-webhook-identifier")
        if ident:
            return f"jira:{ident}"
        issue = payload.get("issue") or {}
        return f"jira:{issue.get('id')}:{payload.get('timestamp')}"

    def changes(self, payload: dict[str, Any]) -> list[ItemChange]:
        issue = payload.get("issue")
        if not isinstance(issue, dict) or not issue.get("key"):
            return []
        fields = issue.get("fields") or {}
        return [
            ItemChange(
                kind=KIND,
                external_id=str(issue["key"]),
                done=_done(fields) if "status" in fields else None,
                due=_due(fields.get("duedate")),
                due_known="duedate" in fields,
            )
        ]


def verifier(env: Environment) -> JiraWebhooks:
    return JiraWebhooks(env.channel_settings(JiraSettings).webhook_secret)

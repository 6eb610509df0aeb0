"""A local fake of the Jira Cloud REST API (v2), cut to what hirebot's Jira integration calls
through the real `jira` client: serverInfo, field, search/jql, issue creation, transitions,
user search, and webhook registration.

Like Jira it checks basic auth (e-mail and API token), a known project and issue type, a
summary, labels without spaces, a YYYY-MM-DD due date and a known assignee account; answers
400 with Jira's `errors` body otherwise; can answer 429 with Retry-After and 5xx on demand;
and sends webhooks the way Jira does for webhooks registered with a secret
(`X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`).

Usage::

    with FakeJira(projects={"HB"}) as jira:
        ...  # JIRA_URL=jira.base_url, JIRA_EMAIL=jira.email, JIRA_API_TOKEN=jira.token
        body, headers = jira.transition("HB-1", done=True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
from datetime import date
from typing import Any

from tests.fakes.tracker_server import Answer, Call, FakeTrackerServer, HTTPError

API = "/rest/api/2"
DONE: dict[str, Any] = {
    "id": "31",
    "name": "Done",
    "to": {"name": "Done", "statusCategory": {"key": "done"}},
}
TODO: dict[str, Any] = {
    "id": "11",
    "name": "To Do",
    "to": {"name": "To Do", "statusCategory": {"key": "new"}},
}
_LABELS = re.compile(r'^project = "([^"]+)" AND labels = "([^"]+)"$')
_KEYS = re.compile(r"^key in \(([^)]*)\)$")


class FakeJira(FakeTrackerServer):
    def __init__(
        self,
        *,
        projects: set[str] | None = None,
        users: dict[str, str] | None = None,  # e-mail -> accountId
        email: str = "bot@example.com",
        token: str = "jira-api-token",
    ) -> None:
        self.projects = projects or {"HB"}
        self.users = users or {}
        self.email, self.token = email, token
        self.issues: dict[str, dict[str, Any]] = {}
        self.webhooks: list[dict[str, Any]] = []
        self._ids = itertools.count(10001)
        self._numbers: dict[str, itertools.count[int]] = {}
        self._deliveries = itertools.count(1)
        super().__init__()

    def authorize(self, call: Call) -> Answer | None:
        wanted = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        if call.headers.get("authorization") != f"Basic {wanted}":
            return Answer(401, {"errorMessages": ["Client must be authenticated"]})
        return None

    def routes(self) -> None:
        self.route("GET", f"{API}/serverInfo", self._server_info)
        self.route("GET", f"{API}/field", self._fields)
        self.route("GET", f"{API}/search/jql", self._search)
        self.route("POST", f"{API}/issue", self._create)
        self.route("GET", f"{API}/user/search", self._user_search)
        self.route("GET", f"{API}/issue/([^/]+)/transitions", self._transitions)
        self.route("POST", f"{API}/issue/([^/]+)/transitions", self._transition)
        self.route("POST", "/rest/webhooks/1.0/webhook", self._register)

    # -- routes ----------------------------------------------------------------------------------

    def _server_info(self, call: Call, _m: re.Match[str]) -> Answer:
        return Answer(
            200,
            {
                "baseUrl": self.base_url,
                "version": "1001.0.0",
                "versionNumbers": [1001, 0, 0],
                "deploymentType": "Cloud",
            },
        )

    def _fields(self, call: Call, _m: re.Match[str]) -> Answer:
        return Answer(
            200,
            [
                {"id": "summary", "name": "Summary", "clauseNames": ["summary"]},
                {"id": "labels", "name": "Labels", "clauseNames": ["labels"]},
                {"id": "duedate", "name": "Due date", "clauseNames": ["due", "duedate"]},
                {"id": "status", "name": "Status", "clauseNames": ["status"]},
            ],
        )

    def _search(self, call: Call, _m: re.Match[str]) -> Answer:
        jql = call.query.get("jql", "")
        limit = int(call.query.get("maxResults", "50"))
        if match := _LABELS.match(jql):
            project, label = match.groups()
            found = [
                i
                for i in self.issues.values()
                if i["fields"]["project"]["key"] == project and label in i["fields"]["labels"]
            ]
        elif match := _KEYS.match(jql):
            keys = {k.strip().strip('"') for k in match.group(1).split(",")}
            found = [i for k, i in self.issues.items() if k in keys]
        else:
            raise HTTPError(400, {"errorMessages": [f"Error in the JQL Query: {jql[:80]}"]})
        return Answer(200, {"issues": found[:limit], "isLast": True})

    def _create(self, call: Call, _m: re.Match[str]) -> Answer:
        fields = dict((call.json() or {}).get("fields") or {})
        errors: dict[str, str] = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self.projects:
            errors["project"] = "valid project is required"
        if (fields.get("issuetype") or {}).get("name") not in {"Task", "Story", "Bug"}:
            errors["issuetype"] = "valid issue type is required"
        if not str(fields.get("summary") or "").strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(fields["summary"]) > 255:
            errors["summary"] = "You must specify a summary of the issue (at most 255 characters)."
        if any(" " in label for label in fields.get("labels") or []):
            errors["labels"] = "The label can't contain spaces."
        if fields.get("duedate") is not None:
            try:
                date.fromisoformat(fields["duedate"])
            except ValueError:
                errors["duedate"] = "Error parsing date string"
        assignee = (fields.get("assignee") or {}).get("accountId")
        if assignee is not None and assignee not in self.users.values():
            errors["assignee"] = f"User '{assignee}' does not exist."
        if errors:
            raise HTTPError(400, {"errorMessages": [], "errors": errors})
        number = next(self._numbers.setdefault(str(project), itertools.count(1)))
        key = f"{project}-{number}"
        issue_id = str(next(self._ids))
        self.issues[key] = {
            "id": issue_id,
            "key": key,
            "self": f"{self.base_url}{API}/issue/{issue_id}",
            "fields": {
                **fields,
                "labels": list(fields.get("labels") or []),
                "duedate": fields.get("duedate"),
                "status": {"name": "To Do", "statusCategory": {"key": "new"}},
            },
        }
        return Answer(201, {"id": issue_id, "key": key, "self": self.issues[key]["self"]})

    def _user_search(self, call: Call, _m: re.Match[str]) -> Answer:
        query = call.query.get("query", "").lower()
        return Answer(
            200,
            [
                {
                    "self": f"{self.base_url}{API}/user?accountId={account}",
                    "accountId": account,
                    "emailAddress": email,
                    "active": True,
                }
                for email, account in self.users.items()
                if email.lower() == query
            ],
        )

    def _issue(self, key: str) -> dict[str, Any]:
        issue = self.issues.get(key)
        if issue is None:
            raise HTTPError(404, {"errorMessages": ["Issue does not exist"]})
        return issue

    def _transitions(self, call: Call, match: re.Match[str]) -> Answer:
        self._issue(match.group(1))
        return Answer(200, {"transitions": [TODO, DONE]})

    def _transition(self, call: Call, match: re.Match[str]) -> Answer:
        issue = self._issue(match.group(1))
        wanted = ((call.json() or {}).get("transition") or {}).get("id")
        chosen = next((t for t in (TODO, DONE) if t["id"] == str(wanted)), None)  # 31 or "31"
        if chosen is None:
            raise HTTPError(400, {"errorMessages": ["Transition id is not valid"]})
        issue["fields"]["status"] = dict(chosen["to"])
        return Answer(204)

    def _register(self, call: Call, _m: re.Match[str]) -> Answer:
        body = call.json() or {}
        if not body.get("url") or not body.get("events"):
            raise HTTPError(400, {"errorMessages": ["url and events are required"]})
        hook = {
            **body,
            "self": f"{self.base_url}/rest/webhooks/1.0/webhook/{len(self.webhooks) + 1}",
        }
        self.webhooks.append(hook)
        return Answer(201, hook)

    # -- what the team does in Jira, and the webhook Jira sends about it -------------------------

    def set_status(self, key: str, *, done: bool) -> None:
        self._issue(key)["fields"]["status"] = dict((DONE if done else TODO)["to"])

    def set_due(self, key: str, due: str | None) -> None:
        self._issue(key)["fields"]["duedate"] = due

    def webhook(self, key: str, secret: str | None) -> tuple[bytes, dict[str, str]]:
        """The `jira:issue_updated` delivery for an issue as it now is, signed with `secret`
        (None: unsigned, as a webhook registered without one)."""
        issue = self._issue(key)
        body = json.dumps(
            {
                "timestamp": 1764590000000 + len(self.calls),
                "webhookEvent": "jira:issue_updated",
                "issue": {"id": issue["id"], "key": key, "fields": issue["fields"]},
            }
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Atlassian-Webhook-Identifier": str(next(self._deliveries)),
        }
        if secret is not None:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        return body, headers

"""A local fake of the Asana REST API (/api/1.0), cut to what hirebot's Asana integration calls
through the official `asana` client: a project's tasks, a workspace's tags, tag and task
creation, task updates, users by e-mail, and webhook creation with its handshake.

Like Asana it checks the bearer token (401), known workspace, project, section, tags and
assignee, a task name and a YYYY-MM-DD `due_on` (400 with Asana's `errors` body otherwise);
answers 429 with Retry-After and 5xx on demand; makes the webhook handshake before answering
the creation (`X-Hook-Secret`, which the target must echo); and signs deliveries with that
secret (`X-Hook-Signature`: hex HMAC-SHA256 of the body). Events name what changed, not how.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Callable
from datetime import date
from typing import Any

from tests.fakes.tracker_server import Answer, Call, FakeTrackerServer, HTTPError

API = "/api/1.0"
# The target's answer to a handshake: (url, headers) -> (status, headers).
Handshake = Callable[[str, dict[str, str]], tuple[int, dict[str, str]]]


def _bad(message: str) -> HTTPError:
    return HTTPError(400, {"errors": [{"message": message}]})


class FakeAsana(FakeTrackerServer):
    def __init__(self, *, token: str = "asana-pat", users: dict[str, str] | None = None) -> None:
        self.token = token
        self.users = users or {}  # e-mail -> user gid
        self._gids = itertools.count(1200000000000001)
        self.workspaces: set[str] = set()
        self.projects: dict[str, dict[str, Any]] = {}  # gid -> {workspace, sections}
        self.tags: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.webhooks: list[dict[str, Any]] = []
        self.handshake: Handshake | None = None
        super().__init__()

    def gid(self) -> str:
        return str(next(self._gids))

    def add_project(self, *sections: str) -> tuple[str, str, list[str]]:
        """A workspace with one project and these sections: (workspace, project, sections)."""
        workspace, project = self.gid(), self.gid()
        self.workspaces.add(workspace)
        section_gids = [self.gid() for _ in sections]
        self.projects[project] = {"workspace": workspace, "sections": set(section_gids)}
        return workspace, project, section_gids

    def authorize(self, call: Call) -> Answer | None:
        if call.headers.get("authorization") != f"Bearer {self.token}":
            return Answer(401, {"errors": [{"message": "Not Authorized"}]})
        return None

    def routes(self) -> None:
        self.route("GET", rf"{API}/projects/(\d+)/tasks", self._project_tasks)
        self.route("GET", rf"{API}/workspaces/(\d+)/tags", self._workspace_tags)
        self.route("POST", rf"{API}/workspaces/(\d+)/tags", self._new_tag)
        self.route("GET", rf"{API}/users/([^/]+)", self._user)
        self.route("POST", f"{API}/tasks", self._new_task)
        self.route("PUT", rf"{API}/tasks/(\d+)", self._update_task)
        self.route("POST", f"{API}/webhooks", self._new_webhook)

    def _page(self, rows: list[dict[str, Any]]) -> Answer:
        return Answer(200, {"data": rows, "next_page": None})

    def _public(self, task: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in task.items() if not k.startswith("_")}

    def _project_tasks(self, call: Call, match: re.Match[str]) -> Answer:
        if match.group(1) not in self.projects:
            raise HTTPError(404, {"errors": [{"message": "project: Unknown object"}]})
        return self._page(
            [self._public(t) for t in self.tasks.values() if match.group(1) in t["_projects"]]
        )

    def _workspace_tags(self, call: Call, match: re.Match[str]) -> Answer:
        return self._page(
            [{"gid": g, "name": t["name"]} for g, t in self.tags.items() if t["ws"] == match[1]]
        )

    def _new_tag(self, call: Call, match: re.Match[str]) -> Answer:
        if match.group(1) not in self.workspaces:
            raise _bad("workspace: Not a recognized ID")
        name = ((call.json() or {}).get("data") or {}).get("name")
        if not name:
            raise _bad("name: Missing input")
        gid = self.gid()
        self.tags[gid] = {"name": name, "ws": match.group(1)}
        return Answer(201, {"data": {"gid": gid, "name": name}})

    def _user(self, call: Call, match: re.Match[str]) -> Answer:
        who = match.group(1).lower()
        gid = self.users.get(who) or (who if who in self.users.values() else None)
        if gid is None:
            raise HTTPError(404, {"errors": [{"message": "user: Not a recognized ID"}]})
        return Answer(200, {"data": {"gid": gid}})

    def _new_task(self, call: Call, _m: re.Match[str]) -> Answer:
        data = dict((call.json() or {}).get("data") or {})
        if not str(data.get("name") or "").strip():
            raise _bad("name: Missing input")
        workspace = data.get("workspace")
        if workspace not in self.workspaces:
            raise _bad("workspace: Not a recognized ID")
        projects = list(data.get("projects") or [])
        if any(self.projects.get(p, {}).get("workspace") != workspace for p in projects):
            raise _bad("projects: Not a recognized ID")
        for membership in data.get("memberships") or []:
            project = self.projects.get(membership.get("project"), {})
            if membership.get("section") not in project.get("sections", set()):
                raise _bad("memberships: section is not in the project")
        if any(self.tags.get(t, {}).get("ws") != workspace for t in data.get("tags") or []):
            raise _bad("tags: Not a recognized ID")
        if data.get("assignee") is not None and data["assignee"] not in self.users.values():
            raise _bad("assignee: Not a recognized ID")
        if data.get("due_on") is not None:
            try:
                date.fromisoformat(data["due_on"])
            except ValueError as exc:
                raise _bad("due_on: Must be a date in YYYY-MM-DD format") from exc
        gid = self.gid()
        self.tasks[gid] = {
            "gid": gid,
            "name": data["name"],
            "notes": data.get("notes", ""),
            "completed": False,
            "due_on": data.get("due_on"),
            "assignee": data.get("assignee"),
            "permalink_url": f"https://app.asana.com/0/0/{gid}",
            "_projects": projects,
            "_tags": list(data.get("tags") or []),
            "_memberships": list(data.get("memberships") or []),
        }
        return Answer(201, {"data": self._public(self.tasks[gid])})

    def _update_task(self, call: Call, match: re.Match[str]) -> Answer:
        task = self.tasks.get(match.group(1))
        if task is None:
            raise HTTPError(404, {"errors": [{"message": "task: Unknown object"}]})
        data = (call.json() or {}).get("data") or {}
        if "completed" in data:
            if not isinstance(data["completed"], bool):
                raise _bad("completed: Not a boolean")
            task["completed"] = data["completed"]
        return Answer(200, {"data": self._public(task)})

    def _new_webhook(self, call: Call, _m: re.Match[str]) -> Answer:
        data = (call.json() or {}).get("data") or {}
        if data.get("resource") not in self.projects or not data.get("target"):
            raise _bad("resource and target: Missing input")
        secret = secrets.token_hex(16)
        status, headers = (
            (0, {})
            if self.handshake is None
            else self.handshake(data["target"], {"X-Hook-Secret": secret})
        )
        if status != 200 or headers.get("x-hook-secret", headers.get("X-Hook-Secret")) != secret:
            raise _bad("target: the handshake was not answered with the X-Hook-Secret")
        hook = {"gid": self.gid(), "resource": data["resource"], "target": data["target"]}
        self.webhooks.append({**hook, "secret": secret})
        return Answer(201, {"data": hook})

    # -- what the team does in Asana, and the events it sends --------------------------------

    def complete(self, gid: str, done: bool = True) -> None:
        self.tasks[gid]["completed"] = done

    def webhook(self, gid: str, secret: str | None) -> tuple[bytes, dict[str, str]]:
        """A `changed` event about a task, signed with `secret` (None: unsigned)."""
        body = json.dumps(
            {
                "events": [
                    {
                        "action": "changed",
                        "resource": {"gid": gid, "resource_type": "task"},
                        "change": {"field": "completed", "action": "changed"},
                        "created_at": f"2026-12-01T10:00:{len(self.calls) % 60:02d}.000Z",
                    }
                ]
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Hook-Signature"] = hmac.new(
                secret.encode(), body, hashlib.sha256
            ).hexdigest()
        return body, headers

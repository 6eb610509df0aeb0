"""Asana end to end: the official `asana` client against the local fake Asana, the webhook's
handshake and signed events through the real route, on both databases."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.trackers.sync import register
from storage.models import TrackerWebhook
from tests.fakes.asana_api import FakeAsana
from tests.helpers import only, say
from tests.trackers.conftest import (
    PUBLIC_URL,
    Tracked,
    deliver,
    hire_with_offer,
    items,
    pending_tracker_tasks,
    run_tracker_work,
)


@pytest.fixture
def asana() -> Iterator[FakeAsana]:
    with FakeAsana(users={"zara@example.com": "1200000000000999"}) as fake:
        yield fake


@pytest.fixture
def t(make_tracked: Any, asana: FakeAsana) -> Tracked:
    workspace, project, (section,) = asana.add_project("Onboarding")
    tracked: Tracked = make_tracked(
        {
            "kind": "asana",
            "workspace": workspace,
            "project": project,
            "section": section,
            "labels": ["hire"],
        },
        {"ASANA_TOKEN": asana.token, "ASANA_API_URL": f"{asana.base_url}/api/1.0"},
    )

    def handshake(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
        answer = tracked.http.post(url.removeprefix(PUBLIC_URL), headers=headers, content=b"")
        return answer.status_code, dict(answer.headers)

    asana.handshake = handshake
    return tracked


def test_an_accepted_offer_makes_its_tasks_once_through_a_429_storm(
    t: Tracked, asana: FakeAsana
) -> None:
    asana.fail_next(429, times=4, retry_after=30, path="/tasks")
    asana.fail_next(503, times=1, method="POST", path="/api/1.0/tasks", after=True)
    applicant_id = hire_with_offer(t.app)
    started = t.clock.now()
    t.app.tasks.run_due(started)
    assert sorted(r.due_at for r in pending_tracker_tasks(t.app))[-1] >= started + timedelta(
        seconds=30
    )
    run_tracker_work(t)

    assert len(asana.tasks) == 7
    design = next(x for x in asana.tasks.values() if x["name"].startswith("Design doc"))
    assert design["name"] == "Design doc — Zara Hussain"
    assert design["due_on"] == "2026-12-15"
    assert design["assignee"] == "1200000000000999"
    assert design["notes"].endswith(f"hirebot key: hirebot-a{applicant_id}-o1-milestone-1")
    assert {asana.tags[g]["name"] for g in design["_tags"]} == {"hire", "hirebot"}
    assert len(asana.tags) == 2
    assert design["_memberships"][0]["section"] in next(iter(asana.projects.values()))["sections"]
    assert {r.external_id for r in items(t.app)} == set(asana.tasks)


def test_the_webhook_handshake_then_signed_events_bring_a_done_task_back(
    t: Tracked, asana: FakeAsana
) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    done = register(t.app, "asana")
    assert len(done) == 1
    assert "webhook to" in done[0]
    assert len(asana.webhooks) == 1
    hook = asana.webhooks[0]
    with t.app.uow() as uow:
        kept = uow.session.scalars(select(TrackerWebhook)).one()
        assert kept.secret == hook["secret"]
        assert kept.external_id == hook["gid"]
    assert register(t.app, "asana") == [f"asana {kept.target}: already registered"]

    task = items(t.app)[0].external_id
    assert task is not None
    asana.complete(task)
    assert deliver(t, hook["target"], *asana.webhook(task, "forged")) == 401
    assert deliver(t, hook["target"], *asana.webhook(task, None)) == 401
    assert items(t.app)[0].state == "open"
    assert deliver(t, hook["target"], *asana.webhook(task, hook["secret"])) == 200
    assert (
        only(say(t.app, f"milestones {applicant_id}"))
        .lines[0]
        .startswith("1. Design doc by 2026-12-15 — done")
    )
    # a heartbeat (no events) is accepted and changes nothing
    heartbeat, headers = asana.webhook(task, hook["secret"])
    body = b'{"events": []}'
    headers["X-Hook-Signature"] = hmac.new(
        hook["secret"].encode(), body, hashlib.sha256
    ).hexdigest()
    assert heartbeat != body
    assert deliver(t, hook["target"], body, headers) == 200


def test_done_from_chat_completes_the_task(t: Tracked, asana: FakeAsana) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    assert only(say(t.app, f"milestone {applicant_id} done 1")).kind == "success"
    run_tracker_work(t)
    design = next(x for x in asana.tasks.values() if x["name"].startswith("Design doc"))
    assert design["completed"] is True

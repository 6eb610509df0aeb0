"""Jira end to end: the real `jira` client against the local fake Jira, the real webhook route,
the inbox, the task queue, check-ins and the digest, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime.body_limit import MAX_WEBHOOK_BODY
from storage.models import AuditEvent, InboundEvent, ScheduledTask
from tests.fakes.jira_api import FakeJira
from tests.helpers import inbox, only, say, text_of
from tests.trackers.conftest import (
    Tracked,
    deliver,
    hire_with_offer,
    items,
    pending_tracker_tasks,
    run_tracker_work,
)

SECRET = "jira-webhook-secret"
WEBHOOK = "/trackers/jira/webhook"
TRACKER = {"kind": "jira", "project": "HB", "labels": ["new-hire"]}


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira(projects={"HB"}, users={"zara@example.com": "acc-zara"}) as fake:
        yield fake


def jira_env(jira: FakeJira) -> dict[str, str]:
    return {
        "JIRA_URL": jira.base_url,
        "JIRA_EMAIL": jira.email,
        "JIRA_API_TOKEN": jira.token,
        "JIRA_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture
def t(make_tracked: Any, jira: FakeJira) -> Tracked:
    tracked: Tracked = make_tracked(TRACKER, jira_env(jira))
    return tracked


def test_an_accepted_offer_makes_its_issues_once_through_a_429_storm(
    t: Tracked, jira: FakeJira
) -> None:
    # every search answers 429 six times over (Retry-After 120 s), and the first creation is
    # carried out but its answer lost (502): the retries must find it, not make a second
    jira.fail_next(429, times=6, retry_after=120, path="/search/jql")
    jira.fail_next(502, times=1, method="POST", path="/rest/api/2/issue", after=True)
    applicant_id = hire_with_offer(t.app)
    started = t.clock.now()
    t.app.tasks.run_due(started)
    retries = sorted(r.due_at for r in pending_tracker_tasks(t.app))
    assert len(retries) == 7, "every call waits in the queue"
    # six honour the Retry-After; the lost answer backs off on its own (30 s)
    assert retries[0] == started + timedelta(seconds=30)
    assert all(due >= started + timedelta(seconds=120) for due in retries[1:])
    assert sum("Jira 429" in r.last_error for r in items(t.app)) == 6

    run_tracker_work(t)

    assert len(jira.issues) == 7  # 2 milestones + 5 onboarding steps, each once
    summaries = sorted(i["fields"]["summary"] for i in jira.issues.values())
    assert "Design doc — Zara Hussain" in summaries
    assert any(s.startswith("Contract, IP and confidentiality") for s in summaries)
    design = next(i for i in jira.issues.values() if i["fields"]["summary"].startswith("Design"))
    fields = design["fields"]
    assert fields["duedate"] == "2026-12-15"
    assert fields["assignee"] == {"accountId": "acc-zara"}
    assert {"new-hire", "hirebot", f"hirebot-a{applicant_id}-o1-milestone-1"} <= set(
        fields["labels"]
    )
    assert f"hirebot applicant #{applicant_id}" in fields["description"]
    rows = items(t.app)
    assert [r.state for r in rows] == ["open"] * 7
    assert {r.external_id for r in rows} == set(jira.issues)
    assert all(r.url == f"{jira.base_url}/browse/{r.external_id}" for r in rows)

    listed = only(say(t.app, f"milestones {applicant_id}"))
    assert listed.lines[0].startswith("1. Design doc by 2026-12-15 — open · http")
    shown = text_of(say(t.app, f"show {applicant_id}"))
    assert "onboarding 1: Project brief agreed" in shown
    assert "/browse/HB-" in shown
    history = text_of(say(t.app, f"history {applicant_id}"))
    assert "jira item HB-1 created" in history
    # the work is done: accepting again, or running again, makes nothing new
    assert "already accepted" in text_of(say(t.app, "offer accept 1"))
    run_tracker_work(t)
    assert len(jira.issues) == 7


def test_done_in_jira_reaches_the_checkin_and_late_leads_the_digest(
    t: Tracked, jira: FakeJira
) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    design = next(r for r in items(t.app) if r.title == "Design doc")
    api = next(r for r in items(t.app) if r.title == "API v1")
    assert design.external_id is not None
    assert api.external_id is not None

    jira.set_status(design.external_id, done=True)
    assert deliver(t, WEBHOOK, *jira.webhook(design.external_id, SECRET)) == 200
    listed = only(say(t.app, f"milestones {applicant_id}"))
    assert listed.lines[0].startswith("1. Design doc by 2026-12-15 — done")
    assert "jira item HB-1 (Design doc): done" in text_of(say(t.app, f"history {applicant_id}"))

    # the same delivery again (Jira retries) changes nothing twice
    with t.app.uow() as uow:
        before = len(uow.session.scalars(select(AuditEvent)).all())
    body, headers = jira.webhook(design.external_id, SECRET)
    deliver(t, WEBHOOK, body, headers)
    deliver(t, WEBHOOK, body, headers)

    # the API milestone is moved earlier in Jira and falls late
    jira.set_due(api.external_id, "2026-12-20")
    assert deliver(t, WEBHOOK, *jira.webhook(api.external_id, SECRET)) == 200
    with t.app.uow() as uow:
        assert len(uow.session.scalars(select(AuditEvent)).all()) == before + 1

    t.clock.set(datetime(2026, 12, 22, 4, 0, tzinfo=UTC))
    say(t.app, f"checkin start {applicant_id} as=zara")
    t.app.tasks.run_due(datetime(2026, 12, 25, 11, 0, tzinfo=UTC))  # Friday 16:00 Karachi
    prompt = [r for r in inbox(t.app, "zara") if r.title == "Check-in"][-1]
    assert any(
        line.startswith("Milestone 1: Design doc by 2026-12-15 — done") for line in prompt.lines
    )
    assert any(line.startswith("Milestone 2: API v1 by 2026-12-20 — late") for line in prompt.lines)

    digest = only(say(t.app, "digest", who="omar"))
    assert digest.lines[0] == "— Late milestones (1) —"
    assert digest.lines[1].startswith(
        f"#{applicant_id} Zara Hussain: milestone 2 API v1 — due 2026-12-20"
    )


def test_a_scope_change_in_a_checkin_becomes_an_item_and_the_manager_hears(
    t: Tracked, jira: FakeJira
) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    t.clock.set(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    say(t.app, f"checkin start {applicant_id} as=zara")
    t.app.tasks.run_due(datetime(2026, 12, 4, 11, 0, tzinfo=UTC))
    prompt = [r for r in inbox(t.app, "zara") if r.title == "Check-in"][-1]
    from tests.helpers import click

    click(t.app, "flow", next(a.value for a in prompt.actions if a.label == "Start"), who="zara")
    say(t.app, "on track", who="zara")
    say(t.app, "no", who="zara")  # no blocker: no item
    say(t.app, "They now also want a billing export <!channel>", who="zara")
    say(t.app, "fine", who="zara")
    summary = inbox(t.app, "omar")[-1]
    assert any(
        line == "Recorded as an item in jira labelled scope-change: "
        "Scope change: They now also want a billing export <!channel>"
        for line in summary.lines
    ), summary.lines
    run_tracker_work(t)
    scope = [i for i in jira.issues.values() if "scope-change" in i["fields"]["labels"]]
    assert len(scope) == 1
    assert scope[0]["fields"]["summary"] == (
        "Scope change: They now also want a billing export <!channel>"
    )
    assert not [i for i in jira.issues.values() if "blocker" in i["fields"]["labels"]]


def test_a_forged_or_unsigned_webhook_is_refused_and_changes_nothing(
    t: Tracked, jira: FakeJira
) -> None:
    hire_with_offer(t.app)
    run_tracker_work(t)
    jira.set_status("HB-1", done=True)
    body, headers = jira.webhook("HB-1", "not-the-secret")
    assert deliver(t, WEBHOOK, body, headers) == 401
    body, headers = jira.webhook("HB-1", None)
    assert deliver(t, WEBHOOK, body, headers) == 401
    body, headers = jira.webhook("HB-1", SECRET)
    tampered = body.replace(b'"HB-1"', b'"HB-2"')
    assert deliver(t, WEBHOOK, tampered, headers) == 401
    assert deliver(t, WEBHOOK, b" " * (MAX_WEBHOOK_BODY + 1) + body, headers) == 413
    assert items(t.app)[0].state == "open"
    with t.app.uow() as uow:
        assert not uow.session.scalars(select(InboundEvent)).all()  # never recorded


def test_milestones_from_chat_reach_jira(t: Tracked, jira: FakeJira) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    added = only(say(t.app, f'milestone {applicant_id} add "Load test <b>" due=2027-02-15'))
    assert added.kind == "success", added.text
    assert "Milestone 3 added" in added.text
    run_tracker_work(t)
    issue = next(i for i in jira.issues.values() if i["fields"]["summary"].startswith("Load"))
    assert issue["fields"]["summary"] == "Load test <b> — Zara Hussain"
    assert issue["fields"]["duedate"] == "2027-02-15"

    done = only(say(t.app, f"milestone {applicant_id} done 1"))
    assert done.kind == "success", done.text
    assert "already done" in only(say(t.app, f"milestone {applicant_id} done 1")).text
    run_tracker_work(t)
    assert jira.issues["HB-1"]["fields"]["status"]["statusCategory"]["key"] == "done"

    assert "no milestone 9" in only(say(t.app, f"milestone {applicant_id} done 9")).text
    assert "is not a date" in only(say(t.app, f'milestone {applicant_id} add "X" due=soon')).text
    assert "no applicant #99" in only(say(t.app, 'milestone 99 add "X" due=2027-01-01')).text
    say(t.app, "add backend-contract 'Omar Two'")
    assert "no accepted offer" in only(say(t.app, 'milestone 2 add "X" due=2027-01-01')).text


def test_a_refused_item_gives_up_and_says_why(make_tracked: Any, jira: FakeJira) -> None:
    t = make_tracked({"kind": "jira", "project": "NOPE"}, jira_env(jira))
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    assert not jira.issues
    assert {r.state for r in items(t.app)} == {"failed"}
    assert "valid project is required" in items(t.app)[0].last_error
    listed = only(say(t.app, f"milestones {applicant_id}"))
    assert "(the tracker refused it)" in listed.lines[0]
    with t.app.uow() as uow:
        tasks = uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.kind == "tracker.push")
        ).all()
    assert len(tasks) == 7  # a 400 is not retried

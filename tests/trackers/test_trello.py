"""Trello end to end: hirebot's Trello client (httpx, the documented REST API) against the local
fake Trello, the real webhook route and the task queue, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.fakes.trello_api import FakeTrello
from tests.helpers import only, say, text_of
from tests.trackers.conftest import (
    PUBLIC_URL,
    Tracked,
    deliver,
    hire_with_offer,
    items,
    pending_tracker_tasks,
    run_tracker_work,
)

CALLBACK = f"{PUBLIC_URL}/trackers/trello/webhook"


@pytest.fixture
def trello() -> Iterator[FakeTrello]:
    with FakeTrello(members={"zara@example.com": "5f00000000000000000000aa"}) as fake:
        yield fake


@pytest.fixture
def t(make_tracked: Any, trello: FakeTrello) -> Tracked:
    board, (todo, done) = trello.add_board("To do", "Done")
    tracked: Tracked = make_tracked(
        {"kind": "trello", "board": board, "list": todo, "done_list": done, "labels": ["hire"]},
        {
            "TRELLO_API_KEY": trello.key,
            "TRELLO_TOKEN": trello.token,
            "TRELLO_API_SECRET": trello.secret,
            "TRELLO_API_URL": f"{trello.base_url}/1",
        },
    )
    return tracked


def test_an_accepted_offer_makes_its_cards_once_through_rate_limits(
    t: Tracked, trello: FakeTrello
) -> None:
    # Trello's 429s (per token) carry no Retry-After: hirebot backs off on its own; and one
    # card is made but its answer lost
    trello.fail_next(429, times=5, path="/cards/all")
    trello.fail_next(500, times=1, method="POST", path="/1/cards", after=True)
    applicant_id = hire_with_offer(t.app)
    started = t.clock.now()
    t.app.tasks.run_due(started)
    assert all(r.due_at >= started + timedelta(seconds=10) for r in pending_tracker_tasks(t.app))
    run_tracker_work(t)

    assert len(trello.cards) == 7
    design = next(c for c in trello.cards.values() if c["name"].startswith("Design doc"))
    assert design["name"] == "Design doc — Zara Hussain"
    assert design["due"] == "2026-12-15T12:00:00.000Z"
    assert design["idMembers"] == ["5f00000000000000000000aa"]
    assert design["desc"].endswith(f"hirebot key: hirebot-a{applicant_id}-o1-milestone-1")
    names = {trello.labels[i]["name"] for i in design["idLabels"]}
    assert names == {"hire", "hirebot"}
    assert len(trello.labels) == 2  # made once, then reused
    rows = items(t.app)
    assert {r.external_id for r in rows} == set(trello.cards)
    assert rows[0].url.startswith("https://trello.com/c/")
    assert "trello item" in text_of(say(t.app, f"history {applicant_id}"))


def test_a_card_completed_in_trello_comes_back_and_a_forged_one_does_not(
    t: Tracked, trello: FakeTrello
) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    card = items(t.app)[0].external_id
    assert card is not None
    trello.complete(card)
    body, headers = trello.webhook(card, CALLBACK, "not-the-secret", dueComplete=True)
    assert deliver(t, CALLBACK, body, headers) == 401
    body, headers = trello.webhook(card, "https://elsewhere.example.com/hook", trello.secret)
    assert deliver(t, CALLBACK, body, headers) == 401  # signed for another callback URL
    assert items(t.app)[0].state == "open"
    body, headers = trello.webhook(card, CALLBACK, trello.secret, dueComplete=True)
    assert deliver(t, CALLBACK, body, headers) == 200
    assert (
        only(say(t.app, f"milestones {applicant_id}"))
        .lines[0]
        .startswith("1. Design doc by 2026-12-15 — done")
    )
    # Trello checks a callback URL with HEAD before it registers a webhook there
    assert t.http.head("/trackers/trello/webhook").status_code == 200


def test_done_from_chat_ticks_the_card_and_moves_it_to_the_done_list(
    t: Tracked, trello: FakeTrello
) -> None:
    applicant_id = hire_with_offer(t.app)
    run_tracker_work(t)
    assert only(say(t.app, f"milestone {applicant_id} done 2")).kind == "success"
    run_tracker_work(t)
    api = next(c for c in trello.cards.values() if c["name"].startswith("API v1"))
    assert api["dueComplete"] is True
    assert trello.boards[api["idBoard"]]["list_names"][api["idList"]] == "Done"

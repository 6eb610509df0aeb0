"""The careers pages over HTTP on the server's real ASGI app: what a browser test would be slow
to show (headers on every answer, the rate limit, the body limit, links that are forged,
expired or erased, a DOCX, erasure and export of the CV, the pages switched off)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot, bootstrap
from bot.clock import FrozenClock
from bot.config import HirebotConfig
from bot.environment import Environment, SettingsError
from bot.pages.guard import MAX_BODY
from bot.runtime.server import build_server
from bot.services import privacy
from bot.services.context import Actor, Context
from storage.models import Applicant, ApplicantFile, AuditEvent, ScheduledTask
from tests.helpers import only, say, text_of
from tests.pages.conftest import PDF, docx

URL = "http://testserver"


@pytest.fixture
def client(careers: Hirebot) -> Iterator[TestClient]:
    with TestClient(build_server(careers, runtimes=[], scheduler=False).asgi()) as http:
        yield http


def _token(http: TestClient) -> str:
    page = http.get("/jobs/senior-backend/apply")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _apply(http: TestClient, email: str, **files: tuple[str, bytes, str]) -> int:
    form = {"csrf_token": _token(http), "name": "Bilal Ahmed", "email": email, "consent": "yes"}
    response = http.post(
        "/jobs/senior-backend/apply", data=form, files=files or None, follow_redirects=False
    )
    return int(response.status_code)


def test_a_roles_facts_are_shown_in_the_list_and_on_its_page(client: TestClient) -> None:
    facts = ("Platform Engineering", "Karachi, Pakistan (in person)", "Full time")
    for path in ("/jobs", "/jobs/senior-backend"):
        shown = client.get(path).text
        assert all(f"<dd>{fact}</dd>" in shown for fact in facts), path


def test_every_answer_carries_the_security_headers(client: TestClient):
    for path in ("/jobs", "/jobs/senior-backend", "/jobs/nope", "/static/careers/careers.css"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert client.get("/jobs/nope").status_code == 404
    assert "Page not found" in client.get("/jobs/backend-contract").text  # not published
    assert client.get("/jobs/senior-backend/apply").headers["cache-control"] == "no-store"
    cookie = client.get("/jobs/senior-backend/apply").headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_a_docx_is_kept_and_an_erasure_removes_it(client: TestClient, careers: Hirebot):
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert _apply(client, "bilal@example.com", cv=("cv.docx", docx(), mime)) == 303
    with careers.uow() as uow:
        [row] = uow.session.scalars(select(ApplicantFile)).all()
        assert (row.content_type, row.size) == (mime, len(docx()))
        applicant_id = row.applicant_id
        assert uow.session.scalars(
            select(ScheduledTask).where(ScheduledTask.kind == "application.received")
        ).one()
    link = re.search(r"http://testserver(/files/cv/\S+)", text_of(say(careers, "show 1")))
    assert link
    assert client.get(link.group(1)).content == docx()
    with careers.uow() as uow:
        exported = privacy.export(uow, applicant_id)
        assert [f["filename"] for f in exported["files"]] == ["cv.docx"]
        assert "data" not in exported["files"][0]
        ctx = Context(uow, careers.catalog, careers.clock, Actor("system", "cli"), "t", frozenset())
        report = privacy.erase(ctx, applicant_id)
        uow.commit()
    assert report.rows_changed["applicant_files"] == 1
    with careers.uow() as uow:
        assert uow.session.scalars(select(ApplicantFile)).all() == []
    gone = client.get(link.group(1))
    assert gone.status_code == 404
    assert "no longer available" in gone.text


def test_forged_and_expired_links_change_nothing(
    client: TestClient, careers: Hirebot, clock: FrozenClock
):
    assert _apply(client, "bilal@example.com", cv=("cv.pdf", PDF, "application/pdf")) == 303
    link = re.search(r"http://testserver(/files/cv/\S+)", text_of(say(careers, "show 1")))
    assert link
    token = link.group(1).rsplit("/", 1)[1]
    forged = client.get(f"/files/cv/{token[:-2]}xx")
    assert forged.status_code == 404
    assert "not valid" in forged.text
    clock.advance(timedelta(hours=24, seconds=1))
    expired = client.get(link.group(1))
    assert expired.status_code == 410
    assert "run `show` in chat for a new one" in expired.text
    with careers.uow() as uow:
        downloads = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.channel == "careers", AuditEvent.kind == "request")
        ).all()
    assert [d.summary for d in downloads if "/files/cv" in d.summary] == []


def test_a_flood_from_one_address_is_slowed_down(client: TestClient, careers: Hirebot):
    statuses = [_apply(client, f"person{i}@example.com") for i in range(11)]
    assert statuses[:10] == [303] * 10
    assert statuses[10] == 429
    with careers.uow() as uow:
        assert len(uow.session.scalars(select(Applicant)).all()) == 10


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient):
    response = client.post(
        "/jobs/senior-backend/apply",
        content=b"x" * (MAX_BODY + 1),
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413
    assert "at most 5 MB" in response.text
    assert response.headers["x-frame-options"] == "DENY"


def test_the_pages_are_off_without_a_public_url(
    database_url: str, shipped_config: HirebotConfig, clock: FrozenClock
):
    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        channels=("console",),
        env=Environment.model_validate({}),
    )
    try:
        http = TestClient(build_server(hirebot, runtimes=[], scheduler=False).asgi())
        response = http.get("/jobs")
        assert response.status_code == 404
        assert "HIREBOT_PUBLIC_URL" in response.text
    finally:
        hirebot.close()
    with pytest.raises((SettingsError, ValueError), match="HIREBOT_SECRET_KEY"):
        Environment.model_validate({"HIREBOT_PUBLIC_URL": URL})


def test_a_change_of_the_team_from_chat_keeps_the_pages_on(client: TestClient, careers: Hirebot):
    """The catalog is rebuilt when people change from chat; the public site, which comes from
    the environment rather than config.yaml, must survive the rebuild."""
    added = only(say(careers, "people add Zara Hussain roles=interviewer tz=Europe/London"))
    assert added.kind == "success", added.text
    assert careers.catalog.public is not None
    assert client.get("/jobs").status_code == 200

"""The careers pages in a real Chromium: browse, apply with a CV, the card in the fake Slack,
the CV by `show`'s signed link, a second application, a bad form fixed, forged and bot posts.

Each test runs on SQLite and PostgreSQL; the browser is shared by the session (conftest.py).
"""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from bot.clock import FrozenClock
from storage.models import Applicant, ApplicantFile
from tests.helpers import say, text_of
from tests.pages.conftest import PDF, Site, screenshot

pytestmark = pytest.mark.browser


def _applicants(site: Site) -> list[Applicant]:
    with site.hirebot.uow() as uow:
        return list(uow.session.scalars(select(Applicant).order_by(Applicant.id)))


def _files(site: Site) -> int:
    with site.hirebot.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ApplicantFile)) or 0)


def _fill(page: Page, name: str, email: str) -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Phone").fill("+92 300 1234567")
    page.get_by_label("Where you are based").fill("Karachi, Pakistan")
    page.get_by_label("Years of backend experience").fill("7")
    page.get_by_label("Skills").fill("python, postgresql, kubernetes")
    page.get_by_label("Code (GitHub, GitLab…)").fill("https://github.com/ayesha")


def test_browse_apply_with_a_cv_and_the_card_reaches_slack(
    page: Page, site: Site, clock: FrozenClock
):
    page.goto("/jobs")
    expect(page.get_by_role("heading", name="Open roles")).to_be_visible()
    expect(page.get_by_text("USD 11,670.34 – 14,174.54 per month")).to_be_visible()
    screenshot(page, "jobs")
    page.get_by_role("link", name="Senior Backend Engineer").click()
    expect(page.get_by_role("heading", name="What you bring")).to_be_visible()
    screenshot(page, "job")
    page.get_by_role("link", name="Apply for this role").click()
    expect(page.get_by_role("heading", name="Apply: Senior Backend Engineer")).to_be_visible()
    _fill(page, "Ayesha Khan", "Ayesha@Example.com")
    page.get_by_label("Your CV as a file").set_input_files(
        {"name": "Ayesha Khan CV.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("I have read the privacy notice").check()
    screenshot(page, "apply")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Thank you, your application is in")).to_be_visible()
    assert "ayesha" not in page.url.lower()
    screenshot(page, "applied")

    [applicant] = _applicants(site)
    assert (applicant.name, applicant.email, applicant.phone) == (
        "Ayesha Khan",
        "ayesha@example.com",
        "+923001234567",
    )
    assert applicant.source == "the careers page"
    assert applicant.years_experience == 7
    [post] = site.slack.wait_for("chat.postMessage")
    card = json.dumps(post.params)
    assert post.params["channel"] == "C0HIRESBE"
    assert "Ayesha Khan" in card
    assert "ayesha@example.com" not in card.lower()
    assert "1234567" not in card

    # The recruiter's `show` carries a signed link; the download is the file as sent.
    shown = text_of(say(site.hirebot, f"show {applicant.id}"))
    link = next(word for word in shown.split() if word.startswith(f"{site.url}/files/cv/"))
    download = httpx.get(link)
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]
    clock.advance(timedelta(hours=25))
    assert httpx.get(link).status_code == 410
    # An interviewer, who may not see contact details, gets no link.
    assert "/files/cv/" not in text_of(say(site.hirebot, f"show {applicant.id}", who="hina"))

    # The same email again: the same page, still one applicant, one card.
    page.goto("/jobs/senior-backend/apply")
    _fill(page, "Ayesha K.", "ayesha@example.com")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Thank you, your application is in")).to_be_visible()
    assert len(_applicants(site)) == 1
    assert _files(site) == 1


def test_a_bad_form_comes_back_marked_and_kept_then_goes_through(page: Page, site: Site):
    hostile = "<script>alert('x')</script> <b>Bold</b> {{ 7*7 }}"
    page.goto("/jobs/senior-backend/apply")
    _fill(page, hostile, "not-an-email")
    page.get_by_label("Years of backend experience").fill("300")
    page.get_by_label("Code (GitHub, GitLab…)").fill("javascript:alert(1)")
    page.get_by_label("Your CV as a file").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00 not a pdf"}
    )
    page.get_by_role("button", name="Send my application").click()

    expect(page.get_by_role("alert")).to_contain_text("Some answers need a change")
    for label, message in (
        ("Email", "not a valid email address"),
        ("Years of backend experience", "whole number from 0 to 70"),
        ("Code (GitHub, GitLab…)", "must be an http(s) link"),
        ("Your CV as a file", "not a PDF or a Word (DOCX) document"),
    ):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby") or ""
        error_id = next(i for i in described.split() if i.endswith("-error"))
        expect(page.locator(f"#{error_id}")).to_contain_text(message)
    expect(page.locator("#consent-error")).to_contain_text("agree to the privacy notice")
    # What was typed is kept exactly, shown as text (no script ran: a dialog fails the test).
    expect(page.get_by_label("Full name")).to_have_value(hostile)
    expect(page.get_by_label("Skills")).to_have_value("python, postgresql, kubernetes")
    assert page.locator("b").count() == 0
    screenshot(page, "apply-errors")
    assert _applicants(site) == []

    page.get_by_label("Email").fill("zara@example.com")
    page.get_by_label("Years of backend experience").fill("6")
    page.get_by_label("Code (GitHub, GitLab…)").fill("https://gitlab.com/zara")
    six_mb = PDF + b"0" * (6 * 1000 * 1000)
    page.get_by_label("Your CV as a file").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": six_mb}
    )
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator("#cv-error")).to_contain_text("the file is 6.0 MB; the limit is 5 MB")
    expect(page.get_by_label("Email")).to_have_value("zara@example.com")
    expect(page.get_by_label("I have read the privacy notice")).to_be_checked()
    assert _applicants(site) == []

    page.get_by_label("Your CV as a file").set_input_files([])
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Thank you, your application is in")).to_be_visible()
    [applicant] = _applicants(site)
    assert applicant.name == hostile
    assert _files(site) == 0


def test_a_forged_token_and_the_honeypot_store_nothing(page: Page, site: Site):
    page.goto("/jobs/senior-backend/apply")
    _fill(page, "Forged Form", "forged@example.com")
    page.get_by_label("I have read the privacy notice").check()
    page.locator("input[name=csrf_token]").evaluate("e => { e.value = 'forged.token' }")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("alert")).to_contain_text("could not confirm this form came from")
    expect(page.get_by_label("Email")).to_have_value("forged@example.com")
    assert _applicants(site) == []

    # The form it came back with has a good token again: sent as it is, it goes through;
    # but a bot that fills the field people never see is told it worked, and nothing is kept.
    page.locator("#website").evaluate("e => { e.value = 'https://spam.example' }")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("heading", name="Thank you, your application is in")).to_be_visible()
    assert _applicants(site) == []
    assert site.slack.calls_to("chat.postMessage") == []

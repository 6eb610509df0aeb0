from __future__ import annotations

import pytest

from bot.domain.applicants import NOTE_MAX, ApplicantDraft, clean_text, initials, parse_skills
from bot.domain.errors import InvalidInput


def draft(**fields: str) -> ApplicantDraft:
    return ApplicantDraft.from_fields("senior-backend", {"name": "Ayesha Khan", **fields})


def test_email_is_normalised_to_lower_case() -> None:
    assert draft(email="Ayesha.Khan@Example.COM").email == "ayesha.khan@example.com"


@pytest.mark.parametrize("bad", ["ayesha", "ayesha@", "@example.com", "a b@example.com"])
def test_malformed_email_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a valid email"):
        draft(email=bad)


def test_local_phone_numbers_become_e164() -> None:
    assert draft(phone="0300 1234567").phone == "+923001234567"
    assert draft(phone="+49 30 123456").phone == "+4930123456"


def test_nonsense_phone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="phone"):
        draft(phone="call me maybe")


@pytest.mark.parametrize("name", ["", "   ", "\x00\x07"])
def test_empty_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput, match="name cannot be empty"):
        ApplicantDraft.from_fields("senior-backend", {"name": name})


@pytest.mark.parametrize(
    "name",
    ["<!channel>", "<@U123> Khan", "*bold* _x_", "<b>Ayesha</b>", "Robert'); DROP TABLE x;--"],
)
def test_markup_and_sql_in_names_are_kept_literally(name: str) -> None:
    assert draft(name=name).name == name


def test_unknown_fields_are_named() -> None:
    with pytest.raises(InvalidInput, match="unknown field\\(s\\) salary"):
        draft(salary="1")


def test_links_must_be_http() -> None:
    assert draft(resume="https://example.com/cv.pdf").links == {
        "resume": "https://example.com/cv.pdf"
    }
    with pytest.raises(InvalidInput, match="resume link must be an http"):
        draft(resume="javascript:alert(1)")


def test_skills_are_tags_without_duplicates() -> None:
    assert parse_skills("Python, postgres;PYTHON, , Go") == ["python", "postgres", "go"]


def test_long_text_is_refused_with_its_length() -> None:
    assert len(clean_text("x" * NOTE_MAX, what="note", limit=NOTE_MAX)) == NOTE_MAX
    with pytest.raises(InvalidInput, match="10,001 characters long; the limit is 10,000"):
        clean_text("x" * (NOTE_MAX + 1), what="note", limit=NOTE_MAX)


def test_initials() -> None:
    assert initials("ayesha  khan") == "A. K."

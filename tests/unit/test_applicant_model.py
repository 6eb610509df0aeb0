"""One applicant model, two uses: the first problem (chat) and every problem (forms, the API,
CSV rows) come from the same validation, so they can never disagree about a field."""

from __future__ import annotations

import pytest

from bot.domain.applicants import ApplicantDraft
from bot.domain.errors import FieldErrors, InvalidInput

BAD = {
    "name": "\x00 ",
    "email": "ayesha@",
    "phone": "call me maybe",
    "location": "l" * 201,
    "source": "s" * 201,
    "skills": "x" * 51,
    "note": "n" * 10_001,
    "resume": "javascript:alert(1)",
    "code": "ftp://example.com",
    "years": "six",
}


@pytest.mark.parametrize("field", sorted(BAD))
def test_each_bad_field_gets_the_same_message_both_ways(field: str) -> None:
    fields = {"name": "Ayesha Khan", field: BAD[field]}
    with pytest.raises(InvalidInput) as first:
        ApplicantDraft.from_fields("senior-backend", fields)
    with pytest.raises(FieldErrors) as every:
        ApplicantDraft.from_form("senior-backend", fields)
    assert every.value.fields == {field: first.value.message}


def test_a_form_names_every_bad_field_and_chat_the_first() -> None:
    with pytest.raises(FieldErrors) as every:
        ApplicantDraft.from_form("senior-backend", BAD, problems={"role": "unknown role 'x'"})
    assert list(every.value.fields) == ["role", *BAD]
    with pytest.raises(InvalidInput, match="name cannot be empty"):
        ApplicantDraft.from_fields("senior-backend", BAD)


def test_unknown_fields_are_named_both_ways() -> None:
    fields = {"name": "Ayesha", "salary": "1", "age": "30"}
    with pytest.raises(InvalidInput, match=r"unknown field\(s\) age, salary; known fields: code,"):
        ApplicantDraft.from_fields("senior-backend", fields)
    with pytest.raises(FieldErrors) as every:
        ApplicantDraft.from_form("senior-backend", fields)
    assert set(every.value.fields) == {"age", "salary"}


def test_exp_is_years_and_both_at_once_is_refused() -> None:
    assert ApplicantDraft.from_fields("r", {"name": "A", "exp": "6y"}).years_experience == 6
    with pytest.raises(FieldErrors) as every:
        ApplicantDraft.from_form("r", {"name": "A", "years": "5", "exp": "6"})
    assert every.value.fields == {"years": "years of experience is given twice (years= and exp=)"}


def test_one_field_is_checked_alone_with_the_same_rule() -> None:
    assert ApplicantDraft.check("phone", "0300 1234567") == "+923001234567"
    assert ApplicantDraft.check("phone", "030 123456", phone_region="DE") == "+4930123456"
    assert ApplicantDraft.check("skills", "Go, go, SQL") == "go, sql"
    with pytest.raises(InvalidInput, match="resume link must be an http"):
        ApplicantDraft.check("resume", "javascript:alert(1)")


def test_messages_keep_braces_people_typed() -> None:
    with pytest.raises(InvalidInput, match=r"'\{message\}' is not a phone number"):
        ApplicantDraft.from_fields("r", {"name": "A", "phone": "{message}"})

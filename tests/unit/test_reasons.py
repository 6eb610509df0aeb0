"""Rejection reasons: keys as typed, labels as read, `other` with a note, clear refusals."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.reasons import DEFAULT_REASONS, RejectionReasons
from bot.handlers.parsing import CommandLine, take_option


def test_keys_labels_and_other() -> None:
    reasons = DEFAULT_REASONS
    assert reasons.keys == ["not-enough-experience", "role-filled", "withdrew", "no-response"]
    assert reasons.parse("Role filled").key == "role-filled"
    assert reasons.parse("role_filled").key == "role-filled"
    assert reasons.choose("no-response", "two emails").text() == "no response — two emails"
    assert reasons.choose(None, "role filled").text() == "role filled"
    assert reasons.choose(None, "role filled, hired internally").note == "hired internally"
    legacy = reasons.choose(None, "no Go experience")
    assert (legacy.reason.key, legacy.text()) == ("other", "no Go experience")
    with pytest.raises(InvalidInput, match="did you mean 'withdrew'"):
        reasons.parse("withdrawn")
    with pytest.raises(InvalidInput, match="needs a note"):
        reasons.choose("other", "")


def test_a_configured_list_refuses_repeats_and_empties() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        RejectionReasons.of(["Role filled", "role-filled"])
    with pytest.raises(ValueError, match="1 to 60 characters"):
        RejectionReasons.of(["  "])
    with pytest.raises(ValueError, match="is 'other'"):
        RejectionReasons.of(["Other"])


def test_ids_then_text_and_a_reason_option() -> None:
    line = CommandLine.parse('reject 12 #15 19 reason="role filled" we hired; sorry')
    ids, text = line.ids_and_text()
    assert ids == [12, 15, 19]
    assert take_option(text, "reason") == ("role filled", "we hired; sorry")
    assert CommandLine.parse("advance 7 5 stars").ids_and_text() == ([7, 5], "stars")
    assert CommandLine.parse("move x 1").ids_and_text() == ([], "x 1")
    with pytest.raises(InvalidInput, match="given twice"):
        take_option("reason=a reason=b", "reason")

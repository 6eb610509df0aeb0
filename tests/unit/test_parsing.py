from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.handlers.parsing import CommandLine, parse_id, parse_page, split_options


def test_slash_prefixes_and_bot_suffix_are_stripped() -> None:
    assert CommandLine.parse("/hire move 12 screening").name == "move"
    assert CommandLine.parse("/list@hirebot_bot senior-backend").name == "list"
    assert CommandLine.parse("  SHOW 3 ").name == "show"


def test_free_text_after_the_head_is_kept_verbatim() -> None:
    line = CommandLine.parse('note 12  said "hi" & <b>left</b>  early')
    head, rest = line.head_and_text(1)
    assert head == ["12"]
    assert rest == 'said "hi" & <b>left</b>  early'


def test_quotes_group_words_and_unbalanced_quotes_are_explained() -> None:
    assert CommandLine.parse('add r "Ayesha Khan" email=a@b.co').tokens() == [
        "r",
        "Ayesha Khan",
        "email=a@b.co",
    ]
    with pytest.raises(InvalidInput, match="check your quotes"):
        CommandLine.parse('add r "Ayesha').tokens()


@pytest.mark.parametrize(("word", "expected"), [("12", 12), ("#12", 12)])
def test_ids(word: str, expected: int) -> None:
    assert parse_id(word, "show <id>") == expected


@pytest.mark.parametrize("word", ["abc", "12a", "-1", "#", "1" * 13])
def test_bad_ids_are_explained(word: str) -> None:
    with pytest.raises(InvalidInput, match="not an applicant id"):
        parse_id(word, "show <id>")


def test_options_only_for_known_keys() -> None:
    positional, options = split_options(["Ayesha", "email=a@b.co", "x=y"], {"email"})
    assert positional == ["Ayesha", "x=y"]
    assert options == {"email": "a@b.co"}
    with pytest.raises(InvalidInput, match="given twice"):
        split_options(["email=a", "email=b"], {"email"})


def test_pages() -> None:
    assert parse_page(None) == 1
    with pytest.raises(InvalidInput):
        parse_page("0")


def test_huge_commands_are_refused() -> None:
    with pytest.raises(InvalidInput, match="commands are limited"):
        CommandLine.parse("note 1 " + "x" * 30_000)

"""The search expression reader: what each filter means, and a message naming every bad part."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.search import SearchQuery, looks_like_filter, parse_search


def test_the_issue_example() -> None:
    query = parse_search("skills:python,postgres location:karachi exp>=5")
    assert query == SearchQuery(skills=("python", "postgres"), locations=("karachi",), min_years=5)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("exp>=5", (5, None)),
        ("exp>5", (6, None)),
        ("exp<=3", (None, 3)),
        ("exp<3", (None, 2)),
        ("exp=4", (4, 4)),
        ("exp:4", (4, 4)),
        ("exp:3-8", (3, 8)),
        ("exp:5+", (5, None)),
        ("years>=2 exp<=9", (2, 9)),
        ("exp>=2 exp>=5", (5, None)),  # the tighter bound wins
        ("exp<=9 exp<=4", (None, 4)),
        ("EXP>=0", (0, None)),
    ],
)
def test_years_of_experience(expression: str, expected: tuple[int | None, int | None]) -> None:
    query = parse_search(expression)
    assert (query.min_years, query.max_years) == expected


@pytest.mark.parametrize(
    ("expression", "field", "expected"),
    [
        ("skills:Python,POSTGRES", "skills", ("python", "postgres")),
        ("skill:go skills:rust,go", "skills", ("go", "rust")),
        ("location:karachi,lahore", "locations", ("karachi", "lahore")),
        ("loc:'new   york'", "locations", ("new york",)),
        ('location:"Islamabad, Pakistan"', "locations", ("Islamabad", "Pakistan")),
        ("source:referral source:LinkedIn", "sources", ("referral", "LinkedIn")),
        ("role:Senior-Backend", "roles", ("senior-backend",)),
        ("stage:open,Interview", "stages", ("open", "interview")),
        ("stage=screening", "stages", ("screening",)),
        ('"ayesha khan" distributed', "text", ("ayesha khan", "distributed")),
        ("text:save text:'run it'", "text", ("save", "run it")),
        ("c++ node.js", "text", ("c++", "node.js")),
    ],
)
def test_filters(expression: str, field: str, expected: tuple[str, ...]) -> None:
    assert getattr(parse_search(expression), field) == expected


def test_page_is_read_but_not_part_of_the_query() -> None:
    query = parse_search("skills:go page=3")
    assert query.page == 3
    assert query.without_page() == SearchQuery(skills=("go",))
    assert "page" not in query.canonical()


def test_empty() -> None:
    assert parse_search("").empty
    assert parse_search("page=2").empty
    assert not parse_search("x").empty


@pytest.mark.parametrize(
    "expression",
    [
        "skills:python,postgres location:karachi exp>=5",
        "role:senior-backend stage:open,screening exp:3-8 source:referral 'ayesha khan'",
        "location:'new york' exp=4 c++",
        "text:'it''s' exp<=2",
    ],
)
def test_canonical_form_reads_back_to_the_same_query(expression: str) -> None:
    query = parse_search(expression)
    assert parse_search(query.canonical()) == query


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("skils:python", ["in 'skils:python'", "did you mean 'skills'"]),
        ("salary:100", ["unknown filter 'salary'", 'text:"salary:100"']),
        ("exp>=abc", ["in 'exp>=abc'", "whole number"]),
        ("exp>=-1", ["in 'exp>=-1'"]),
        ("exp>=500", ["in 'exp>=500'", "0 to 70"]),
        ("exp:8-3", ["in 'exp:8-3'", "backwards"]),
        ("exp<0", ["in 'exp<0'", "fewer than 0"]),
        ("exp>=5 exp<3", ["'exp>=5' and 'exp<3' can never both hold"]),
        ("location:", ["in 'location:'", "no value"]),
        ("skills:,,", ["in 'skills:,,'", "no value"]),
        ("location>karachi", ["in 'location>karachi'", "location:karachi"]),
        ("page=0", ["in 'page=0'", "positive"]),
        ("page=x", ["in 'page=x'"]),
        ("text:", ["in 'text:'", "no text"]),
        ('"ayesha', ["check your quotes"]),
        ("skills:" + "x" * 60, ["too long"]),
        ("w " * 31, ["31 parts; at most 30"]),
        ("x" * 101, ["limited to 100 characters"]),
    ],
)
def test_mistakes_name_the_bad_part(expression: str, names: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_search(expression)
    for name in names:
        assert name in caught.value.message


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("skills:python", True),
        ("exp>=5", True),
        ("stage:open", True),
        ("page=2", False),
        ("senior-backend", False),
        ("screening", False),
        ("weird:thing", False),
    ],
)
def test_which_words_make_list_a_search(token: str, expected: bool) -> None:
    assert looks_like_filter(token) is expected

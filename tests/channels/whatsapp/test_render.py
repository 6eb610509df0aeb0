"""Reply -> WhatsApp messages: marks neutralised, splits with a pointer, buttons or lists."""

from __future__ import annotations

from pywa.types.callback import SectionList

from bot.channels.whatsapp.render import (
    CONTINUED,
    MAX_TEXT,
    neutralise,
    parse_callback,
    render,
)
from bot.messages.reply import Action, Reply


def actions(count: int, label: str = "Choice") -> list[Action]:
    return [Action(id="pick", label=f"{label} {n}", value=str(n)) for n in range(count)]


def test_marks_that_could_style_are_lookalikes_inside_words_they_stay() -> None:
    assert neutralise("*Bold* _it_ ~s~ `c`") == "∗Bold∗ ˍitˍ ∼s∼ ˋcˋ"
    assert neutralise("snake_case a*b") == "snake_case a*b"
    assert neutralise("> quoted\n  > again") == "＞ quoted\n  ＞ again"


def test_a_title_keeps_our_bold_around_the_neutralised_name() -> None:
    (part,) = render(Reply(title="#1 *Ayesha*", text="hello"))
    assert part.text == "*#1 ∗Ayesha∗*\nhello"


def test_a_long_reply_splits_between_lines_with_a_pointer() -> None:
    lines = [f"line {n:04d} " + "x" * 90 for n in range(120)]
    parts = render(Reply(text="\n".join(lines)))
    assert len(parts) > 1
    assert all(len(p.text) <= MAX_TEXT for p in parts)
    assert all(p.text.endswith(CONTINUED) for p in parts[:-1])
    joined = "\n".join(p.text.removesuffix(f"\n{CONTINUED}") for p in parts)
    assert joined == "\n".join(lines)


def test_a_single_huge_line_is_cut_and_nothing_is_lost() -> None:
    text = "y" * 10_000
    parts = render(Reply(text=text))
    assert all(len(p.text) <= MAX_TEXT for p in parts)
    assert "".join(p.text.removesuffix(f"\n{CONTINUED}") for p in parts) == text


def test_three_short_choices_are_buttons_more_are_a_list_and_long_sets_page() -> None:
    (buttons,) = render(Reply(text="pick", actions=actions(3)))
    assert isinstance(buttons.choices, list)
    assert len(buttons.choices) == 3
    (listed,) = render(Reply(text="pick", actions=actions(4)))
    assert isinstance(listed.choices, SectionList)
    paged = render(Reply(text="pick", actions=actions(23)))
    lists = [p.choices for p in paged if isinstance(p.choices, SectionList)]
    assert [sum(len(list(s.rows)) for s in sl.sections) for sl in lists] == [10, 10, 3]


def test_a_long_label_is_a_row_whose_description_carries_it_in_full() -> None:
    label = "Change System design and scalability"
    (part,) = render(Reply(text="x", actions=[Action(id="edit", label=label, value="1")]))
    assert isinstance(part.choices, SectionList)
    (row,) = list(next(iter(part.choices.sections)).rows)
    assert len(row.title) <= 24
    assert row.description == label


def test_button_ids_round_trip_and_foreign_ids_are_ignored() -> None:
    (part,) = render(Reply(text="x", actions=[Action(id="move", label="Go", value="1:screen")]))
    assert isinstance(part.choices, list)
    assert parse_callback(str(part.choices[0].callback_data)) == ("a", "move", "1:screen")
    assert parse_callback("open") is None
    assert parse_callback(None) is None

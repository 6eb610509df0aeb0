"""Reply -> Block Kit: escaping and Slack's limits, checked with the fake's validator."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.slack import modals, render
from bot.config import HirebotConfig
from bot.domain.catalog import RoleSpec
from bot.messages.reply import Action, Field, Reply
from tests.fakes.slack_api import validate_blocks, validate_view


@pytest.fixture
def shipped_catalog_roles(shipped_config: HirebotConfig) -> list[RoleSpec]:
    return list(shipped_config.catalog().roles.values())


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def test_escape_turns_slack_control_characters_into_entities() -> None:
    assert render.escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert render.unescape(render.escape("a&b<c>d&amp;")) == "a&b<c>d&amp;"


def test_a_long_text_is_split_whole_over_sections() -> None:
    text = "R&D <x> " * 2000 + "end"
    blocks = render.reply_blocks(Reply(text=text))
    chunks = sections(blocks)
    assert len(chunks) > 1
    assert all(len(c) <= render.SECTION_TEXT_MAX for c in chunks)
    assert "".join(chunks) == render.escape(text)  # nothing lost, no entity split
    assert validate_blocks(render.message(Reply(text=text)).blocks) == []


def test_an_oversized_reply_stays_within_every_limit_with_a_pointer() -> None:
    reply = Reply(
        kind="card",
        title="T" * 400,
        text="word " * 3000,
        lines=["line & more " * 60 for _ in range(200)],
        fields=[Field(label=f"F{i}", value="v&" * 1500) for i in range(25)],
        actions=[
            Action(id=f"act{i}", label="L" * 120, value="1:applied", input_prompt="P" * 400)
            for i in range(30)
        ]
        + [Action(id="huge", label="x", value="v" * 2001)],
        footer="f" * 5000,
    )
    message = render.message(reply, pointer="/hire show 1")
    assert len(message.blocks) == render.MESSAGE_BLOCKS_MAX
    assert validate_blocks(message.blocks) == []
    last = message.blocks[-1]["elements"][0]["text"]
    assert "more parts not shown; /hire show 1" in last
    assert len(message.text) <= render.FALLBACK_TEXT_MAX

    blocks = render.finish(render.reply_blocks(reply))
    assert validate_blocks(blocks, limit=1000) == []
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30  # the one whose value would not fit is left out
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)
    fields = [f["text"] for b in blocks if "fields" in b for f in b["fields"]]
    assert len(fields) == 25
    assert all(len(f) <= 2000 and "more characters" in f for f in fields)
    for block in blocks:
        if block["type"] == "actions":
            assert len(block["block_id"]) <= render.BLOCK_ID_MAX
            assert render.prompts_of(block["block_id"])  # prompts survive, shortened


def test_prompts_ride_in_the_block_id() -> None:
    reply = Reply(
        actions=[
            Action(id="advance", label="Advance", value="1:applied"),
            Action(id="reject", label="Reject", value="1:applied", input_prompt="Why?"),
        ]
    )
    [actions] = [b for b in render.message(reply).blocks if b["type"] == "actions"]
    assert render.prompts_of(actions["block_id"]) == {"reject": "Why?"}
    assert render.prompts_of("b0.abc") == {}


def test_buttons_sharing_an_action_are_all_shown_with_unique_action_ids() -> None:
    """A flow question's choices are all the `flow` action; a check-in lists a Reject per
    applicant. Each stays a button, and each click maps back to its core action."""
    reply = Reply(
        actions=[
            *[Action(id="flow", label=str(n), value=f"7:0:{n}") for n in range(1, 5)],
            Action(id="reject", label="Reject #1", value="1:applied", input_prompt="Why #1?"),
            Action(id="reject", label="Reject #2", value="2:applied", input_prompt="Why #2?"),
        ]
    )
    [actions] = [b for b in render.message(reply).blocks if b["type"] == "actions"]
    assert validate_blocks([actions]) == []
    ids = [e["action_id"] for e in actions["elements"]]
    assert ids == ["flow", "flow#1", "flow#2", "flow#3", "reject", "reject#1"]
    assert [render.core_action(i) for i in ids] == ["flow"] * 4 + ["reject"] * 2
    assert [e["value"] for e in actions["elements"]][:4] == [f"7:0:{n}" for n in range(1, 5)]
    assert render.prompts_of(actions["block_id"]) == {"reject": "Why #1?", "reject#1": "Why #2?"}


def test_block_ids_change_with_content_and_are_unique() -> None:
    one = render.message(Reply(title="#1 A", text="Applied")).blocks
    two = render.message(Reply(title="#1 A", text="Screening")).blocks
    assert one[0]["block_id"] != two[0]["block_id"]
    many = render.message(Reply(lines=["x" * 2500] * 10)).blocks
    assert len({b["block_id"] for b in many}) == len(many)


def test_many_replies_are_packed_into_messages_of_fifty_blocks() -> None:
    replies = [Reply(title=f"Note {i}", text="n " * 6000) for i in range(20)]
    messages = render.pack(replies)
    assert len(messages) > 1
    assert all(len(m.blocks) <= 50 and validate_blocks(m.blocks) == [] for m in messages)
    assert sorted(i for m in messages for i in m.replies) == list(range(20))


def test_links_are_explicit_and_fit() -> None:
    field = Field(label="Code", value="https://example.com/a?b=1&c=<2>|x")
    [block] = [b for b in render.reply_blocks(Reply(fields=[field])) if "fields" in b]
    assert block["fields"][0]["text"] == (
        "*Code*\n<https://example.com/a?b=1&amp;c=&lt;2&gt;%7Cx|"
        "https://example.com/a?b=1&amp;c=&lt;2&gt;|x>"
    )


def test_views_and_modals_are_valid() -> None:
    replies = [Reply(title=f"Section {i}", lines=["a" * 2900] * 3) for i in range(40)]
    home = render.home_view(replies)
    assert validate_view(home) == []
    assert len(home["blocks"]) == render.VIEW_BLOCKS_MAX
    result = render.result_view([Reply(kind="success", text="done")], "A very long modal title")
    assert validate_view(result) == []
    prompt = modals.action_input(
        "reject", "1:applied", title="Reject", prompt="Why?" * 900, channel="C1"
    )
    assert validate_view(prompt) == []


def test_the_add_form_preselects_the_channel_role(shipped_catalog_roles: list[RoleSpec]) -> None:
    view = modals.add_applicant(shipped_catalog_roles, channel="C0HIRESBE")
    assert validate_view(view) == []
    role = view["blocks"][0]["element"]
    assert role["initial_option"]["value"] == "senior-backend"
    assert [b["block_id"] for b in view["blocks"][1:]] == [s.block_id for s in modals.ADD_INPUTS]

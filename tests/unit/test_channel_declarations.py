"""What each channel declares in its plugin, read through the registry as the core reads it:
its renderer and its send limits (rate limits as data; pacing is delivery's business)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.channels import registry
from bot.channels.base import ChannelPlugin
from bot.domain.channels import UNLIMITED, ChannelTraits, SendLimits
from bot.environment import Environment
from bot.messages.reply import Reply

MARKUP = "<!channel> <b>Ayesha</b> [bold]x[/bold] *Khan* &amp;"


def published(name: str) -> SendLimits:
    """A channel's limits where the deployment sets none of its variables."""
    return registry.send_limits(name, Environment.model_validate({}))


def test_each_channel_declares_its_platforms_limits() -> None:
    slack = published("slack")
    assert (slack.overall, slack.per_conversation, slack.burst) == (None, 1.0, 3)
    assert slack.spacing(shared=True) == slack.spacing(shared=False) == 1.0

    telegram = published("telegram")
    assert telegram.overall == 30.0
    assert telegram.conversation_rate(shared=False) == 1.0
    assert telegram.conversation_rate(shared=True) == pytest.approx(20 / 60)  # 20 a minute
    assert telegram.spacing(shared=False) == 1.0
    assert telegram.spacing(shared=True) == pytest.approx(3.0)

    whatsapp = published("whatsapp")
    assert whatsapp.overall == 80.0
    assert whatsapp.spacing(shared=False) == pytest.approx(6.0)  # the pair rate limit

    email = published("email")
    assert (email.overall, email.overall_burst) == (1.0, 1)  # one a second, evenly spaced

    console = published("console")
    assert console == UNLIMITED
    assert console.conversation_rate(shared=True) is None
    assert console.spacing(shared=False) == 0.0


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (lambda: SendLimits(overall=0), "positive number"),
        (lambda: SendLimits(per_conversation=-1), "positive number"),
        (lambda: SendLimits(burst=0), "at least one"),
    ],
)
def test_a_limit_that_could_not_be_kept_is_refused(limits: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        limits()  # type: ignore[operator]


def test_an_unknown_channel_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="no channel named 'slak'; channels: slack, telegram"):
        published("slak")
    with pytest.raises(ValueError, match="no channel named"):
        registry.renderer("slak")


def test_each_renderer_shows_markup_in_a_name_as_typed() -> None:
    reply = Reply(title=MARKUP, text="hello")
    [slack] = registry.renderer("slack")(reply)
    blocks = json.dumps(json.loads(slack)["blocks"])
    assert "<!channel>" not in blocks
    assert "&lt;!channel&gt;" in blocks
    assert "*Khan*" not in blocks  # Slack's style marks become lookalikes (docs/slack.md)

    [telegram] = registry.renderer("telegram")(reply)
    assert "&lt;b&gt;Ayesha&lt;/b&gt;" in telegram
    assert "<b>Ayesha</b>" not in telegram
    assert "&amp;amp;" in telegram

    [whatsapp] = registry.renderer("whatsapp")(reply)
    assert "Ayesha" in whatsapp
    assert "*Khan*" not in whatsapp  # WhatsApp's style marks are neutralised too

    [console] = registry.renderer("console")(reply)
    assert MARKUP in console  # a terminal shows it exactly (rich Text, never markup)


def test_a_renderer_splits_where_its_platform_does() -> None:
    reply = Reply(title="Notes", lines=[f"note {n}: " + "x" * 200 for n in range(60)])
    parts = registry.renderer("telegram")(reply)
    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    assert len(registry.renderer("slack")(reply)) == 1  # one message of blocks
    assert len(registry.renderer("console")(reply)) == 1


@pytest.fixture
def outside() -> Iterator[ChannelPlugin]:
    plugin = ChannelPlugin(traits=ChannelTraits(name="pager", label="Pager"))
    registry.register(plugin)
    yield plugin
    registry.unregister("pager")


def test_a_channel_declaring_nothing_gets_plain_text_and_no_limits(
    outside: ChannelPlugin,
) -> None:
    assert published("pager") is UNLIMITED
    assert registry.renderer("pager")(Reply(title=MARKUP, text="hi")) == [f"{MARKUP}\nhi"]

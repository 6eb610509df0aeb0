"""`hirebot people …`: directory chores an admin does from the server, such as account links."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from bot.channels import registry
from bot.cli.common import ConfigOption, fail, system_work
from bot.environment import Environment
from bot.messages.format import local_time
from bot.services import linking

people_app = typer.Typer(help="People: link chat accounts, calendar feeds.", no_args_is_help=True)


def _channel_to_link(hirebot_env: Environment, asked: str | None) -> str:
    """The channel named, else the first this deployment runs whose accounts link with codes."""
    if asked:
        return asked.lower()
    enabled = [p.traits.name for p in registry.enabled(hirebot_env) if p.traits.linkable]
    if enabled:
        return enabled[0]
    linkable = ", ".join(p.traits.name for p in registry.plugins() if p.traits.linkable)
    raise fail(
        f"no chat channel that links accounts is configured; name one with --channel ({linkable})"
    )


@people_app.command("link")
def link(
    person: Annotated[str, typer.Argument(help="person key from config.yaml")],
    channel: Annotated[
        str | None,
        typer.Option(help="chat channel to link (default: the first this deployment runs)"),
    ] = None,
    hours: Annotated[
        int, typer.Option(min=1, max=24 * 14, help="how long the code stays valid")
    ] = 24,
    config: ConfigOption = None,
) -> None:
    """Print a one-time code (and how to use it there) that binds a chat account to PERSON."""
    from datetime import timedelta

    out = Console(highlight=False, soft_wrap=True)
    with system_work(config) as (hirebot, ctx):
        issued = linking.create_code(
            ctx, person, channel=_channel_to_link(hirebot.env, channel), ttl=timedelta(hours=hours)
        )
        ctx.uow.commit()
        spec = hirebot.catalog.person(issued.person_key)
        out.print(f"link code for {issued.person_name} ({issued.person_key}): {issued.code}")
        out.print(f"valid until {local_time(issued.expires_at, spec.timezone)}, once")
        plugin = registry.plugin(issued.channel)
        if plugin is not None and plugin.link_instructions is not None:
            for line in plugin.link_instructions(hirebot.env, issued.code):
                out.print(line)
        else:
            out.print(f"send the bot, in a private chat: start {issued.code}")


@people_app.command("calendar")
def calendar(
    person: Annotated[str, typer.Argument(help="person key from config.yaml")],
    rotate: Annotated[
        bool, typer.Option(help="a new URL; the old one stops working at once")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Print the secret URL of PERSON's calendar feed (their upcoming interviews) to subscribe
    to from any calendar app."""
    from bot.services import calendar_feed  # icalendar, which no other command needs

    out = Console(highlight=False, soft_wrap=True)
    with system_work(config) as (hirebot, ctx):
        issued = calendar_feed.issue(ctx, person, rotate=rotate)
        ctx.uow.commit()
        site = hirebot.env.public_site()
        base = site.url.rstrip("/") if site is not None else ""
        out.print(f"calendar feed for {issued.person_name}: {base}{issued.path()}")
        if not base:
            out.print("(HIREBOT_PUBLIC_URL is not set: put the server's address in front)")
        out.print("subscribe to it from a calendar app; keep it secret (it lists interviews)")

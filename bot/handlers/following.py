"""`follow ROLE`, `unfollow ROLE`, `following`: a role's cards in your own private chat.

The way cards reach people on a channel with no shared conversations, and a choice for anyone
else; who may follow is services/following.py's rule.
"""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers.parsing import CommandLine
from bot.handlers.registry import Command, CommandSet
from bot.messages.reply import Reply
from bot.services import following
from bot.services.context import Context


def _one_role(line: CommandLine, usage: str) -> str:
    words = line.tokens()
    if len(words) != 1:
        raise InvalidInput(f"usage: {usage}")
    return words[0]


def register(commands: CommandSet) -> None:
    def follow(ctx: Context, line: CommandLine) -> list[Reply]:
        """New applicants' cards for a role, and their changes, sent to you privately."""
        role, added = following.follow(ctx, _one_role(line, "follow ROLE"))
        if not added:
            return [Reply(text=f"You already follow {role.title} ({role.key}).")]
        return [
            Reply(
                kind="success",
                text=f"You now follow {role.title} ({role.key}): new applicants' cards, and "
                "their moves, come to you here.",
                footer=f"unfollow {role.key} to stop",
            )
        ]

    def unfollow(ctx: Context, line: CommandLine) -> list[Reply]:
        """Stop getting a role's cards privately."""
        role, removed = following.unfollow(ctx, _one_role(line, "unfollow ROLE"))
        if not removed:
            return [Reply(text=f"You did not follow {role.title} ({role.key}).")]
        return [Reply(kind="success", text=f"You no longer follow {role.title} ({role.key}).")]

    def following_(ctx: Context, line: CommandLine) -> list[Reply]:
        """The roles whose cards come to you privately."""
        if line.tokens():
            raise InvalidInput("usage: following")
        roles = following.followed(ctx)
        if not roles:
            return [Reply(text="You follow no roles.", footer="follow ROLE to get its cards here")]
        return [
            Reply(
                title="Roles you follow",
                lines=[f"{r.key} — {r.title}" for r in roles],
                footer="unfollow ROLE to stop",
            )
        ]

    commands.add(
        Command(
            "follow",
            "follow ROLE",
            "get a role's new applicants' cards, and their moves, privately",
            follow,
            Permission.VIEW,
            examples=("follow senior-backend",),
        )
    )
    commands.add(
        Command(
            "unfollow",
            "unfollow ROLE",
            "stop getting a role's cards privately",
            unfollow,
            examples=("unfollow senior-backend",),
        )
    )
    commands.add(Command("following", "following", "the roles whose cards come to you", following_))

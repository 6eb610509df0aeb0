"""The command and action tables; modules register explicitly, nothing on import."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.errors import NotFound
from bot.domain.permissions import Permission
from bot.domain.suggest import did_you_mean
from bot.handlers.parsing import CommandLine
from bot.messages.reply import Reply
from bot.services.context import Context

CommandFn = Callable[[Context, CommandLine], list[Reply]]
ActionFn = Callable[[Context, str, str | None], list[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    run: CommandFn
    permission: Permission | None = None
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass
class CommandSet:
    commands: dict[str, Command] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    actions: dict[str, ActionFn] = field(default_factory=dict)

    def add(self, command: Command) -> None:
        if command.name in self.commands:
            raise ValueError(f"command '{command.name}' registered twice")
        self.commands[command.name] = command
        for alias in command.aliases:
            self.aliases[alias] = command.name

    def add_action(self, action_id: str, fn: ActionFn) -> None:
        if action_id in self.actions:
            raise ValueError(f"action '{action_id}' registered twice")
        self.actions[action_id] = fn

    def find(self, name: str) -> Command:
        key = self.aliases.get(name, name)
        command = self.commands.get(key)
        if command is None:
            hint = did_you_mean(name, [*self.commands, *self.aliases])
            shown = name if len(name) <= 30 else name[:30] + "…"
            raise NotFound(f"unknown command '{shown}'{hint} (type 'help' for the list)")
        return command

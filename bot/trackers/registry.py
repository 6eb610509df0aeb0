"""Every tracker hirebot can use, by the `kind` a role's `tracker:` names: the option keys it
needs in config.yaml, whether the environment holds its credentials, and how to build its
client (imported only then, so reading the configuration loads no tracker SDK)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.trackers import Tracker
    from bot.environment import Environment
    from bot.trackers.webhooks import Verifier


@dataclass(frozen=True)
class TrackerPlugin:
    kind: str
    required: tuple[str, ...]  # option keys a role's `tracker:` must give
    optional: tuple[str, ...]
    module: str  # implements `build(env) -> Tracker | None` and `verifier(env) -> Verifier`

    def build(self, env: Environment) -> Tracker | None:
        """The client, or None when the environment lacks this tracker's credentials."""
        factory: Callable[[Environment], Tracker | None] = import_module(self.module).build
        return factory(env)

    def verifier(self, env: Environment) -> Verifier:
        factory: Callable[[Environment], Verifier] = import_module(self.module).verifier
        return factory(env)


PLUGINS: dict[str, TrackerPlugin] = {
    "jira": TrackerPlugin("jira", ("project",), ("issue_type",), "bot.trackers.jira"),
    "trello": TrackerPlugin("trello", ("board", "list"), ("done_list",), "bot.trackers.trello"),
    "asana": TrackerPlugin("asana", ("workspace", "project"), (), "bot.trackers.asana"),
}


def kinds() -> list[str]:
    return list(PLUGINS)


def plugin(kind: str) -> TrackerPlugin:
    return PLUGINS[kind]


def build_all(env: Environment) -> dict[str, Tracker]:
    """A client for each tracker whose credentials the environment holds."""
    out: dict[str, Tracker] = {}
    for kind, entry in PLUGINS.items():
        client = entry.build(env)
        if client is not None:
            out[kind] = client
    return out


def verifiers(env: Environment) -> dict[str, Verifier]:
    """Every tracker's webhook verifier: one whose secret is unset refuses every delivery."""
    return {kind: entry.verifier(env) for kind, entry in PLUGINS.items()}

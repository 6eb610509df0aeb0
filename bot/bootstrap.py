"""The one place that wires config, database, clock, command set and channels together.

Tests call `bootstrap()` with their own database URL, config and clock; nothing else in the
code base constructs engines or reads the environment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import registry
from bot.clock import Clock, configured
from bot.config import HirebotConfig, load_config
from bot.directory import ConfigDirectory
from bot.domain.catalog import Catalog
from bot.domain.trackers import Tracker
from bot.environment import Environment
from bot.flows.add_applicant import AddApplicantFlow
from bot.flows.bulk import BulkFlow
from bot.flows.checkin import CheckinFlow
from bot.flows.engine import FlowEngine
from bot.flows.feedback import FeedbackFlow
from bot.flows.schedule_interview import ScheduleInterviewFlow
from bot.handlers import (
    applicants,
    asking,
    forms,
    general,
    home,
    interviews,
    milestones,
    schedules,
)
from bot.handlers import bulk as bulk_commands
from bot.handlers import candidate_mail as candidate_mail_commands
from bot.handlers import following as following_commands
from bot.handlers import offers as offer_commands
from bot.handlers import reports as report_commands
from bot.handlers import roles as role_commands
from bot.handlers import search as search_commands
from bot.handlers import team as team_commands
from bot.handlers.dispatcher import Dispatcher, new_correlation_id
from bot.handlers.registry import CommandSet
from bot.inbox.inbox import Inbox
from bot.scheduling.jobs import register_jobs
from bot.scheduling.runner import TaskRunner
from bot.services.catalog_source import CatalogSource
from bot.services.context import Actor, Context
from bot.services.directory import sync_catalog
from bot.trackers import registry as tracker_registry
from storage import migrate
from storage.db import create_db_engine, create_session_factory, is_sqlite
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class DatabaseNotReady(RuntimeError):
    """The schema is behind the code; the message says which command fixes it."""


@dataclass
class Hirebot:
    config: HirebotConfig
    catalog: Catalog
    env: Environment
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    commands: CommandSet
    dispatcher: Dispatcher
    channels: frozenset[str]
    tasks: TaskRunner
    inbox: Inbox
    # The catalog kept in step with the database's generation (services/catalog_source.py).
    source: CatalogSource
    directory: ConfigDirectory
    # A client for each task tracker whose credentials the environment holds, by kind.
    trackers: dict[str, Tracker] = field(default_factory=dict)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def context(self, uow: UnitOfWork, actor: Actor) -> Context:
        """Service work in `uow` as `actor`, with this app's catalog, clock and channels and a
        correlation id of its own: what a chore outside a chat (the CLI, a tracker's change)
        calls a service with."""
        return Context(uow, self.catalog, self.clock, actor, new_correlation_id(), self.channels)

    def fresh_catalog(self) -> Catalog:
        """The catalog, rebuilt first if another process changed people or roles (the start
        of a careers-page or API request)."""
        return self.source.current()

    def use_catalog(self, catalog: Catalog) -> None:
        """People or roles changed: every part that reads the catalog takes the new one."""
        self.catalog = catalog
        self.dispatcher.catalog = catalog
        self.tasks.catalog = catalog

    def close(self) -> None:
        self.engine.dispose()


def build_flows() -> FlowEngine:
    flows = FlowEngine()
    flows.register(AddApplicantFlow())
    flows.register(FeedbackFlow())
    flows.register(CheckinFlow())
    flows.register(ScheduleInterviewFlow())
    flows.register(BulkFlow())
    return flows


def build_commands(flows: FlowEngine) -> CommandSet:
    commands = CommandSet()
    general.register(commands)
    applicants.register(commands)
    interviews.register(commands)
    schedules.register(commands)
    asking.register(commands)
    forms.register(commands)
    home.register(commands)
    search_commands.register(commands)
    offer_commands.register(commands)
    bulk_commands.register(commands)
    report_commands.register(commands)
    team_commands.register(commands)
    role_commands.register(commands)
    candidate_mail_commands.register(commands)
    milestones.register(commands)
    following_commands.register(commands)
    commands.add_action("flow", flows.on_choice)
    return commands


def enabled_channels(env: Environment, extra: Iterable[str] = ()) -> frozenset[str]:
    """Channels this deployment delivers to: those with credentials, plus any the caller runs."""
    return frozenset(extra) | {plugin.traits.name for plugin in registry.enabled(env)}


def prepare_database(engine: Engine) -> None:
    """SQLite (the embedded default) migrates itself; other databases need `hirebot db upgrade`."""
    if migrate.is_up_to_date(engine):
        return
    if is_sqlite(engine):
        migrate.upgrade(engine)
        return
    fresh = not inspect(engine).get_table_names()
    state = "empty" if fresh else f"at revision {migrate.current_revision(engine)}"
    raise DatabaseNotReady(
        f"the database is {state}, the code needs {migrate.head_revision(engine)}: "
        "run `hirebot db upgrade`"
    )


def bootstrap(
    *,
    config: HirebotConfig | None = None,
    config_path: Path | str | None = None,
    database_url: str | None = None,
    clock: Clock | None = None,
    channels: Iterable[str] = (),
    env: Environment | None = None,
) -> Hirebot:
    env = env or Environment()
    config = config or load_config(config_path)
    public = env.public_site()
    catalog = replace(config.catalog(), public=public)
    engine = create_db_engine(database_url or env.database_url)
    prepare_database(engine)
    session_factory = create_session_factory(engine)
    with UnitOfWork(session_factory) as uow:
        sync_catalog(uow, catalog)
    directory = ConfigDirectory(config, public)
    with UnitOfWork(session_factory) as uow:
        generation = uow.catalog_generation.current()
        catalog = directory.build(uow)
    source = CatalogSource(
        lambda: UnitOfWork(session_factory), directory.build, catalog, generation
    )
    clock = clock or configured(env.clock)
    flows = build_flows()
    commands = build_commands(flows)
    active = enabled_channels(env, channels)
    dispatcher = Dispatcher(
        lambda: UnitOfWork(session_factory), catalog, commands, clock, active, flows
    )
    dispatcher.source, dispatcher.directory = source, directory
    tasks = TaskRunner(lambda: UnitOfWork(session_factory), catalog, active, flows, clock=clock)
    tasks.source = source
    trackers = tracker_registry.build_all(env)
    register_jobs(tasks, trackers)
    inbox = Inbox(engine, lambda: UnitOfWork(session_factory), clock)
    app = Hirebot(
        config,
        catalog,
        env,
        engine,
        session_factory,
        clock,
        commands,
        dispatcher,
        active,
        tasks,
        inbox,
        source,
        directory,
        trackers,
    )
    source.listeners.append(app.use_catalog)
    return app

"""`hirebot serve` and `hirebot worker`: the ASGI app carrying every channel's webhooks, and
the loops that handle what they record (inbox, delivery, scheduler).

One process runs both by default (role `all`). Split (docs/deploy.md), the web process (role
`web`: routes, the inbox's durable write, the acknowledgement) shares neither the GIL nor the
CPU with handling, and the worker (role `worker`: the loops, and only /healthz and /metrics
over HTTP) is woken through the database (bot/runtime/wakeup.py). The queue's claims make
any number of each safe.

Channels are chosen by the environment: each channel in `bot/channels/registry.py` whose
credentials are set contributes a runtime. The console channel is interactive and not part of
the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Hirebot
from bot.channels import registry
from bot.channels.base import ChannelRuntime, KeepsDirectory
from bot.delivery.loop import DeliveryLoop
from bot.delivery.sender import OutgoingMessage
from bot.delivery.worker import DeliveryWorker
from bot.domain.channels import UNLIMITED, SendLimits
from bot.links.pages import LinkPages
from bot.pages.app import CareersPages
from bot.runtime.background import PassLoop
from bot.runtime.lazy_intake import intake_routes
from bot.runtime.metrics import Metrics
from bot.runtime.wakeup import INBOX, OUTBOX, Announcer, Waker
from bot.scheduling.runner import RunReport
from bot.scheduling.scheduler import Scheduler
from bot.services.reachability import report_undeliverable
from bot.trackers import registry as tracker_registry
from bot.trackers.webhooks import TrackerWebhooks

log = logging.getLogger(__name__)

ALL, WEB, WORKER = "all", "web", "worker"
ROLES = (ALL, WEB, WORKER)


@dataclass
class Server:
    hirebot: Hirebot
    runtimes: list[ChannelRuntime]
    delivery: DeliveryLoop
    inbox: PassLoop | None = None
    extra_routes: list[BaseRoute] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    # More /healthz checks by name (e.g. "scheduler"): each returns "ok" or what is wrong.
    health_checks: dict[str, Callable[[], str]] = field(default_factory=dict)
    scheduler: Scheduler | None = None
    role: str = ALL
    # Split processes: the web side announces new work, the worker wakes on it.
    announcer: Announcer | None = None
    waker: Waker | None = None

    def asgi(self) -> Starlette:
        routes: list[BaseRoute] = [
            Route("/healthz", self._health, methods=["GET"]),
            Route("/metrics", self.metrics.endpoint, methods=["GET"]),
        ]
        if self.role == WORKER:  # no doors: the web process records what comes in
            return Starlette(routes=routes, lifespan=self._lifespan)
        for runtime in self.runtimes:
            routes.extend(runtime.routes())
        routes.extend(intake_routes(self.hirebot, self.metrics, self.hirebot.dispatcher.on_commit))
        routes.extend(CareersPages(self.hirebot, self.hirebot.dispatcher.on_commit).routes())
        routes.extend(LinkPages(self.hirebot).routes())
        routes.extend(self.extra_routes)
        return Starlette(routes=routes, lifespan=self._lifespan)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # In a thread, not on the server's event loop: starting and stopping wait on other
        # loops (Telegram's Application, its sender's), and an asyncio loop cannot be run
        # from inside another one ("Cannot run the event loop while another loop is running").
        await asyncio.to_thread(self.start)
        try:
            yield
        finally:
            await asyncio.to_thread(self.stop)

    def start(self) -> None:
        if self.role != WEB:  # the web process takes no work, so it hands none back
            self.recover()
        for runtime in self.runtimes:
            runtime.start(inbound=self.role != WORKER)
        if self.announcer is not None:
            self.announcer.start()
        if self.inbox is not None:
            self.inbox.start()
        self.delivery.start()
        if self.scheduler is not None:
            self.scheduler.start()
        if self.waker is not None:
            self.waker.start()

    def stop(self) -> None:
        """Work in flight finishes first (a scheduler tick, an event, a send), then the clients
        close; what was not started stays queued in the database for the next start."""
        if self.waker is not None:
            self.waker.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.inbox is not None:
            self.inbox.stop()
        self.delivery.stop()
        for runtime in self.runtimes:
            runtime.stop()
        if self.announcer is not None:
            self.announcer.stop()

    def recover(self) -> None:
        """Before taking new work: what a killed process of this machine was handling is
        handed back at once, not when its lease runs out (bot/runtime/leases.py); the scheduler does
        the same for tasks when it starts."""
        leases = [self.hirebot.inbox.leases]
        leases += [worker.leases for worker in self.delivery.workers[:1]]  # one outbox table
        for lease in leases:
            try:
                lease.recover()
            except Exception:  # the leases still run out; starting matters more
                log.exception("taking back the work of a stopped process failed")

    async def _health(self, _request: Request) -> JSONResponse:
        """The web process reports the database and its channels' doors; the worker the
        database and its loops (inbox, delivery, scheduler, wake-up); `all` reports both."""
        checks: dict[str, object] = {}
        healthy = True
        try:
            with self.hirebot.uow() as uow:
                uow.ping()
            checks["database"] = "ok"
        except Exception as exc:  # reported, not raised
            checks["database"] = f"error: {type(exc).__name__}"
            healthy = False
        if self.role != WEB:
            delivering = self.delivery.alive or not self.delivery.workers
            checks["delivery"] = "ok" if delivering else "stopped"
            healthy = healthy and delivering
        for name, check in self.health_checks.items():
            try:
                checks[name] = check()
            except Exception as exc:  # reported, not raised
                checks[name] = f"error: {type(exc).__name__}"
            healthy = healthy and checks[name] == "ok"
        checks["channels"] = {r.name: r.health() for r in self.runtimes}
        return JSONResponse(
            {"status": "ok" if healthy else "unhealthy", "role": self.role, "checks": checks},
            status_code=200 if healthy else 503,
        )


def freeze_startup_heap() -> None:
    """Everything built at start (modules, config, the command set, SQLAlchemy's mappers) lives
    as long as the process. Frozen out of the collector's reach, a full collection scans only
    what was made since: gen-2 pauses went from 80-90 ms to about 5 ms, and with them the
    acknowledgement p99 at 220 requests/s from 43-48 to 20-23 ms (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()


def channel_runtimes(hirebot: Hirebot) -> list[ChannelRuntime]:
    """A runtime for each channel the environment enables that runs inside the server."""
    return [
        plugin.runtime(hirebot)
        for plugin in registry.enabled(hirebot.env)
        if plugin.runtime is not None
    ]


def _report_unreachable(hirebot: Hirebot, message: OutgoingMessage, reason: str) -> None:
    """A channel refused a message for good: tell the recruiter or the admins (an outbox row)."""
    report_undeliverable(
        hirebot.uow,
        hirebot.catalog,
        hirebot.clock,
        hirebot.channels,
        outbox_id=message.id,
        channel=message.channel,
        address=message.ephemeral_to or message.destination,
        reason=reason,
        correlation_id=message.correlation_id,
    )


def _inbox_loop(
    hirebot: Hirebot, runtimes: list[ChannelRuntime], trackers: TrackerWebhooks
) -> PassLoop | None:
    """Events the channels' and the trackers' routes record are handled here, woken as each
    one is written."""
    inbox = hirebot.inbox
    inbox.processors.update(trackers.processors())
    if not runtimes and not hirebot.trackers:
        return None
    for runtime in runtimes:
        inbox.processors[runtime.name] = runtime.process_event

    def one_pass() -> int:
        stats = inbox.run_pending()
        return stats.worked

    loop = PassLoop("hirebot-inbox", one_pass, interval=1.0)
    inbox.on_receive.append(loop.wake)
    return loop


def _count_runs(metrics: Metrics, report: RunReport) -> None:
    for counts, result in ((report.ran, "ok"), (report.failed, "error")):
        for kind, n in counts.items():
            for _ in range(n):
                metrics.scheduler_run(kind, result)


def _limits(hirebot: Hirebot, channel: str) -> SendLimits:
    """The channel's send limits as this deployment sets them; none when pacing is off, or
    under a pinned clock (HIREBOT_CLOCK: time stands still there, so a paced conversation
    would never have its next message)."""
    env = hirebot.env
    if not env.delivery_pacing or env.clock is not None or registry.plugin(channel) is None:
        return UNLIMITED
    return registry.send_limits(channel, env)


def build_server(
    hirebot: Hirebot,
    runtimes: list[ChannelRuntime] | None = None,
    *,
    scheduler: bool = True,
    role: str = ALL,
) -> Server:
    """`scheduler=False` leaves scheduled work to explicit `hirebot.tasks.run_due` calls (tests).
    `role` is ALL (one process), WEB (routes only) or WORKER (loops only)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    runtimes = channel_runtimes(hirebot) if runtimes is None else runtimes
    handles = role != WEB
    for runtime in runtimes:  # user directories the core may ask (`people add @mention`)
        if isinstance(runtime, KeepsDirectory):
            hirebot.dispatcher.user_directories[runtime.name] = runtime.directory()
    workers = [
        DeliveryWorker(
            hirebot.uow,
            runtime.sender(),
            hirebot.clock,
            on_unreachable=partial(_report_unreachable, hirebot),
            limits=_limits(hirebot, runtime.name),
        )
        for runtime in (runtimes if handles else [])
    ]
    delivery = DeliveryLoop(workers, interval=0.5, clock=hirebot.clock)
    if handles:
        hirebot.dispatcher.on_commit.append(delivery.wake)
    metrics = Metrics()
    metrics.instrument(hirebot.dispatcher)
    metrics.watch_outbox(hirebot.uow, hirebot.clock)
    delivery.observers.append(metrics.observe_delivery)
    trackers = TrackerWebhooks(hirebot, tracker_registry.verifiers(hirebot.env))
    server = Server(
        hirebot,
        runtimes,
        delivery,
        inbox=_inbox_loop(hirebot, runtimes, trackers) if handles else None,
        extra_routes=trackers.routes(),
        metrics=metrics,
        role=role,
    )
    if server.inbox is not None or role == WEB:
        metrics.watch_inbox(hirebot.inbox)
    if server.inbox is not None:
        inbox = server.inbox
        server.health_checks["inbox"] = lambda: "ok" if inbox.alive else "stopped"
    metrics.watch_tasks(hirebot.tasks.queue)
    hirebot.tasks.on_run.append(partial(_count_runs, metrics))
    if role == WEB:
        _announce(server)
        return server
    if role == WORKER:
        _wake_on_announcements(server)
    if scheduler:
        server.scheduler = Scheduler(hirebot.tasks, hirebot.clock)
        sched = server.scheduler
        server.health_checks["scheduler"] = lambda: (
            "ok" if sched.alive and sched.last_error is None else sched.last_error or "stopped"
        )
    return server


def _announce(server: Server) -> None:
    """The web process: each recorded event, and each commit of its own (a modal, the API, the
    careers pages), is announced to the workers."""
    announcer = Announcer(server.hirebot.engine)
    server.hirebot.inbox.on_receive.append(announcer.inbox)
    server.hirebot.dispatcher.on_commit.append(announcer.outbox)
    server.announcer = announcer


def _wake_on_announcements(server: Server) -> None:
    """The worker: its inbox and delivery loops wake on the web process's announcements."""
    wake = {OUTBOX: server.delivery.wake}
    if server.inbox is not None:
        wake[INBOX] = server.inbox.wake
    waker = Waker(server.hirebot.engine, wake)
    server.waker = waker
    server.health_checks["wakeup"] = waker.health


def run(server: Server, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, then stop cleanly and return (exit status 0).

    uvicorn stops gracefully on either signal and then raises it again with the handler that
    was in place before it started, so that the default one ends the process (status -15, or a
    KeyboardInterrupt). A handler of our own, set first, is the one raised again: it only
    notes the stop, and `hirebot serve` returns normally after closing the database.
    """
    import uvicorn

    def stopped(signum: int, _frame: object) -> None:
        log.info("stopped by %s", signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        uvicorn.run(server.asgi(), host=host, port=port, log_level="warning")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

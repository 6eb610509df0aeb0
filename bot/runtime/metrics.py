"""Prometheus metrics for `hirebot serve`, served at GET /metrics.

Each `Metrics` owns its own `CollectorRegistry` (one per Server), so two servers in one process
(tests) never share counters. What is measured:

- `hirebot_events_total{channel,kind,result}` and `hirebot_event_handling_seconds{channel,kind}`:
  every `Dispatcher.handle` call (kind: command or action; result: ok, refused, duplicate, error),
  measured by wrapping the dispatcher instance, so the dispatcher itself knows nothing of metrics.
- `hirebot_api_requests_total{method,route,status}`: the intake API.
- `hirebot_outbox_messages{channel,state}` (pending, retrying, working, failed) and
  `hirebot_outbox_oldest_pending_age_seconds{channel}`: read from the database at scrape time,
  so every replica reports the shared queue.
- `hirebot_inbox_events{state}`: platform events recorded but not yet handled (pending,
  working) or given up (failed), and `hirebot_scheduled_tasks{state}` (the same words) for due
  work: both read from the database at scrape time by the one queue collector.
- `hirebot_delivery_sent_total{channel}`, `hirebot_delivery_failures_total{channel,outcome}`
  (outcome: retry, failed = given up, crash): from the delivery loop's per-pass stats.

Every `state` label is one of the work queue's words (storage/queue.py), the outbox's
`retrying` (a pending row that failed an attempt) being the one addition.
- `hirebot_scheduler_runs_total{job,result}`: call `Metrics.scheduler_run(job, result)` after each
  scheduled job run (result: ok or error); it stays at zero until scheduled jobs exist.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.clock import Clock
from bot.handlers.dispatcher import Dispatcher, Inbound, Outcome
from bot.inbox.inbox import Inbox
from bot.runtime.work import PassStats, WorkQueue
from bot.services import outbox_admin
from storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WRAPPED = "__hirebot_metrics__"


class OutboxCollector(Collector):
    """Queue depth and lag per channel, counted in the database when Prometheus scrapes."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # collected lazily: no database query at registration time

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "hirebot_outbox_messages",
            "Outbox messages by channel and state (pending, retrying, working, failed = given up)",
            labels=["channel", "state"],
        )
        age = GaugeMetricFamily(
            "hirebot_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered (pending or working) message per channel",
            labels=["channel"],
        )
        try:
            with self.uow_factory() as uow:
                stats = outbox_admin.stats(uow, include_done=False)
        except Exception:  # a scrape must answer even when the database does not
            log.exception("could not read outbox metrics")
            return
        now = self.clock.now()
        for s in stats:
            for state in ("pending", "retrying", "working", "failed"):
                depth.add_metric([s.channel, state], getattr(s, state))
            oldest = s.oldest_pending_at
            age.add_metric([s.channel], max(0.0, (now - oldest).total_seconds()) if oldest else 0)
        yield depth
        yield age


class QueueCollector(Collector):
    """One work queue's open and given-up rows by state (bot/runtime/work.py), read from the
    database at scrape time: the backlog every replica shares. The inbox and the scheduled tasks
    are reported this way."""

    def __init__(self, name: str, about: str, queue: WorkQueue[Any]) -> None:
        self.name = name
        self.about = about
        self.queue = queue
        states = queue.table.states
        self.states = (*states.open, states.given_up)

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(self.name, self.about, labels=["state"])
        try:
            counts = self.queue.counts(self.states)
        except Exception:  # a scrape must answer even when the database does not
            log.exception("could not read %s metrics", self.queue.table.name)
            return
        for state in self.states:
            gauge.add_metric([state], counts.get(state, 0))
        yield gauge


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter(
            "hirebot_events", "Inbound events handled", ["channel", "kind", "result"], registry=r
        )
        self.latency = Histogram(
            "hirebot_event_handling_seconds",
            "Time to handle one inbound event, commit included",
            ["channel", "kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.api_requests = Counter(
            "hirebot_api_requests",
            "Intake API requests",
            ["method", "route", "status"],
            registry=r,
        )
        self.delivered = Counter(
            "hirebot_delivery_sent", "Outbox messages delivered", ["channel"], registry=r
        )
        self.delivery_failures = Counter(
            "hirebot_delivery_failures",
            "Failed delivery attempts (retry: will be tried again; failed: gave up)",
            ["channel", "outcome"],
            registry=r,
        )
        self.scheduler_runs = Counter(
            "hirebot_scheduler_runs", "Scheduled job runs", ["job", "result"], registry=r
        )

    def watch_outbox(self, uow_factory: Callable[[], UnitOfWork], clock: Clock) -> None:
        self.registry.register(OutboxCollector(uow_factory, clock))

    def watch_inbox(self, inbox: Inbox) -> None:
        self.registry.register(
            QueueCollector(
                "hirebot_inbox_events",
                "Inbound platform events by state (pending, working = being handled, failed)",
                inbox.queue,
            )
        )

    def watch_tasks(self, queue: WorkQueue[Any]) -> None:
        self.registry.register(
            QueueCollector(
                "hirebot_scheduled_tasks",
                "Scheduled tasks not finished, by state (pending, working, failed = given up)",
                queue,
            )
        )

    def instrument(self, dispatcher: Dispatcher) -> None:
        """Count and time every `dispatcher.handle` call (re-pointed if already instrumented)."""
        current = dispatcher.handle
        if hasattr(current, _WRAPPED):
            setattr(current, _WRAPPED, self)
            return
        original: Callable[[Inbound], Outcome] = current

        @functools.wraps(original)
        def handle(inbound: Inbound) -> Outcome:
            metrics: Metrics = getattr(handle, _WRAPPED)
            kind = "action" if inbound.action is not None else "command"
            started = time.perf_counter()
            result = "error"
            try:
                outcome = original(inbound)
                if outcome.duplicate:
                    result = "duplicate"
                elif any(r.kind == "error" for r in outcome.replies):
                    result = "refused"
                else:
                    result = "ok"
                return outcome
            finally:
                metrics.latency.labels(inbound.channel, kind).observe(time.perf_counter() - started)
                metrics.events.labels(inbound.channel, kind, result).inc()

        setattr(handle, _WRAPPED, self)
        setattr(dispatcher, "handle", handle)  # noqa: B010 - shadow the method on this instance

    def observe_delivery(self, channel: str, stats: PassStats) -> None:
        """A DeliveryLoop observer: one call per worker pass."""
        if stats.done:
            self.delivered.labels(channel).inc(stats.done)
        if stats.retried:
            self.delivery_failures.labels(channel, "retry").inc(stats.retried)
        if stats.given_up:
            self.delivery_failures.labels(channel, "failed").inc(stats.given_up)
        if stats.crashed:
            self.delivery_failures.labels(channel, "crash").inc(stats.crashed)

    def api_request(self, method: str, route: str, status: int) -> None:
        self.api_requests.labels(method, route, str(status)).inc()

    def scheduler_run(self, job: str, result: str = "ok") -> None:
        """For the scheduler: count one run of `job` (result: ok or error)."""
        self.scheduler_runs.labels(job, result).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)

    async def endpoint(self, _request: Request) -> Response:
        body = await run_in_threadpool(self.render)  # the outbox collector queries the database
        return Response(body, media_type=CONTENT_TYPE_LATEST)

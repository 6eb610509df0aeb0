"""Answers posted to an interaction's response_url, after the ack, without losing any.

Slack takes up to 5 posts to one response_url within 30 minutes of the interaction. A post
that fails with a server error, a rate limit or a network error is tried again with backoff
(`RETRY_DELAYS`, about half a minute in all, always inside the URL's lifetime); a post Slack
refuses (4xx: expired, used up, invalid) is not. What still could not be posted, or an answer
whose URL expired before the event was handled (a long backlog after a restart), goes to the
asker's DM instead: the answers, which were not outbox rows (an inline answer is only in the
audit log), are handed to the delivery worker as plain rows, which it keeps across a restart
and retries like any message. Shutting down does the same for answers still waiting for a
retry. While retries go on, the rows already wait in the outbox for the DM, due after a lease
(`LEASE`), so a process killed mid-retry loses nothing either; a retry that succeeds takes
them back.

The posts go through one `httpx.Client` for the process, which keeps its connections to
Slack alive between answers; slack_sdk's `WebhookClient` (urllib) opened a new HTTPS
connection for every post, a connect and a TLS handshake per answer (docs/benchmarks.md,
"Handling cost"). The body is the one `WebhookClient.send` builds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from bot.bootstrap import Hirebot
from bot.channels.slack import render
from bot.handlers.dispatcher import Outcome
from bot.logging_setup import correlation
from bot.services import outbox

log = logging.getLogger(__name__)

CHANNEL = "slack"
RESPONSE_TIMEOUT = 10
RESPONSE_URL_POSTS = 5  # Slack takes up to 5 posts to one response_url (within 30 minutes)
LIFETIME = timedelta(minutes=30)  # how long Slack accepts posts to a response_url
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0)  # seconds before each retry of one post
# Longer than retrying can take (31 s of delays, six posts of at most RESPONSE_TIMEOUT each).
LEASE = timedelta(minutes=2)


def within_post_limit(messages: Sequence[render.Message]) -> list[render.Message]:
    if len(messages) <= RESPONSE_URL_POSTS:
        return list(messages)
    kept = list(messages[: RESPONSE_URL_POSTS - 1])
    left = len(messages) - len(kept)
    return [
        *kept,
        render.notice(
            f"{left} more messages of this answer did not fit: Slack takes "
            f"{RESPONSE_URL_POSTS} answers to one command. Ask for less at a time."
        ),
    ]


@dataclass
class Answer:
    """One interaction's answer on its way to the response_url."""

    response_url: str
    outcome: Outcome | None  # None for a notice that never reached the core
    messages: list[render.Message]
    user: str  # who asked: the DM it falls back to
    expires: datetime
    sent: int = 0  # messages posted so far
    failures: int = 0  # consecutive failed posts of the next message
    parked: bool = False  # its unposted replies wait in the outbox for the DM (see _park)
    handed: dict[int, int] = field(default_factory=dict)  # reply index -> its outbox row
    retry: threading.Timer | None = field(default=None, repr=False)


class Responder:
    def __init__(
        self,
        hirebot: Hirebot,
        *,
        workers: int = 4,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self.hirebot = hirebot
        self.retry_delays = tuple(retry_delays)
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="hirebot-slack-respond")
        # One pool of keep-alive connections for every worker (httpx's Client is thread-safe).
        self._http = httpx.Client(
            timeout=RESPONSE_TIMEOUT,
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
        )
        self._lock = threading.Condition()
        self._open: set[int] = set()  # ids of answers not yet posted nor handed over
        self._waiting: dict[int, Answer] = {}  # answers waiting for a retry
        self._closing = False

    def submit(
        self,
        response_url: str,
        outcome: Outcome | None,
        messages: Sequence[render.Message],
        *,
        user: str = "",
        received_at: datetime | None = None,
    ) -> None:
        """Post `messages` to the interaction's response_url after the ack has gone (retried,
        else sent to `user`'s DM); an answer longer than Slack takes there ends with a note
        saying how much was left out."""
        if not messages:
            return
        messages = within_post_limit(messages)
        expires = (received_at or self.hirebot.clock.now()) + LIFETIME
        answer = Answer(response_url, outcome, list(messages), user, expires)
        with self._lock:
            self._open.add(id(answer))
        if self.hirebot.clock.now() >= expires:
            self._give_up(answer, "the response_url expired")
            return
        self._run_soon(answer)

    def _run_soon(self, answer: Answer) -> None:
        try:
            self._executor.submit(self._run, answer)
        except RuntimeError:  # shut down: nothing will post it any more
            self._give_up(answer, "hirebot is stopping")

    def _run(self, answer: Answer) -> None:
        with correlation(answer.outcome.correlation_id if answer.outcome else "-"):
            try:
                self._post(answer)
            except Exception:  # never leave an answer open (drain would wait for it)
                log.exception("answering through the response_url failed")
                self._give_up(answer, "an unexpected error")

    def _post(self, answer: Answer) -> None:
        """Post the messages not yet posted, in order; on a failure retry later or fall back."""
        while answer.sent < len(answer.messages):
            message = answer.messages[answer.sent]
            body = {"response_type": "ephemeral", "replace_original": False, **message.payload()}
            try:
                reply = self._http.post(answer.response_url, json=body)
                status, problem = reply.status_code, f"{reply.status_code} {reply.text}"
            except Exception as exc:  # timeouts, refused connections, DNS
                status, problem = 0, f"{type(exc).__name__}: {exc}"
            if status == 200:
                answer.sent += 1
                answer.failures = 0
                if answer.handed:
                    self._take_back(answer, message.replies)
                continue
            log.warning("response_url answered %s", problem[:300])
            if status in (0, 429) or status >= 500:
                if self._retry_later(answer):
                    return
                why = f"it kept failing ({problem[:100]})"
            else:
                why = f"Slack refused it ({problem[:100]})"
            self._give_up(answer, why)
            return
        self._finish(answer)

    def _retry_later(self, answer: Answer) -> bool:
        """Schedule the next try if the delays and the URL's lifetime allow; False if not."""
        if answer.failures >= len(self.retry_delays):
            return False
        delay = self.retry_delays[answer.failures]
        if self.hirebot.clock.now() + timedelta(seconds=delay) >= answer.expires:
            return False
        if not answer.parked:
            self._park(answer)
        answer.failures += 1
        with self._lock:
            if self._closing:
                return False
            timer = threading.Timer(delay, self._retry, (answer,))
            timer.daemon = True
            answer.retry = timer
            self._waiting[id(answer)] = answer
            timer.start()
        return True

    def _retry(self, answer: Answer) -> None:
        with self._lock:
            if self._waiting.pop(id(answer), None) is None:
                return  # taken over by close()
        self._run_soon(answer)

    def _give_up(self, answer: Answer, why: str) -> None:
        """Hand the replies not yet posted to the delivery worker, for the asker's DM."""
        try:
            self._fall_back(answer, why)
        except Exception:  # the database is down too: the rows stay as they are, logged
            log.exception("an answer could not be posted (%s) nor sent by DM", why)
        finally:
            self._finish(answer)

    def _park(self, answer: Answer) -> None:
        """Before waiting to retry, hand the unposted replies to the outbox for the DM, due only
        after `LEASE`: if this process dies meanwhile, the delivery worker (here after a
        restart, or another replica) sends them then. A retry that succeeds marks them sent."""
        try:
            answer.parked = self._hand_over(answer, self.hirebot.clock.now() + LEASE)
        except Exception:  # the database is down: keep retrying from memory
            log.exception("an answer waiting for a retry could not be kept in the outbox")

    def _fall_back(self, answer: Answer, why: str) -> None:
        if answer.outcome is None or not answer.user:
            log.warning("an answer could not be posted (%s) and has no DM to go to", why)
            return
        moved = self._hand_over(answer, self.hirebot.clock.now())
        if moved:
            log.warning(
                "an answer could not be posted to the response_url (%s): sent by DM instead", why
            )
            for wake in self.hirebot.dispatcher.on_commit:
                wake()

    def _hand_over(self, answer: Answer, due: datetime) -> bool:
        """The replies not yet posted as outbox rows for the asker's DM, due at `due` (rows
        handed over before, when it was parked, are made due then); True if any."""
        if answer.outcome is None or not answer.user:
            return False
        replies = answer.outcome.replies
        indexes = [i for m in answer.messages[answer.sent :] for i in m.replies if i < len(replies)]
        if not indexes:
            return False
        with self.hirebot.uow() as uow:
            if answer.handed:
                ids = [answer.handed[i] for i in indexes if i in answer.handed]
                outbox.due_now(uow, ids, due)
            else:
                ids = outbox.hand_over(
                    uow,
                    [replies[i] for i in indexes],
                    outbox.Destination(CHANNEL, answer.user, shared=False),
                    now=self.hirebot.clock.now(),
                    due=due,
                    correlation_id=answer.outcome.correlation_id,
                    applicant_id=answer.outcome.applicant_id,
                )
                answer.handed = dict(zip(indexes, ids, strict=True))
            uow.commit()
        return bool(ids)

    def _take_back(self, answer: Answer, indexes: Sequence[int]) -> None:
        """A parked reply was posted after all: its row for the DM is withdrawn."""
        ids = [answer.handed.pop(i) for i in indexes if i in answer.handed]
        if not ids:
            return
        try:
            with self.hirebot.uow() as uow:
                outbox.withdraw(uow, ids)
                uow.commit()
        except Exception:  # the DM then brings it a second time: at least once, never lost
            log.exception("a posted answer's fallback rows could not be withdrawn")

    def _finish(self, answer: Answer) -> None:
        with self._lock:
            self._open.discard(id(answer))
            self._lock.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until every answer is posted or handed over (retries included); True if so."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._open, timeout)

    def close(self, timeout: float) -> None:
        """Stop retrying: answers waiting for a retry go to their DMs now; wait for the rest."""
        with self._lock:
            self._closing = True
            waiting, self._waiting = list(self._waiting.values()), {}
        for answer in waiting:
            if answer.retry is not None:
                answer.retry.cancel()
            self._give_up(answer, "hirebot is stopping")
        self.drain(timeout)
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._http.close()

"""The processes a throughput benchmark runs besides `hirebot serve`: the fake Slack and
Telegram APIs (in their own process, so answering the bot's outgoing calls costs the server
nothing a real deployment would not pay) and the bare baselines on the same server stack
(Starlette under uvicorn, one process, as `hirebot serve` runs).

    python -m bench.servers fake-slack|fake-telegram      prints "READY <url> <control url>"
    python -m bench.servers fake-all                      prints "READY {json of urls}"
    python -m bench.servers bare-slack --variant inline|threadpool|async|answer --port P --api URL
    python -m bench.servers bare-telegram --variant await|queue|answer --port P --api URL
    python -m bench.servers bare-all --port P --slack-api URL --api URL

The bare apps do nothing but what a correct app must: verify the request (Slack signature and
timestamp; Telegram's secret header), parse it, route it to a listener that only acks.
Variants are the ways the frameworks document to serve them; the benchmark compares hirebot
with the fastest. The `answer` variants also answer, as the frameworks document it, so the
time until an answer arrives has a baseline: Bolt acks and a lazy listener posts to the
response_url (`respond`); python-telegram-bot queues the update and its handler calls
`sendMessage`. `bare-all` serves both platforms' routes in one app, for start-up time.
Every bare app answers `GET /healthz`, as `hirebot serve` does, so start-up is timed alike.

The fake APIs stamp the answers they receive (bench/capture.py) and tell the load generator
when each arrived through their control URL; `fake-all` also starts the WhatsApp and SMTP
fakes, so `hirebot serve` can start with every channel configured.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import re
import signal
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench import capture
from bench.payloads import SLACK_PATH, SLACK_SECRET, TELEGRAM_PATH, TELEGRAM_SECRET
from bench.payloads import TELEGRAM_SECRET_HEADER as SECRET_HEADER

TOKEN = "xoxb-test-token"  # what FakeSlackAPI accepts by default
TELEGRAM_TOKEN = "123456:TEST-TOKEN"  # FakeTelegramAPI's default


def serve(app: Starlette, port: int) -> None:
    """As `hirebot serve` does: uvicorn.run with its defaults and warnings only."""
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


ANSWER = "done"  # what the bare `answer` listeners reply


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


HEALTH = Route("/healthz", healthz, methods=["GET"])


def bare_slack(variant: str, api: str) -> Starlette:
    from slack_sdk import WebClient

    if variant == "async":
        from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
        from slack_bolt.async_app import AsyncAck, AsyncApp
        from slack_sdk.web.async_client import AsyncWebClient

        async_app = AsyncApp(
            client=AsyncWebClient(token=TOKEN, base_url=api),
            signing_secret=SLACK_SECRET,
            process_before_response=True,
        )

        @async_app.command("/hire")
        async def hire_async(ack: AsyncAck) -> None:
            await ack()

        @async_app.block_action(re.compile(".+"))
        async def click_async(ack: AsyncAck) -> None:
            await ack()

        async_handler = AsyncSlackRequestHandler(async_app)

        async def endpoint_async(request: Request) -> Response:
            return await async_handler.handle(request)

        return Starlette(routes=[Route(SLACK_PATH, endpoint_async, methods=["POST"]), HEALTH])

    from slack_bolt import Ack, App, Respond
    from slack_bolt.adapter.starlette.handler import (
        SlackRequestHandler,
        to_bolt_request,
        to_starlette_response,
    )

    app = App(
        client=WebClient(token=TOKEN, base_url=api),
        signing_secret=SLACK_SECRET,
        process_before_response=True,
        token_verification_enabled=False,
    )

    def just_ack(ack: Ack) -> None:
        ack()

    def answer(respond: Respond) -> None:
        respond(text=ANSWER)

    if variant == "answer":
        # Bolt's way to answer after the ack with process_before_response: a lazy listener,
        # run on its own thread once the ack is out.
        app.command("/hire")(ack=just_ack, lazy=[answer])
        app.block_action(re.compile(".+"))(ack=just_ack, lazy=[answer])
    else:
        app.command("/hire")(just_ack)
        app.block_action(re.compile(".+"))(just_ack)

    if variant in {"inline", "answer"}:
        handler = SlackRequestHandler(app)

        async def endpoint(request: Request) -> Response:
            return await handler.handle(request)
    elif variant == "threadpool":

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            response = await run_in_threadpool(app.dispatch, to_bolt_request(request, body))
            return to_starlette_response(response)
    else:
        raise SystemExit(f"unknown bare-slack variant {variant!r}")
    return Starlette(routes=[Route(SLACK_PATH, endpoint, methods=["POST"]), HEALTH])


def bare_telegram(variant: str, api: str) -> Starlette:
    from telegram import Update
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes, MessageHandler
    from telegram.ext import filters as tg_filters

    application = (
        ApplicationBuilder()
        .token(TELEGRAM_TOKEN)
        .base_url(api)
        .base_file_url(api.replace("/bot", "/file/bot"))
        .updater(None)
        .build()
    )

    async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, ANSWER)

    handle = reply if variant == "answer" else noop
    application.add_handler(MessageHandler(tg_filters.ALL, handle))
    application.add_handler(CallbackQueryHandler(handle))
    queued = variant in {"queue", "answer"}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await application.initialize()
        if queued:
            await application.start()
        yield
        if queued:
            await application.stop()
        await application.shutdown()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode(), TELEGRAM_SECRET.encode()):
            return JSONResponse({"ok": False}, status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        if queued:
            await application.update_queue.put(update)
        else:
            await application.process_update(update)
        return JSONResponse({"ok": True})

    if variant not in {"await", "queue", "answer"}:
        raise SystemExit(f"unknown bare-telegram variant {variant!r}")
    return Starlette(
        routes=[Route(TELEGRAM_PATH, endpoint, methods=["POST"]), HEALTH], lifespan=lifespan
    )


def bare_all(slack_api: str, telegram_api: str) -> Starlette:
    """Both bare apps' routes (Slack inline, Telegram queue) in one app, for start-up time."""
    slack_app = bare_slack("inline", slack_api)
    telegram_app = bare_telegram("queue", telegram_api)
    return Starlette(
        routes=[*slack_app.routes[:1], *telegram_app.routes[:1], HEALTH],
        lifespan=telegram_app.router.lifespan_context,
    )


def _adopt_unknown_messages(fake: Any) -> None:
    """Cards in a seeded database were "posted" before this fake started: let updates and
    thread replies to them find a message, as they would in the real workspace."""
    from tests.fakes.slack_api import SlackError

    find = fake._find_message

    def find_or_adopt(channel: str, ts: Any) -> dict[str, Any]:
        try:
            found: dict[str, Any] = find(channel, ts)
            return found
        except SlackError:
            message = {"type": "message", "ts": str(ts), "text": "", "channel": channel}
            fake.messages.setdefault(channel, []).append(message)
            return message

    fake._find_message = find_or_adopt


def _control_url(arrivals: capture.Arrivals) -> str:
    host, port = capture.control_server(arrivals).server_address[:2]
    return f"http://{host!s}:{port}"


def run_fake(kind: str) -> None:
    """Serve a fake API until SIGTERM; announce its URL and its control URL on stdout."""
    from tests.fakes.slack_api import FakeSlackAPI
    from tests.fakes.telegram_api import FakeTelegramAPI

    fake: Any = FakeSlackAPI() if kind == "slack" else FakeTelegramAPI()
    if kind == "slack":
        _adopt_unknown_messages(fake)
    arrivals = capture.stamp(fake, capture.slack_key if kind == "slack" else capture.telegram_key)
    fake.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"READY {fake.base_url} {_control_url(arrivals)}", flush=True)
    stop.wait()
    fake.stop()


def run_fake_all() -> None:
    """Every channel's fake (Slack, Telegram, WhatsApp, SMTP) in one process, until SIGTERM;
    announces their URLs and credentials as one JSON line."""
    from tests.fakes.slack_api import FakeSlackAPI
    from tests.fakes.smtp_server import SmtpServer
    from tests.fakes.telegram_api import FakeTelegramAPI
    from tests.fakes.whatsapp_api import FakeWhatsAppAPI

    slack_fake = FakeSlackAPI().start()
    telegram_fake = FakeTelegramAPI().start()
    smtp = SmtpServer().start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeWhatsAppAPI() as whatsapp:
        urls = {
            "slack": slack_fake.base_url,
            "telegram": telegram_fake.base_url,
            "whatsapp": whatsapp.base_url,
            "whatsapp_token": whatsapp.token,
            "whatsapp_number": whatsapp.phone_number_id,
            "whatsapp_secret": whatsapp.app_secret,
            "smtp": smtp.url,
        }
        print(f"READY {json.dumps(urls)}", flush=True)
        stop.wait()
    smtp.stop()
    telegram_fake.stop()
    slack_fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument(
        "what",
        choices=[
            "fake-slack",
            "fake-telegram",
            "fake-all",
            "bare-slack",
            "bare-telegram",
            "bare-all",
        ],
    )
    parser.add_argument("--variant", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api", default="")
    parser.add_argument("--slack-api", default="")
    args = parser.parse_args(argv)
    if args.what == "fake-all":
        run_fake_all()
    elif args.what.startswith("fake-"):
        run_fake(args.what.removeprefix("fake-"))
    elif args.what == "bare-all":
        serve(bare_all(args.slack_api, args.api), args.port)
    elif args.what == "bare-slack":
        serve(bare_slack(args.variant or "inline", args.api), args.port)
    else:
        serve(bare_telegram(args.variant or "await", args.api), args.port)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(main())

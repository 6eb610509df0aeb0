"""The processes a throughput benchmark runs besides `hirebot serve`: the fake Slack and
Telegram APIs (in their own process, so answering the bot's outgoing calls costs the server
nothing a real deployment would not pay) and the bare baselines on the same server stack
(Starlette under uvicorn, one process, as `hirebot serve` runs).

    python -m bench.servers fake-slack|fake-telegram          prints "READY <url>"
    python -m bench.servers bare-slack --variant inline|threadpool|async --port P --api URL
    python -m bench.servers bare-telegram --variant await|queue --port P --api URL

The bare apps do nothing but what a correct app must: verify the request (Slack signature and
timestamp; Telegram's secret header), parse it, route it to a listener that only acks.
Variants are the ways the frameworks document to serve them; the benchmark compares hirebot
with the fastest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
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

from bench.payloads import SLACK_PATH, SLACK_SECRET, TELEGRAM_PATH, TELEGRAM_SECRET
from bench.payloads import TELEGRAM_SECRET_HEADER as SECRET_HEADER

TOKEN = "xoxb-test-token"  # what FakeSlackAPI accepts by default
TELEGRAM_TOKEN = "123456:TEST-TOKEN"  # FakeTelegramAPI's default


def serve(app: Starlette, port: int) -> None:
    """As `hirebot serve` does: uvicorn.run with its defaults and warnings only."""
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


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

        return Starlette(routes=[Route(SLACK_PATH, endpoint_async, methods=["POST"])])

    from slack_bolt import Ack, App
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

    @app.command("/hire")
    def hire(ack: Ack) -> None:
        ack()

    @app.block_action(re.compile(".+"))
    def click(ack: Ack) -> None:
        ack()

    if variant == "inline":
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
    return Starlette(routes=[Route(SLACK_PATH, endpoint, methods=["POST"])])


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

    application.add_handler(MessageHandler(tg_filters.ALL, noop))
    application.add_handler(CallbackQueryHandler(noop))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await application.initialize()
        if variant == "queue":
            await application.start()
        yield
        if variant == "queue":
            await application.stop()
        await application.shutdown()

    async def endpoint(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode(), TELEGRAM_SECRET.encode()):
            return JSONResponse({"ok": False}, status_code=403)
        update = Update.de_json(await request.json(), application.bot)
        if variant == "queue":
            await application.update_queue.put(update)
        else:
            await application.process_update(update)
        return JSONResponse({"ok": True})

    if variant not in {"await", "queue"}:
        raise SystemExit(f"unknown bare-telegram variant {variant!r}")
    return Starlette(routes=[Route(TELEGRAM_PATH, endpoint, methods=["POST"])], lifespan=lifespan)


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


def run_fake(kind: str) -> None:
    """Serve a fake API until stdin closes or SIGTERM; announce its URL on stdout."""
    from tests.fakes.slack_api import FakeSlackAPI
    from tests.fakes.telegram_api import FakeTelegramAPI

    fake: Any = FakeSlackAPI() if kind == "slack" else FakeTelegramAPI()
    if kind == "slack":
        _adopt_unknown_messages(fake)
    fake.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    url = fake.base_url
    print(f"READY {url}", flush=True)
    stop.wait()
    fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers")
    parser.add_argument(
        "what", choices=["fake-slack", "fake-telegram", "bare-slack", "bare-telegram"]
    )
    parser.add_argument("--variant", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api", default="")
    args = parser.parse_args(argv)
    if args.what.startswith("fake-"):
        run_fake(args.what.removeprefix("fake-"))
    elif args.what == "bare-slack":
        serve(bare_slack(args.variant or "inline", args.api), args.port)
    else:
        serve(bare_telegram(args.variant or "await", args.api), args.port)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        sys.exit(main())

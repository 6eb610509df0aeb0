"""/healthz asks the database through the unit of work (`uow.ping()`): the sessions every
request uses, so a database that the server's sessions cannot reach shows as unhealthy."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import create_engine
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from bot.runtime.server import build_server
from storage.db import create_session_factory

# Nothing listens on port 1: connecting is refused at once.
UNREACHABLE = "postgresql+psycopg://hirebot@127.0.0.1:1/hirebot?connect_timeout=5"


def _health(app: Hirebot) -> tuple[int, dict[str, object]]:
    server = build_server(app, runtimes=[], scheduler=False)
    response = TestClient(server.asgi()).get("/healthz")
    body: dict[str, object] = response.json()
    return response.status_code, body


def test_healthz_reports_the_database_it_reaches(app: Hirebot) -> None:
    status, body = _health(app)
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "delivery": "ok", "channels": {}}


def test_healthz_is_unhealthy_when_the_sessions_cannot_reach_the_database(app: Hirebot) -> None:
    away = create_engine(UNREACHABLE)
    try:
        status, body = _health(replace(app, session_factory=create_session_factory(away)))
    finally:
        away.dispose()
    assert status == 503, body
    assert body["status"] == "unhealthy"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["database"] == "error: OperationalError"

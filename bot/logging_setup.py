"""Logging with a correlation id on every line that concerns an event."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator

_correlation: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")


@contextlib.contextmanager
def correlation(cid: str) -> Iterator[None]:
    token = _correlation.set(cid)
    try:
        yield
    finally:
        _correlation.reset(token)


def current_correlation() -> str | None:
    """The correlation id bound here, if any: an event's handling reuses the id its door
    minted (the inbox binds it around each event) rather than minting another."""
    cid = _correlation.get()
    return None if cid == "-" else cid


class CorrelationFilter(logging.Filter):
    """Puts the bound correlation id on each record (`correlation_id`), for the formatters."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _correlation.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "-"),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data)


def configure(level: str = "WARNING", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(CorrelationFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

"""A schemathesis pass over the published OpenAPI schema: generated requests, valid and not,
must never get a 5xx, and every response must match what the schema promises.

Bounded to stay fast and repeatable: a few dozen examples per mode, derandomised, no example
database. Runs on both databases (PostgreSQL refuses things SQLite accepts, such as NUL bytes).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bot.runtime.server import Server
from tests.api.conftest import AUTH

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_errors_and_responses_conform(server: Server, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", server.asgi())
    seen: set[int] = set()

    @given(case=schema.as_strategy(mode))
    @settings(
        max_examples=60,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case[Any]) -> None:
        response = case.call_and_validate(headers=AUTH, checks=CHECKS)
        seen.add(response.status_code)

    fuzz()
    expected = {200, 201} if mode is GenerationMode.POSITIVE else {422}
    assert seen & expected, seen  # the pass did reach the API, not just its doorstep

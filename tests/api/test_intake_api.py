"""The intake API end to end over HTTP, on the server's real ASGI app, on both databases."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from bot.bootstrap import Hirebot
from bot.logging_setup import CorrelationFilter, JsonFormatter
from bot.services.outbox import reply_of
from storage.models import Applicant, AuditEvent, OutboxMessage
from tests.api.conftest import AUTH, TOKEN

AYESHA: dict[str, Any] = {
    "role": "senior-backend",
    "name": "Ayesha <!channel> *Khan*",
    "email": "Ayesha@Example.com",
    "phone": "0300 1234567",
    "source": "careers page",
    "skills": ["Python", "postgres"],
    "resume": "https://example.com/ayesha.pdf",
    "note": "referred by Omar",
}


def _applicants(app: Hirebot) -> list[Applicant]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(Applicant).order_by(Applicant.id)))


def _outbox(app: Hirebot) -> list[OutboxMessage]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _api_audit(app: Hirebot) -> list[AuditEvent]:
    with app.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent).where(AuditEvent.channel == "api").order_by(AuditEvent.id)
            )
        )


def test_create_posts_a_card_without_personal_data(client: TestClient, api_hirebot: Hirebot):
    response = client.post("/api/applicants", json=AYESHA, headers=AUTH)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Ayesha <!channel> *Khan*"
    assert body["email"] == "ayesha@example.com"
    assert body["phone"] == "+923001234567"
    assert body["skills"] == ["python", "postgres"]
    assert body["links"] == {"resume": "https://example.com/ayesha.pdf"}
    assert (body["stage"], body["stage_label"]) == ("applied", "Applied")
    cid = response.headers["X-Correlation-Id"]
    assert cid

    cards = [m for m in _outbox(api_hirebot) if m.kind == "card"]
    assert [(c.channel, c.destination, c.card_key) for c in cards] == [
        ("console", "#hiring-senior-backend", f"applicant:{body['id']}")
    ]
    card = json.dumps(cards[0].payload)
    assert "ayesha@example.com" not in card.lower()
    assert "1234567" not in card
    assert reply_of(cards[0]).title.startswith(f"#{body['id']} Ayesha <!channel> *Khan*")

    inbound = [e for e in _api_audit(api_hirebot) if e.direction == "in"]
    assert len(inbound) == 1
    assert inbound[0].correlation_id == cid
    assert inbound[0].applicant_id == body["id"]
    assert "ayesha@example.com" not in inbound[0].summary.lower()


def test_every_bad_field_gets_its_own_message(client: TestClient, api_hirebot: Hirebot):
    response = client.post(
        "/api/applicants",
        json={
            "role": "senior-backnd",
            "name": "  ",
            "email": "bob@",
            "phone": "12",
            "portfolio": "javascript:alert(1)",
        },
        headers=AUTH,
    )
    assert response.status_code == 422
    fields = response.json()["fields"]
    assert set(fields) == {"role", "name", "email", "phone", "portfolio"}
    assert "did you mean 'senior-backend'" in fields["role"]
    assert fields["name"] == "name cannot be empty"
    assert "not a valid email" in fields["email"]
    assert _applicants(api_hirebot) == []
    assert _outbox(api_hirebot) == []
    refused = _api_audit(api_hirebot)
    assert len(refused) == 1
    assert refused[0].summary.endswith("-> 422 [refused]")
    assert refused[0].correlation_id == response.headers["X-Correlation-Id"]


def test_shape_errors_are_422_per_field_too(client: TestClient):
    response = client.post(
        "/api/applicants",
        json={"role": "senior-backend", "skills": "python", "nickname": "x", "note": 5},
        headers=AUTH,
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"name", "skills", "nickname", "note"}
    broken = client.post(
        "/api/applicants",
        content=b'{"role": ',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert set(broken.json()["fields"]) == {"body"}
    not_utf8 = client.post(
        "/api/applicants",
        content=b'{"role": "\xff\xfe"}',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert not_utf8.status_code == 422
    assert set(not_utf8.json()["fields"]) == {"body"}


def test_oversized_bodies_are_refused_before_parsing(client: TestClient, api_hirebot: Hirebot):
    huge = {**AYESHA, "note": "x" * (70 * 1024)}
    response = client.post("/api/applicants", json=huge, headers=AUTH)
    assert response.status_code == 413
    assert "64 KiB" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
        for _ in range(80):
            yield b"x" * 1024

    streamed = client.post(
        "/api/applicants",
        content=chunks(),
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert _applicants(api_hirebot) == []


def test_no_token_or_a_wrong_one_is_401(client: TestClient, api_hirebot: Hirebot):
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ):
        for method, url in (("GET", "/api/roles"), ("POST", "/api/applicants")):
            response = client.request(method, url, json=AYESHA, headers=headers)
            assert response.status_code == 401, (headers, url)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert "error" in response.json()
    # an unauthenticated body is not even parsed: garbage still gets 401, not 422
    garbage = client.post("/api/applicants", content=b"{", headers={"Content-Type": "x"})
    assert garbage.status_code == 401
    assert _applicants(api_hirebot) == []


def test_idempotency_key_replays_the_first_result(client: TestClient, api_hirebot: Hirebot):
    headers = {**AUTH, "Idempotency-Key": "form-submission-7f3a"}
    no_email = {"role": "senior-backend", "name": "Bilal Ahmed", "source": "job board"}
    first = client.post("/api/applicants", json=no_email, headers=headers)
    retry = client.post("/api/applicants", json=no_email, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(_applicants(api_hirebot)) == 1
    assert len([m for m in _outbox(api_hirebot) if m.kind == "card"]) == 1

    changed = client.post("/api/applicants", json={**no_email, "name": "B. A."}, headers=headers)
    assert changed.status_code == 422
    assert "different request body" in changed.json()["error"]

    other_key = client.post(
        "/api/applicants", json=no_email, headers={**AUTH, "Idempotency-Key": "another"}
    )
    assert other_key.status_code == 201  # no email, a new key: a new applicant, as asked
    assert len(_applicants(api_hirebot)) == 2


def test_same_role_and_email_returns_the_existing_applicant(
    client: TestClient, api_hirebot: Hirebot
):
    first = client.post("/api/applicants", json=AYESHA, headers=AUTH)
    again = client.post(
        "/api/applicants",
        json={"role": "senior-backend", "name": "Ayesha K.", "email": "ayesha@example.COM"},
        headers=AUTH,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == AYESHA["name"]
    other_role = client.post(
        "/api/applicants", json={**AYESHA, "role": "backend-contract"}, headers=AUTH
    )
    assert other_role.status_code == 201
    assert len(_applicants(api_hirebot)) == 2
    assert len([m for m in _outbox(api_hirebot) if m.kind == "card"]) == 2


def test_list_filters_and_pages_with_a_total(client: TestClient):
    for n in range(7):
        role = "senior-backend" if n % 2 == 0 else "backend-contract"
        created = client.post(
            "/api/applicants", json={"role": role, "name": f"Person {n}"}, headers=AUTH
        )
        assert created.status_code == 201
    everyone = client.get("/api/applicants", headers=AUTH).json()
    assert everyone["total"] == 7
    assert [a["name"] for a in everyone["items"]][:2] == ["Person 6", "Person 5"]

    page = client.get(
        "/api/applicants", params={"role": "senior-backend", "per_page": 3, "page": 2}, headers=AUTH
    ).json()
    assert (page["total"], page["page"], page["pages"]) == (4, 2, 2)
    assert [a["name"] for a in page["items"]] == ["Person 0"]

    assert (
        client.get("/api/applicants", params={"stage": "applied"}, headers=AUTH).json()["total"]
        == 7
    )
    assert (
        client.get("/api/applicants", params={"stage": "closed"}, headers=AUTH).json()["total"] == 0
    )
    bad = client.get(
        "/api/applicants", params={"role": "nope", "stage": "intervew", "page": 0}, headers=AUTH
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"page"}
    bad = client.get("/api/applicants", params={"role": "nope", "stage": "intervew"}, headers=AUTH)
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"role", "stage"}
    assert "did you mean 'interview'" in bad.json()["fields"]["stage"]


def test_get_one_and_roles(client: TestClient):
    created = client.post("/api/applicants", json=AYESHA, headers=AUTH).json()
    one = client.get(f"/api/applicants/{created['id']}", headers=AUTH)
    assert one.status_code == 200
    assert one.json() == created
    missing = client.get("/api/applicants/999999", headers=AUTH)
    assert (missing.status_code, missing.json()) == (404, {"error": "no applicant #999999"})
    assert client.get("/api/applicants/abc", headers=AUTH).status_code == 422

    roles = client.get("/api/roles", headers=AUTH).json()
    by_key = {r["key"]: r for r in roles}
    assert by_key["senior-backend"]["open_applicants"] == 1
    stages = {s["key"]: s["applicants"] for s in by_key["senior-backend"]["stages"]}
    assert stages["applied"] == 1
    assert by_key["backend-contract"]["open_applicants"] == 0


def test_openapi_schema_is_served(client: TestClient):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/applicants",
        "/api/applicants/{applicant_id}",
        "/api/roles",
    }
    post = schema["paths"]["/api/applicants"]["post"]
    assert {"200", "201", "401", "413", "422"} <= set(post["responses"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]


def test_correlation_id_is_returned_and_can_be_supplied(client: TestClient, api_hirebot: Hirebot):
    response = client.get("/api/roles", headers={**AUTH, "X-Correlation-Id": "edge-4f2a9c"})
    assert response.headers["X-Correlation-Id"] == "edge-4f2a9c"
    assert _api_audit(api_hirebot)[-1].correlation_id == "edge-4f2a9c"
    odd = client.get("/api/roles", headers={**AUTH, "X-Correlation-Id": "not ok!" * 10})
    assert odd.headers["X-Correlation-Id"] != "not ok!" * 10


def test_without_a_token_setting_the_api_says_it_is_off(
    database_url: str, shipped_config, clock
) -> None:
    from bot.bootstrap import bootstrap
    from bot.environment import Environment
    from bot.runtime.server import build_server

    hirebot = bootstrap(
        config=shipped_config,
        database_url=database_url,
        clock=clock,
        env=Environment.model_validate({}),
    )
    try:
        client = TestClient(build_server(hirebot, runtimes=[]).asgi())
        response = client.get("/api/roles", headers={"Authorization": "Bearer anything"})
        assert response.status_code == 503
        assert "HIREBOT_API_TOKEN" in response.json()["error"]
        assert client.get("/openapi.json").status_code == 200
    finally:
        hirebot.close()


def test_json_log_lines_carry_the_request_correlation_id(client: TestClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bot.api")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        response = client.post("/api/applicants", json=AYESHA, headers=AUTH)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    created = [line for line in lines if "created" in line["message"]]
    assert created
    assert created[0]["correlation_id"] == response.headers["X-Correlation-Id"]
    assert "ayesha" not in stream.getvalue().lower()

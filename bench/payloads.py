"""Requests as Slack and Telegram send them: signed `/hire` commands, button clicks, and
Telegram updates. Built before a run (signing is part of the request, not of the timing) and
handed to the load generator as raw HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SLACK_SECRET = "bench-signing-secret"
SLACK_PATH = "/slack/events"
TELEGRAM_PATH = "/telegram/webhook"
TELEGRAM_SECRET = "bench_webhook-secret"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SANA = "U0SANAMRZ"
HIRING = "C0HIRESBE"
TEAM = "T0001"
APP_ID = "A0001"
SANA_TELEGRAM = 1001  # bench_config gives the shipped people telegram ids from 1001
GROUP = -1001000000001
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Request:
    path: str
    content_type: str
    body: str
    headers: tuple[tuple[str, str], ...]

    def raw(self, port: int) -> bytes:
        body = self.body.encode()
        lines = [
            f"POST {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in self.headers),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _signed(body: str, content_type: str) -> Request:
    ts = str(int(time.time()))
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=ts, body=body)
    headers = (("X-Slack-Request-Timestamp", ts), ("X-Slack-Signature", str(signature)))
    return Request(SLACK_PATH, content_type, body, headers)


def slack_command(text: str, n: int, *, response_base: str) -> Request:
    trigger = f"{int(time.time())}.bench{n:08d}"
    body = urlencode(
        {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "hirebot-bench",
            "channel_id": HIRING,
            "channel_name": "hiring",
            "user_id": SANA,
            "user_name": "sana",
            "command": "/hire",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": f"{response_base}response_url/cmd-{n}",
            "trigger_id": trigger,
        }
    )
    return _signed(body, FORM)


def _card_message(applicant_id: int, stage: str) -> dict[str, object]:
    """The applicant card as Slack echoes it back in a click (its size matters for parsing)."""
    prompts = json.dumps({"i": "b3.9f2c1a", "p": {"reject": "Reason for rejecting"}})
    return {
        "type": "message",
        "ts": "1700000000.000100",
        "bot_id": "B0001",
        "text": f"#{applicant_id} Applicant",
        "blocks": [
            {
                "type": "header",
                "block_id": "b0.11aa",
                "text": {"type": "plain_text", "text": f"#{applicant_id} Ayesha Khan"},
            },
            {
                "type": "section",
                "block_id": "b1.22bb",
                "fields": [
                    {"type": "mrkdwn", "text": "*Role*\nSenior Backend Engineer"},
                    {"type": "mrkdwn", "text": f"*Stage*\n{stage}"},
                    {"type": "mrkdwn", "text": "*Source*\nreferral"},
                    {"type": "mrkdwn", "text": "*Location*\nKarachi"},
                    {"type": "mrkdwn", "text": "*Skills*\npython, postgres, kafka"},
                ],
            },
            {
                "type": "actions",
                "block_id": prompts,
                "elements": [
                    {
                        "type": "button",
                        "action_id": "advance",
                        "text": {"type": "plain_text", "text": "Advance to Screening"},
                        "value": f"{applicant_id}:{stage}",
                        "style": "primary",
                    },
                    {
                        "type": "button",
                        "action_id": "reject",
                        "text": {"type": "plain_text", "text": "Reject"},
                        "value": f"{applicant_id}:{stage}",
                        "style": "danger",
                    },
                    {
                        "type": "button",
                        "action_id": "details",
                        "text": {"type": "plain_text", "text": "Details"},
                        "value": str(applicant_id),
                    },
                ],
            },
        ],
    }


def slack_click(applicant_id: int, stage: str, n: int, *, response_base: str) -> Request:
    """A click on a card's Advance button (block_actions)."""
    trigger = f"{int(time.time())}.benchclick{n:08d}"
    message = _card_message(applicant_id, stage)
    payload = {
        "type": "block_actions",
        "user": {"id": SANA, "username": "sana", "team_id": TEAM},
        "api_app_id": APP_ID,
        "token": "legacy",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": HIRING,
            "is_ephemeral": False,
        },
        "trigger_id": trigger,
        "team": {"id": TEAM, "domain": "hirebot-bench"},
        "channel": {"id": HIRING, "name": "hiring"},
        "message": message,
        "response_url": f"{response_base}response_url/act-{n}",
        "actions": [
            {
                "type": "button",
                "action_id": "advance",
                "block_id": message["blocks"][2]["block_id"],  # type: ignore[index]
                "text": {"type": "plain_text", "text": "Advance to Screening"},
                "value": f"{applicant_id}:{stage}",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return _signed(urlencode({"payload": json.dumps(payload)}), FORM)


def telegram_update(update: dict[str, object]) -> Request:
    return Request(
        TELEGRAM_PATH,
        "application/json",
        json.dumps(update),
        ((TELEGRAM_SECRET_HEADER, TELEGRAM_SECRET),),
    )


def telegram_command(text: str, update_id: int) -> Request:
    """A private-chat command from Sana, as Telegram posts it to the webhook."""
    command = text.split()[0]
    return telegram_update(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "from": {"id": SANA_TELEGRAM, "is_bot": False, "first_name": "Sana"},
                "chat": {"id": SANA_TELEGRAM, "type": "private", "first_name": "Sana"},
                "date": int(time.time()),
                "text": text,
                "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
            },
        }
    )


def telegram_tap(applicant_id: int, stage: str, update_id: int) -> Request:
    """A tap on a card's Advance button in the role's group."""
    return telegram_update(
        {
            "update_id": update_id,
            "callback_query": {
                "id": str(4_000_000_000_000_000 + update_id),
                "from": {"id": SANA_TELEGRAM, "is_bot": False, "first_name": "Sana"},
                "message": {
                    "message_id": 77,
                    "from": {
                        "id": 123456,
                        "is_bot": True,
                        "first_name": "Hirebot",
                        "username": "hirebot_test_bot",
                    },
                    "chat": {"id": GROUP, "type": "supergroup", "title": "Hiring"},
                    "date": int(time.time()),
                    "text": f"#{applicant_id} Ayesha Khan",
                },
                "chat_instance": "-7000000000007",
                "data": f"a:advance:{applicant_id}:{stage}",
            },
        }
    )


def command_mix(open_ids: Sequence[int], count: int) -> list[str]:
    """What a team types most: show, list (filtered), history, and a note (a write)."""
    texts = []
    for n in range(count):
        applicant = open_ids[(n * 7919) % len(open_ids)]
        texts.append(
            (
                f"show {applicant}",
                "list senior-backend screening",
                f"history {applicant}",
                f"note {applicant} called back, keen on the role",
            )[n % 4]
        )
    return texts

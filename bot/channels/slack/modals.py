"""The modals hirebot opens, and reading their submissions back into plain field values.

Input block_ids are the core's field names, so the core's `FieldErrors` map one to one onto
Slack's `response_action: errors`. Modal limits: title, submit and close 24 characters,
private_metadata 3,000, callback_id 255, 100 blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.slack.render import MODAL_TITLE_MAX, Block, plain
from bot.domain.catalog import RoleSpec

ADD_APPLICANT = "hirebot.add_applicant"  # callback_id of the add-applicant modal
ACTION_INPUT = "hirebot.action_input"  # callback_id of "type a reason, then act" modals
ADD_SHORTCUT = "hirebot_add_applicant"  # callback_id of the global shortcut
ELEMENT = "value"  # action_id of every input element
PROMPT_BLOCK = "input"
METADATA_MAX = 3000
OPTIONS_MAX = 100


@dataclass(frozen=True)
class InputSpec:
    block_id: str
    label: str
    kind: str = "plain_text_input"
    optional: bool = True
    hint: str = ""
    max_length: int | None = 200
    multiline: bool = False


ADD_INPUTS = (
    InputSpec("name", "Name", optional=False),
    InputSpec("email", "Email", "email_text_input", max_length=None),
    InputSpec("phone", "Phone", hint="With the country code, e.g. +92 300 1234567", max_length=40),
    InputSpec("source", "Source", hint="Referral, LinkedIn, careers page…"),
    InputSpec("location", "Location"),
    InputSpec("skills", "Skills", hint="Comma-separated, e.g. python, postgres", max_length=2000),
    InputSpec("years", "Years of experience", hint="A whole number, e.g. 6", max_length=10),
    InputSpec("resume", "Resume link", "url_text_input", max_length=None),
    InputSpec("portfolio", "Portfolio link", "url_text_input", max_length=None),
    InputSpec("code", "Code link", "url_text_input", max_length=None),
    InputSpec("profile", "Profile link", "url_text_input", max_length=None),
    InputSpec("note", "Note", max_length=3000, multiline=True),
)


def _input(spec: InputSpec) -> Block:
    element: Block = {"type": spec.kind, "action_id": ELEMENT}
    if spec.max_length is not None:
        element["max_length"] = spec.max_length
    if spec.multiline:
        element["multiline"] = True
    block: Block = {
        "type": "input",
        "block_id": spec.block_id,
        "label": plain(spec.label, 2000),
        "element": element,
        "optional": spec.optional,
    }
    if spec.hint:
        block["hint"] = plain(spec.hint, 2000)
    return block


def _metadata(data: Mapping[str, str]) -> str:
    encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(encoded) > METADATA_MAX:
        raise ValueError("modal metadata is too long for Slack")
    return encoded


def metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def add_applicant(roles: Iterable[RoleSpec], *, channel: str = "") -> Block:
    """The add-applicant form; the role whose Slack channel it was opened in is preselected."""
    roles = list(roles)[:OPTIONS_MAX]
    options = [{"text": plain(r.title, 75), "value": r.key} for r in roles]
    select: Block = {
        "type": "static_select",
        "action_id": ELEMENT,
        "placeholder": plain("Choose a role", 150),
        "options": options,
    }
    here = [o for o, r in zip(options, roles, strict=True) if r.channels.get("slack") == channel]
    initial = here[0] if here else (options[0] if len(options) == 1 else None)
    if initial is not None:
        select["initial_option"] = initial
    role_block: Block = {
        "type": "input",
        "block_id": "role",
        "label": plain("Role", 2000),
        "element": select,
    }
    return {
        "type": "modal",
        "callback_id": ADD_APPLICANT,
        "title": plain("Add applicant", MODAL_TITLE_MAX),
        "submit": plain("Add", MODAL_TITLE_MAX),
        "close": plain("Cancel", MODAL_TITLE_MAX),
        "private_metadata": _metadata({"c": channel}),
        "blocks": [role_block, *[_input(spec) for spec in ADD_INPUTS]],
    }


def action_input(action_id: str, value: str, *, title: str, prompt: str, channel: str) -> Block:
    """Asks for the text an action needs (Reject: the reason), then dispatches the action."""
    return {
        "type": "modal",
        "callback_id": ACTION_INPUT,
        "title": plain(title, MODAL_TITLE_MAX),
        "submit": plain(title, MODAL_TITLE_MAX),
        "close": plain("Cancel", MODAL_TITLE_MAX),
        "private_metadata": _metadata({"a": action_id, "v": value, "c": channel}),
        "blocks": [
            _input(
                InputSpec(
                    PROMPT_BLOCK,
                    prompt,
                    optional=False,
                    max_length=2000,
                    multiline=True,
                )
            )
        ],
    }


def values(view: Mapping[str, Any]) -> dict[str, str]:
    """Submitted values by block_id; empty inputs are left out."""
    state = (view.get("state") or {}).get("values") or {}
    out: dict[str, str] = {}
    for block_id, elements in state.items():
        element = (elements or {}).get(ELEMENT) or {}
        value = element.get("value")
        if value is None and isinstance(element.get("selected_option"), dict):
            value = element["selected_option"].get("value")
        if isinstance(value, str) and value.strip():
            out[str(block_id)] = value
    return out

"""Messages to candidates rendered from their Jinja2 templates (a role's own, else the shipped
ones in domain/candidate_messages.py).

Templates come from config.yaml, so they run in Jinja2's sandbox (a template cannot reach
Python internals) with StrictUndefined (a template naming a value the message does not have,
an `interview` when none is scheduled, is refused with a clear error, never sent with a gap).
The values are plain data: what a candidate typed as their name is shown as typed. The HTML
part is the text, escaped, in paragraphs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from bot.domain.candidate_messages import MessageTemplate

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateProblem(ValueError):
    """A template that does not parse, or names a value this message does not have."""


def check_template(text: str) -> None:
    """Parse only (config.yaml is checked at load): a syntax error names its line."""
    try:
        _env.parse(text)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template line {exc.lineno}: {exc.message}") from None


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def html_of(text: str, footer: str = "") -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "\n".join(f"<p>{escape(p)}</p>".replace("\n", "<br>\n") for p in paragraphs)
    extra = f'\n<p style="color:#666;font-size:small">{escape(footer)}</p>' if footer else ""
    return (
        '<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.4">\n'
        f"{body}{extra}\n</body></html>\n"
    )


def render(template: MessageTemplate, values: dict[str, Any]) -> RenderedMail:
    try:
        subject = " ".join(_env.from_string(template.subject).render(values).split())
        text = _env.from_string(template.body).render(values).strip() + "\n"
    except UndefinedError as exc:
        raise TemplateProblem(str(exc)) from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template line {exc.lineno}: {exc.message}") from None
    return RenderedMail(subject=subject[:250], text=text, html=html_of(text))

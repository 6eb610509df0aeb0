"""The readable parts of an interview invitation (subject, text, HTML) for one recipient, from
Jinja2 templates: the time in the recipient's own timezone, the stage, the interviewers, the
location or meeting link, and for interviewers only what to prepare.

The HTML template is autoescaped, so a name like `<b>Ayesha</b>` shows as typed; the text
template is not (it is plain text). Undefined names fail loudly (StrictUndefined): a template
that names a missing value is a bug to see, never an empty line sent to a candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from jinja2 import Environment, StrictUndefined, Template

Change = Literal["scheduled", "rescheduled", "cancelled"]

_SUBJECTS = {
    ("scheduled", True): "Invitation: {what} with {applicant} ({role}), {when}",
    ("rescheduled", True): "Moved: {what} with {applicant} ({role}), now {when}",
    ("cancelled", True): "Cancelled: {what} with {applicant} ({role}), {when}",
    ("scheduled", False): "Your {what} for {role}: {when}",
    ("rescheduled", False): "New time for your {what} for {role}: {when}",
    ("cancelled", False): "Your {what} for {role} on {when} is cancelled",
}

TEXT = """\
Hello {{ recipient }},

{% if change == "cancelled" -%}
The {{ what }} {% if interviewer %}with {{ applicant }} {% endif %}for {{ role }} on {{ when }} \
is cancelled.{% if reason %} Reason: {{ reason }}{% endif %}
{%- elif change == "rescheduled" -%}
The {{ what }} {% if interviewer %}with {{ applicant }} {% endif %}for {{ role }} has moved \
to {{ when }} (it was {{ before }}).
{%- elif interviewer -%}
You are on the panel for the {{ what }} with {{ applicant }} for {{ role }}.
{%- else -%}
Thank you for your application for {{ role }}{% if team %} ({{ team }}){% endif %}. \
We would like to invite you to the {{ what }}.
{%- endif %}

When: {{ when }} ({{ minutes }} minutes)
Stage: {{ stage }}
Interviewers: {{ interviewers | join(", ") }}
{% if location %}Where: {{ location }}
{% endif %}
{%- if interviewer and prepare and change != "cancelled" %}
To prepare:
{% for item in prepare %}- {{ item }}
{% endfor %}
{%- endif %}
{% if change != "cancelled" %}The calendar invitation is attached; accept it to keep the time.
{% endif %}
{{ organizer }}
"""

HTML = """\
<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.4">
<p>Hello {{ recipient }},</p>
<p>
{%- if change == "cancelled" -%}
The {{ what }} {% if interviewer %}with {{ applicant }} {% endif %}for {{ role }} on
<strong>{{ when }}</strong> is cancelled.{% if reason %} Reason: {{ reason }}{% endif %}
{%- elif change == "rescheduled" -%}
The {{ what }} {% if interviewer %}with {{ applicant }} {% endif %}for {{ role }} has moved to
<strong>{{ when }}</strong> (it was {{ before }}).
{%- elif interviewer -%}
You are on the panel for the {{ what }} with {{ applicant }} for {{ role }}.
{%- else -%}
Thank you for your application for {{ role }}{% if team %} ({{ team }}){% endif %}.
We would like to invite you to the {{ what }}.
{%- endif -%}
</p>
<table>
<tr><th align="left">When</th><td>{{ when }} ({{ minutes }} minutes)</td></tr>
<tr><th align="left">Stage</th><td>{{ stage }}</td></tr>
<tr><th align="left">Interviewers</th><td>{{ interviewers | join(", ") }}</td></tr>
{% if location %}<tr><th align="left">Where</th><td>
{%- if link %}<a href="{{ location }}">{{ location }}</a>{% else %}{{ location }}{% endif -%}
</td></tr>{% endif %}
</table>
{% if interviewer and prepare and change != "cancelled" %}<p>To prepare:</p>
<ul>{% for item in prepare %}<li>{{ item }}</li>{% endfor %}</ul>
{% endif %}{% if change != "cancelled" %}
<p>The calendar invitation is attached; accept it to keep the time.</p>{% endif %}
<p>{{ organizer }}</p>
</body></html>
"""


@cache
def _templates() -> tuple[Template, Template]:
    """The text and HTML templates, compiled with the first invitation rendered, not at
    import: every server start imports this module, few processes send an invitation, and
    compiling the two took 15-20 ms of each start (docs/benchmarks.md, run 14)."""
    text = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    html = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    return text.from_string(TEXT), html.from_string(HTML)


@dataclass(frozen=True)
class InvitationView:
    """What one recipient reads about one interview; every time already in their zone."""

    change: Change
    interviewer: bool
    recipient: str
    applicant: str
    role: str
    team: str
    what: str  # "technical interview"
    stage: str
    when: str
    minutes: int
    interviewers: tuple[str, ...]
    organizer: str
    location: str = ""
    before: str = ""
    reason: str = ""
    prepare: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(view: InvitationView) -> Rendered:
    values = {
        "change": view.change,
        "interviewer": view.interviewer,
        "recipient": view.recipient,
        "applicant": view.applicant,
        "role": view.role,
        "team": view.team,
        "what": view.what,
        "stage": view.stage,
        "when": view.when,
        "minutes": view.minutes,
        "interviewers": list(view.interviewers),
        "organizer": view.organizer,
        "location": view.location,
        "link": view.location.startswith(("https://", "http://")),
        "before": view.before,
        "reason": view.reason,
        "prepare": list(view.prepare),
    }
    subject = _SUBJECTS[(view.change, view.interviewer)].format(
        what=view.what, applicant=view.applicant, role=view.role, when=view.when
    )
    text, html = _templates()
    return Rendered(
        subject=subject[:1].upper() + subject[1:],
        text=text.render(values),
        html=html.render(values),
    )

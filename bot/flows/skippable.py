"""A question answered in free text or skipped: a check-in answer, a feedback comment, strengths
and concerns. One prompt and one reading of the answer, so each is skipped and cut alike."""

from __future__ import annotations

from collections.abc import Collection

from bot.domain.applicants import clean_text
from bot.domain.interviews import COMMENT_MAX
from bot.flows.engine import Answer, Choice, Prompt


def skippable_prompt(question: str, skip_label: str, hint: str = "type it, or 'skip'") -> Prompt:
    """The question with one button that skips it (its value is 'skip', whatever it says)."""
    return Prompt(question, (Choice("skip", skip_label),), hint=hint, free_text=True)


def skippable_text(answer: Answer, skip: Collection[str], what: str) -> str:
    """The answer cleaned and held to a comment's length; '' when it is one of `skip`."""
    text = "" if answer.value.lower() in skip else answer.value
    return clean_text(text, what=what, limit=COMMENT_MAX)

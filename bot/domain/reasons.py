"""Why applicants are rejected: a short list each organisation configures, so reports can group
rejections by reason, with a free-text note beside the reason for the rest.

A reason has a key (`role-filled`, typed as `reason=role-filled` and carried in buttons) and the
label people read ("role filled"). A rejection whose words match no configured reason keeps its
words as the note and is grouped under `other`, so an old habit (`reject 12 no Go experience`)
still works and still says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.errors import InvalidInput
from bot.domain.suggest import did_you_mean

DEFAULT_REJECTION_REASONS = ("not enough experience", "role filled", "withdrew", "no response")
OTHER = "other"
LABEL_MAX = 60
_NOT_KEY = re.compile(r"[^a-z0-9]+")


def reason_key(label: str) -> str:
    """The key a label is typed as: lower case, words joined by hyphens."""
    return _NOT_KEY.sub("-", label.strip().lower()).strip("-")


@dataclass(frozen=True)
class RejectionReason:
    key: str
    label: str


@dataclass(frozen=True)
class ReasonChoice:
    """What a rejection records: the configured reason (or `other`) and the note typed with it."""

    reason: RejectionReason
    note: str = ""

    def text(self) -> str:
        """As a stage move's reason reads: 'role filled — we hired internally'."""
        if self.reason.key == OTHER:
            return self.note
        return f"{self.reason.label} — {self.note}" if self.note else self.reason.label


_OTHER = RejectionReason(OTHER, OTHER)


@dataclass(frozen=True)
class RejectionReasons:
    reasons: tuple[RejectionReason, ...]

    @classmethod
    def of(cls, labels: Iterable[str]) -> RejectionReasons:
        reasons = []
        seen: set[str] = set()
        for label in labels:
            label = " ".join(label.split())
            key = reason_key(label)
            if not key or len(label) > LABEL_MAX:
                raise ValueError(f"a rejection reason needs 1 to {LABEL_MAX} characters: {label!r}")
            if key in seen or key == OTHER:
                raise ValueError(f"rejection reason '{label}' appears twice (or is 'other')")
            seen.add(key)
            reasons.append(RejectionReason(key, label))
        return cls(tuple(reasons))

    @property
    def keys(self) -> list[str]:
        return [r.key for r in self.reasons]

    def find(self, words: str) -> RejectionReason | None:
        """The configured reason these words name (its key or its label), if any."""
        key = reason_key(words)
        return next((r for r in self.reasons if r.key == key), None)

    def parse(self, word: str) -> RejectionReason:
        """A `reason=` value: a configured reason, `other`, or a clear refusal listing them."""
        found = self.find(word)
        if found is not None:
            return found
        if reason_key(word) == OTHER:
            return _OTHER
        shown = word.strip()[:40]
        hint = did_you_mean(reason_key(word), self.keys)
        raise InvalidInput(
            f"'{shown}' is not one of the rejection reasons{hint} "
            f"(reasons: {', '.join(self.keys)}, or reason=other with a note)"
        )

    def choose(self, reason: str | None, note: str) -> ReasonChoice:
        """`reason=` and the words after it; without `reason=`, words naming a configured
        reason (or starting with one: "role filled, hired internally") are that reason and its
        note, any other words are the note of an `other` rejection."""
        note = note.strip()
        if reason is not None:
            chosen = self.parse(reason)
            if chosen.key == OTHER and not note:
                raise InvalidInput("reason=other needs a note saying why")
            return ReasonChoice(chosen, note)
        found = self.find(note) if note else None
        if found is not None:
            return ReasonChoice(found)
        for known in sorted(self.reasons, key=lambda r: -len(r.label)):
            head, rest = note[: len(known.label)], note[len(known.label) :]
            if head.lower() == known.label.lower() and rest[:1] in {" ", ",", ":", ";", "-"}:
                return ReasonChoice(known, rest.lstrip(" ,:;-").strip())
        return ReasonChoice(_OTHER, note)


DEFAULT_REASONS = RejectionReasons.of(DEFAULT_REJECTION_REASONS)

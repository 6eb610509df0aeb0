"""What identifies one candidate in free text, and how to find and blank it.

Erasure has to find a person where nothing links a row to them: a refused command that quoted
them, a digest, another candidate's note, a message body. Exact strings are not enough. A phone
number is typed in many forms (`+92 301 7654321`, `0301-7654321`, `(0301) 765 4321`), so any run
of digits that phonenumbers reads as the same number counts; emails match in any case; and the
free text people wrote about them (notes, reasons, feedback, check-in answers) is matched as
text, also where a message showed only its first characters ("strong infra backgr…").

Each trace gives both a Python matcher (what to replace, in a string or a JSON value) and an SQL
condition that finds candidate rows on SQLite and PostgreSQL alike; the condition may match
more than the matcher, never less.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, func, or_

ERASED = "[erased]"
# Free text shorter than this (or of fewer words) is too common to erase from other people's
# rows ("not a fit", "ok"); rows about the person lose it anyway.
FREE_TEXT_MIN_CHARS = 16
FREE_TEXT_MIN_WORDS = 3
ELLIPSIS = "…"
# Characters people put between the digits of a phone number.
_SEPARATORS = " -().\u00a0/"
_DIGIT_RUN = re.compile(r"\+?\(?\d[\d \-().\u00a0/]*\d")


def _strip_separators(column: Any) -> Any:
    """The column's text without the characters people type between a number's digits."""
    for char in _SEPARATORS:
        column = func.replace(column, char, "")
    return column


@dataclass(frozen=True)
class PhoneTrace:
    """One phone number: every typing of it that normalises to the same number."""

    number: phonenumbers.PhoneNumber
    region: str

    @classmethod
    def of(cls, e164: str, default_region: str) -> PhoneTrace | None:
        try:
            number = phonenumbers.parse(e164, default_region)
        except phonenumbers.NumberParseException:
            return None
        region = phonenumbers.region_code_for_number(number) or default_region
        return cls(number, region)

    @property
    def national(self) -> str:
        """The national significant number: the digits every typing of it contains in a row."""
        return str(phonenumbers.national_significant_number(self.number))

    def _is_same(self, text: str) -> bool:
        try:
            parsed = phonenumbers.parse(text, self.region)
        except phonenumbers.NumberParseException:
            return False
        return bool(
            parsed.country_code == self.number.country_code
            and parsed.national_number == self.number.national_number
        )

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        national = self.national
        for run in _DIGIT_RUN.finditer(text):
            raw = run.group()
            digits = re.sub(r"\D", "", raw)
            if national not in digits:
                continue
            if self._is_same(raw):
                yield run.start(), run.end()
                continue
            # The run holds more than the number (a date or another number beside it):
            # take the shortest piece ending with its digits that reads as the same number,
            # or failing that, its national digits alone.
            yield self._within(text, run.start(), raw, national)

    def _within(self, text: str, offset: int, raw: str, national: str) -> tuple[int, int]:
        positions = [i for i, c in enumerate(raw) if c.isdigit()]
        digits = "".join(raw[i] for i in positions)
        at = digits.index(national)
        end = positions[at + len(national) - 1] + 1
        for first in range(at, -1, -1):
            start = positions[first]
            while start > 0 and raw[start - 1] in "+(":
                start -= 1
            if first < at and self._is_same(raw[start:end]):
                return offset + start, offset + end
        return offset + positions[at], offset + end

    def condition(self, column: Any) -> ColumnElement[bool]:
        stripped: ColumnElement[str] = _strip_separators(column)
        return stripped.like(f"%{self.national}%")


@dataclass(frozen=True)
class TextTrace:
    """A literal (a name, an email, a link): matched in any case, whitespace as typed."""

    text: str

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for match in re.finditer(re.escape(self.text), text, flags=re.IGNORECASE):
            yield match.start(), match.end()

    def condition(self, column: Any) -> ColumnElement[bool]:
        forms = {self.text, json.dumps(self.text)[1:-1]}  # JSON columns store escapes
        return or_(*[func.lower(column).like(f"%{_like(form.lower())}%") for form in forms])


@dataclass(frozen=True)
class FreeTextTrace:
    """Something written about the person: found whole, with any spacing, or cut short by a
    message (its first characters followed by an ellipsis)."""

    text: str

    @property
    def _words(self) -> list[str]:
        return self.text.split()

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        words = self._words
        head = re.escape(words[0])  # a copy cut short may not hold even its first words
        wanted = " ".join(words).lower()
        for match in re.finditer(head, text, flags=re.IGNORECASE):
            end, matched = self._extend(text, match.start(), wanted)
            if matched == len(wanted):
                yield match.start(), end
            elif matched >= FREE_TEXT_MIN_CHARS and text.startswith(ELLIPSIS, end):
                yield match.start(), end + len(ELLIPSIS)

    @staticmethod
    def _extend(text: str, start: int, wanted: str) -> tuple[int, int]:
        """How far `text` from `start` agrees with `wanted` (any whitespace equal to a space;
        an ellipsis where the copy redacted a phone number or an email stands for it)."""
        pos, at = start, 0
        while pos < len(text) and at < len(wanted):
            if text[pos] == ELLIPSIS and not text.startswith(" (+", pos + 1):
                resumed = FreeTextTrace._resume(text, pos + 1, wanted, at)
                if resumed is None:
                    break
                pos, at = pos + 1, resumed
            elif wanted[at] == " ":
                if not text[pos].isspace():
                    break
                while pos < len(text) and text[pos].isspace():
                    pos += 1
                at += 1
            elif text[pos].lower() == wanted[at]:
                pos, at = pos + 1, at + 1
            else:
                break
        return pos, at

    @staticmethod
    def _resume(text: str, pos: int, wanted: str, at: int) -> int | None:
        """Where `wanted` picks up again after a redaction: the next few characters of the
        copy found further on in `wanted`."""
        probe = text[pos : pos + 8].lower()
        if len(probe.strip()) < 3:
            return None
        found = wanted.find(probe, at + 1)
        return found if found >= 0 else None

    def condition(self, column: Any) -> ColumnElement[bool]:
        # The longest of its first words: present in every copy, however it was spaced or cut
        # (not one a redaction may have replaced: digits or an email).
        first = self._words[:FREE_TEXT_MIN_WORDS]
        plain = [w for w in first if not re.search(r"[\d@]", w)] or first
        word = max(plain, key=len)
        forms = {word, json.dumps(word)[1:-1]}
        return or_(*[func.lower(column).like(f"%{_like(form.lower())}%") for form in forms])

    @staticmethod
    def worth_matching(text: str) -> bool:
        return len(text.strip()) >= FREE_TEXT_MIN_CHARS and len(text.split()) >= FREE_TEXT_MIN_WORDS


Trace = PhoneTrace | TextTrace | FreeTextTrace


def _like(text: str) -> str:
    """`text` for a LIKE pattern: its wildcards taken literally (we never pass ESCAPE, so a
    wildcard becomes one character of any kind, which only widens the search)."""
    return text.replace("%", "_")


@dataclass
class Traces:
    """Everything that identifies one person: `everywhere` (their full name, email, phone,
    links, their free text) and `about_them` (each part of their name, which other people may
    share, so it is blanked only in rows about them)."""

    everywhere: list[Trace] = field(default_factory=list)
    about_them: list[Trace] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        *,
        name: str,
        emails: Iterable[str | None],
        phones: Iterable[str | None],
        links: Iterable[str],
        free_text: Iterable[str],
        region: str,
    ) -> Traces:
        everywhere: list[Trace] = [TextTrace(name)]
        everywhere += [TextTrace(e) for e in {e.lower() for e in emails if e}]
        for phone in {p for p in phones if p}:
            trace = PhoneTrace.of(phone, region)
            everywhere.append(trace if trace is not None else TextTrace(phone))
        everywhere += [TextTrace(link) for link in links if link]
        texts = {" ".join(t.split()) for t in free_text if FreeTextTrace.worth_matching(t)}
        everywhere += [FreeTextTrace(t) for t in sorted(texts)]
        parts: list[Trace] = [TextTrace(p) for p in re.split(r"\s+", name) if len(p) >= 3]
        return cls(everywhere, parts)

    def condition(self, column: Any) -> ColumnElement[bool]:
        """Rows whose `column` may hold a trace found everywhere (a superset)."""
        return or_(*[trace.condition(column) for trace in self.everywhere])

    def scrub(self, value: Any, *, about_them: bool) -> Any:
        """`value` (text, or JSON data) with every trace replaced by `[erased]`."""
        if isinstance(value, str):
            return self._scrub_text(
                value, self.everywhere + (self.about_them if about_them else [])
            )
        if isinstance(value, dict):
            return {k: self.scrub(v, about_them=about_them) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v, about_them=about_them) for v in value]
        return value

    @staticmethod
    def _scrub_text(text: str, traces: list[Trace]) -> str:
        if not text:
            return text
        spans = sorted(span for trace in traces for span in trace.spans(text))
        if not spans:
            return text
        out, at = [], 0
        for start, end in _merged(spans):
            out += [text[at:start], ERASED]
            at = end
        out.append(text[at:])
        return "".join(out)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one (a note that quotes the name is blanked once)."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged

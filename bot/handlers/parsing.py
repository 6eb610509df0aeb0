"""Turning a line a person typed into arguments, with errors that say how to fix it."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.domain.errors import InvalidInput

MAX_COMMAND_LENGTH = 20_000
_ID = re.compile(r"^#?(\d{1,12})$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class CommandLine:
    """`name` is the first word; `rest` is everything after it, exactly as typed."""

    name: str
    rest: str

    @classmethod
    def parse(cls, text: str) -> CommandLine:
        text = text.strip()
        if len(text) > MAX_COMMAND_LENGTH:
            raise InvalidInput(
                f"that message is {len(text):,} characters; commands are limited to "
                f"{MAX_COMMAND_LENGTH:,}"
            )
        for prefix in ("/hire ", "/hirebot "):
            if text.lower().startswith(prefix):
                text = text[len(prefix) :].strip()
        text = text.removeprefix("/")
        head, _, rest = text.partition(" ")
        name = head.split("@", 1)[0].lower()  # a group command may end in @botname
        return cls(name=name, rest=rest.strip())

    def tokens(self) -> list[str]:
        """Shell-like words, so names with spaces can be quoted."""
        try:
            return shlex.split(self.rest)
        except ValueError as exc:
            raise InvalidInput(f"could not read that: {exc} (check your quotes)") from exc

    def head_and_text(self, count: int) -> tuple[list[str], str]:
        """The first `count` words, and the free text after them kept verbatim (notes, reasons)."""
        words = list(_WORD.finditer(self.rest))
        head = [m.group(0) for m in words[:count]]
        text = self.rest[words[count].start() :] if len(words) > count else ""
        return head, text.strip()

    def ids_and_text(self) -> tuple[list[int], str]:
        """The applicant ids typed first (`12 15 #19`), and the text after them verbatim."""
        words = list(_WORD.finditer(self.rest))
        ids: list[int] = []
        for word in words:
            match = _ID.match(word.group(0))
            if match is None:
                return ids, self.rest[word.start() :].strip()
            ids.append(int(match.group(1)))
        return ids, ""


def take_option(text: str, key: str) -> tuple[str | None, str]:
    """`key=value` (the value may be quoted) out of free text: the value, and the text without
    it, so `reason=role-filled we hired internally` is a reason and a note."""
    pattern = re.compile(rf"(?:^|\s){re.escape(key)}=(?:\"([^\"]*)\"|'([^']*)'|(\S*))", re.I)
    found = list(pattern.finditer(text))
    if not found:
        return None, text.strip()
    if len(found) > 1:
        raise InvalidInput(f"'{key}' is given twice")
    match = found[0]
    value = next((g for g in match.groups() if g is not None), "")
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return value, rest


def parse_id(word: str | None, usage: str) -> int:
    if word is None:
        raise InvalidInput(f"which applicant? usage: {usage}")
    match = _ID.match(word.strip())
    if not match:
        raise InvalidInput(f"'{word[:40]}' is not an applicant id (ids look like 12 or #12)")
    return int(match.group(1))


def split_options(tokens: list[str], allowed: set[str]) -> tuple[list[str], dict[str, str]]:
    """Separate `key=value` words (for known keys only) from the rest."""
    positional: list[str] = []
    options: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if sep and key.lower() in allowed:
            key = key.lower()
            if key in options:
                raise InvalidInput(f"'{key}' is given twice")
            options[key] = value
        else:
            positional.append(token)
    return positional, options


def refuse_unknown_options(words: list[str], allowed: set[str]) -> None:
    """A `key=value` a command does not take is refused, never read as part of a name or key:
    `people set hina tzz=UTC` says so rather than looking for a person called 'tzz=UTC'."""
    for word in words:
        key, sep, _ = word.partition("=")
        if sep:
            raise InvalidInput(
                f"'{key[:30]}' is not an option here (options: {', '.join(sorted(allowed))})"
            )


def parse_page(value: str | None) -> int:
    if value is None:
        return 1
    if not value.isdigit() or int(value) < 1 or int(value) > 1_000_000:
        raise InvalidInput(f"page must be a positive number, got '{value[:20]}'")
    return int(value)

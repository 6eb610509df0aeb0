"""The console loop: a line in, the dispatcher, then every console message in the outbox out.

The console never prints a reply directly: it delivers what the outbox holds for the
console channel, as Slack and Telegram do, and marks each row sent. A session is one person's
view: the messages sent to them and the role channels' posts (the team's shared channels).
Messages to anyone else stay queued for that person's own session, as a direct message on
Slack or Telegram is seen by its recipient only. A terminal shows no pictures: a message's
chart is drawn into a PNG file under `files` and its path printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bot.bootstrap import Hirebot
from bot.channels.console.render import Choice, render
from bot.handlers.dispatcher import ActionEvent, Inbound
from bot.messages import charts
from bot.messages.reply import Reply
from bot.services import outbox

CHANNEL = "console"
BATCH = 200
# Console rows are never rate limited or retried, so every pending one is due now, including
# those `hirebot jobs run-due --at <later>` queued at a simulated later instant.
ANY_TIME = datetime(9999, 1, 1, tzinfo=UTC)
FILES = Path("var") / "console-files"


class ConsoleSession:
    def __init__(
        self,
        app: Hirebot,
        person_key: str,
        stdin: TextIO,
        console: Console,
        files: Path = FILES,
    ) -> None:
        self.app = app
        self.files = files
        self.person_key = person_key
        self.stdin = stdin
        self.console = console
        self.conversation = f"console:{person_key}"
        # what this person sees: their own conversation and every role's console channel
        self.visible = [
            self.conversation,
            *sorted(
                {r.channels[CHANNEL] for r in app.catalog.roles.values() if CHANNEL in r.channels}
            ),
        ]
        self.choices: dict[int, Choice] = {}
        self.interactive = stdin.isatty()

    def _lines(self) -> Iterator[str]:
        while True:
            if self.interactive:
                try:
                    line = self.console.input(f"[bold]{self.person_key}>[/bold] ")
                except EOFError:
                    return
            else:
                raw = self.stdin.readline()
                if not raw:
                    return
                line = raw.rstrip("\n")
                self.console.print(Text(f"{self.person_key}> {line}", style="dim"))
            yield line

    def run(self) -> None:
        person = self.app.catalog.person(self.person_key)
        self.console.print(
            Text(
                f"hirebot console · {self.app.catalog.organization} · you are {person.name} "
                f"({', '.join(sorted(r.value for r in person.roles))}). "
                "Type 'help'; numbers pick an action; 'quit' leaves.",
                style="bold",
            )
        )
        self.deliver()
        lines = self._lines()
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.lower() in {"quit", "exit", ":q"}:
                break
            inbound = self._inbound(text, lines)
            if inbound is None:
                continue
            self.app.dispatcher.handle(inbound)
            self.deliver()

    def _inbound(self, text: str, lines: Iterator[str]) -> Inbound | None:
        if text.isdigit() and int(text) in self.choices:
            action = self.choices[int(text)].action
            answer = None
            if action.input_prompt:
                if self.interactive:
                    self.console.print(Text(f"{action.input_prompt} (empty to cancel):"))
                answer = next(lines, "").strip()
                if not answer:
                    self.console.print(Text("cancelled", style="dim"))
                    return None
            return Inbound(
                CHANNEL,
                self.person_key,
                self.conversation,
                action=ActionEvent(action.id, action.value, answer),
            )
        return Inbound(CHANNEL, self.person_key, self.conversation, text=text)

    def deliver(self) -> None:
        """Print and mark sent every pending message this person sees, in order.

        The same action (a card's button and the reply's under it) keeps one number, so each
        number on screen means one thing.
        """
        with self.app.uow() as uow:
            rows = [
                row
                for row in uow.outbox.due(CHANNEL, ANY_TIME, BATCH, destinations=self.visible)
                if row.ephemeral_to in (None, self.person_key)
            ]
            if not rows:
                return
            choices: dict[int, Choice] = {}
            numbers: dict[tuple[str, str], int] = {}
            for row in rows:
                where = None if row.destination == self.conversation else row.destination
                kind = "thread" if row.thread_card_key else row.kind
                reply = outbox.reply_of(row)
                text, new = render(reply, where=where, kind=kind, numbers=numbers)
                self.console.print(text, end="")
                self._save_chart(reply, row.id)
                choices.update({c.number: c for c in new})
            outbox.mark_sent(uow, [r.id for r in rows], self.app.clock.now())
            uow.commit()
        if choices:
            self.choices = choices

    def _save_chart(self, reply: Reply, row_id: int) -> None:
        """Write the message's chart to `files`, named after the outbox row so none is
        overwritten, and say where it is."""
        if reply.chart is None:
            return
        path = self.files / f"{Path(reply.chart.filename).stem}-{row_id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(charts.png(reply.chart))
        self.console.print(Text(f"  chart: {path}", style="dim"))

"""Replies as terminal text. Built from rich `Text` objects, never markup strings, so user
content such as `[bold]` or `<!channel>` prints literally."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from bot.messages.reply import Action, Reply

_KIND_STYLE = {"error": "bold red", "success": "green", "info": "", "card": "bold cyan"}


@dataclass(frozen=True)
class Choice:
    number: int
    action: Action


def render(
    reply: Reply,
    *,
    where: str | None,
    kind: str,
    numbers: dict[tuple[str, str], int] | None = None,
) -> tuple[Text, list[Choice]]:
    """Render one outbox message. `numbers` holds the numbers already shown in this batch: an
    action seen before (same id and value) keeps its number, a new one takes the next."""
    numbers = {} if numbers is None else numbers
    out = Text()
    prefix = f"[{where}] " if where else ""
    if kind == "card_update":
        out.append(f"{prefix}card {reply.title} updated: {reply.footer}\n", style="dim")
        return out, []
    if kind == "thread":
        out.append(f"{prefix}  ↳ {reply.text}\n", style="dim")
        return out, []
    if prefix:
        out.append(prefix, style="magenta")
    if reply.kind == "error":
        out.append("✗ ", style="bold red")
    if reply.kind == "card":
        out.append("New applicant card ", style="cyan")
    if reply.title:
        out.append(reply.title + "\n", style=_KIND_STYLE.get(reply.kind, "") or "bold")
    if reply.text:
        out.append(
            reply.text + "\n", style=_KIND_STYLE.get(reply.kind, "") if reply.kind != "card" else ""
        )
    for field in reply.fields:
        out.append(f"  {field.label}: ", style="bold")
        out.append(field.value + "\n")
    for line in reply.lines:
        out.append(f"  {line}\n")
    if reply.footer:
        out.append(f"  {reply.footer}\n", style="dim")
    choices = []
    if reply.actions:
        out.append("  ")
        for action in reply.actions:
            number = numbers.setdefault((action.id, action.value), len(numbers) + 1)
            choice = Choice(number, action)
            choices.append(choice)
            out.append(f"[{choice.number}] ", style="bold yellow")
            out.append(action.label + "  ")
        out.append("\n")
    return out, choices

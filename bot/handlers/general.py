"""help, whoami, roles: orientation commands anyone in the directory may use."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.permissions import Permission
from bot.handlers import absence
from bot.handlers.parsing import CommandLine
from bot.handlers.registry import Command, CommandSet
from bot.messages.format import plural
from bot.messages.reply import Field, Reply
from bot.services.context import Context


def register(commands: CommandSet) -> None:
    def help_(ctx: Context, line: CommandLine) -> list[Reply]:
        """Lists the commands this person may use, or one command in detail."""
        words = line.tokens()
        if words:
            command = commands.find(words[0].lower().lstrip("/"))
            lines = [f"usage: {command.usage}", *[f"e.g. {e}" for e in command.examples]]
            return [Reply(title=command.name, text=command.summary, lines=lines)]
        usable = [
            c
            for c in commands.commands.values()
            if c.permission is None or ctx.actor.can(c.permission)
        ]
        return [
            Reply(
                title="hirebot commands",
                lines=[f"{c.usage} — {c.summary}" for c in usable],
                footer="'help <command>' shows examples. Ids look like 12 or #12.",
            )
        ]

    def whoami(ctx: Context, line: CommandLine) -> list[Reply]:
        """Shows who hirebot thinks you are and what you may do."""
        person = ctx.actor.person
        if person is None:
            return [
                Reply(text=f"you are {ctx.actor.ref} on {ctx.actor.channel}, not a team member")
            ]
        identities = [f"{ctx.actor.channel}: {ctx.actor.ref}"]
        row = ctx.uow.people.by_id(ctx.actor.person_id) if ctx.actor.person_id else None
        for channel in ctx.catalog.channels:
            address = row.address_on(channel.name) if row is not None else None
            if address and channel.name != ctx.actor.channel:
                identities.append(f"{channel.name}: {address}")
        return [
            Reply(
                title=person.name,
                fields=[
                    Field(label="Person", value=person.key),
                    Field(label="Roles", value=", ".join(sorted(r.value for r in person.roles))),
                    Field(label="Timezone", value=person.timezone),
                    Field(label="Identities", value="; ".join(identities)),
                    *absence.whoami_fields(ctx),
                ],
                lines=[f"can {p.value}" for p in Permission if person.can(p)],
            )
        ]

    def roles(ctx: Context, line: CommandLine) -> list[Reply]:
        """Lists open roles with pipeline counts, or one role's details."""
        ctx.actor.require(Permission.VIEW)
        words = line.tokens()
        counts = ctx.uow.applicants.stage_counts()
        role_ids = {r.key: r.id for r in ctx.uow.roles.all()}
        if len(words) > 1:
            raise InvalidInput("usage: roles [role]")
        if words:
            role = ctx.catalog.role(words[0])
            rid = role_ids.get(role.key, -1)
            lines = [f"{s.label}: {counts.get((rid, s.key), 0)}" for s in role.pipeline.stages]
            fields = [
                Field(label="Team", value=role.team or "—"),
                Field(label="Location", value=role.location or "—"),
                Field(
                    label="Type",
                    value=", ".join(t.value.replace("_", "-") for t in role.hires_as),
                ),
                Field(label="Hiring manager", value=ctx.catalog.person(role.hiring_manager).name),
                Field(label="Recruiter", value=ctx.catalog.person(role.recruiter).name),
            ]
            if role.pay:
                fields.append(Field(label="Pay", value=role.pay.describe()))
            if role.scorecard:
                fields.append(
                    Field(label="Scorecard", value=", ".join(c.name for c in role.scorecard))
                )
            questions = sum(len(q) for q in role.question_bank.values())
            fields.append(Field(label="Question bank", value=plural(questions, "question")))
            if role.closed:
                fields.append(Field(label="Applications", value="closed (role reopen)"))
            return [
                Reply(
                    title=f"{role.title} ({role.key})",
                    text=role.summary,
                    fields=fields,
                    lines=lines,
                )
            ]
        lines = []
        for role in ctx.catalog.roles.values():
            rid = role_ids.get(role.key, -1)
            open_count = sum(counts.get((rid, s.key), 0) for s in role.pipeline.stages if s.is_open)
            lines.append(
                f"{role.key} — {role.title}, {role.location or 'anywhere'}: "
                f"{plural(open_count, 'open applicant')}" + (" (closed)" if role.closed else "")
            )
        return [
            Reply(
                title="Roles",
                lines=lines or ["no roles configured"],
                footer="roles <role> for details",
            )
        ]

    commands.add(Command("help", "help [command]", "what hirebot can do", help_, aliases=("?",)))
    commands.add(Command("whoami", "whoami", "who you are to hirebot, and what you may do", whoami))
    commands.add(
        Command(
            "roles",
            "roles [role]",
            "open roles with pipeline counts, or one role's details",
            roles,
            Permission.VIEW,
            examples=("roles", "roles senior-backend"),
        )
    )

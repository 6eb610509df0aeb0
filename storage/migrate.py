"""Alembic driven from code, so `hirebot db upgrade` and first start need no alembic.ini.

Every start asks whether the schema is at head. Alembic's answer imports its machinery and
loads every version script as a module; on an up-to-date database (nearly every start) the
cheap check answers instead: the head is read off the scripts' `revision` / `down_revision`
lines as text, and the stored revision with one SELECT. Only when they differ, or the scripts
are not one plain chain, does Alembic decide (and then upgrade). Alembic is imported by the
functions that use it, so a start that needs no migration never loads it
(docs/benchmarks.md, "Handling cost").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
VERSION_TABLE = "alembic_version"

# `revision: str = "0016"` and `down_revision: str | None = "0015"` (or `= None`), as every
# script in versions/ writes them.
_REVISION = re.compile(r"""^revision(?:\s*:[^=\n]*)?\s*=\s*["']([^"']+)["']\s*$""", re.M)
_DOWN = re.compile(r"""^down_revision(?:\s*:[^=\n]*)?\s*=\s*(?:["']([^"']+)["']|None)\s*$""", re.M)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


@cache
def scripts_head(versions: Path = VERSIONS_DIR) -> str | None:
    """The head of the version scripts, read as text: the one revision no script names as its
    `down_revision`. None when that is not a single plain chain (a merge, a branch, a script
    written otherwise): Alembic is asked then."""
    revisions: set[str] = set()
    downs: set[str] = set()
    roots = 0
    for path in versions.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            downs.add(down[0])
        else:
            roots += 1
    heads = revisions - downs
    if roots != 1 or len(heads) != 1 or len(downs) != len(revisions) - 1 or downs - revisions:
        return None
    return heads.pop()


def stored_revisions(engine: Engine) -> list[str]:
    """The revisions the database records (none for a database never migrated)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return []
        return [
            str(v) for v in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        ]


def is_up_to_date(engine: Engine) -> bool:
    head = scripts_head()
    if head is not None and stored_revisions(engine) == [head]:
        return True  # the usual start: Alembic never loaded
    return current_revision(engine) == head_revision(engine)

"""One door to the database: code under bot/ reaches it only through the unit of work's
repositories (`ctx.uow.<repository>.<query>(…)`), never through a session or a statement of
its own.

A query written in a service cannot be seen, indexed or bounded where the others are; this
reads every module's syntax tree, so a new `select()` or `uow.session` outside storage/ fails
here with the line to move.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATEMENTS = {"select", "insert", "update", "delete", "text"}


def _modules() -> list[Path]:
    return sorted((ROOT / "bot").rglob("*.py"))


def doors(source: str) -> list[str]:
    """Each place in `source` that goes to the database around the repositories."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            found += [
                f"line {node.lineno}: imports {alias.name} from {node.module}"
                for alias in node.names
                if alias.name in STATEMENTS
            ]
        elif isinstance(node, ast.Attribute) and node.attr == "session":
            found.append(f"line {node.lineno}: uses {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.endswith("Repository")
        ):
            found.append(f"line {node.lineno}: builds {node.func.id} (use the unit of work's)")
    return sorted(found, key=lambda place: int(place.split()[1].rstrip(":")))


def test_the_check_finds_a_statement_a_session_and_a_repository_of_its_own() -> None:
    source = (
        "from sqlalchemy import select\n"
        "rows = ctx.uow.session.scalars(select(Offer))\n"
        "repo = OfferRepository(ctx.uow.session)\n"
    )
    assert doors(source) == [
        "line 1: imports select from sqlalchemy",
        "line 2: uses ctx.uow.session",
        "line 3: builds OfferRepository (use the unit of work's)",
        "line 3: uses ctx.uow.session",
    ]
    assert doors("applicant = ctx.uow.applicants.get(3)\n") == []


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_query_outside_storage(path: Path) -> None:
    assert doors(path.read_text()) == []

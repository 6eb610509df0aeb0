"""The core imports what it uses at the top of each module, never inside a function.

An import tucked into a function hides a dependency (usually a cycle: the dispatcher once
imported the linking entry that way, because that entry imported the dispatcher back), so
import-linter's layers cannot see it and the first call pays for the import. The channel
packages import their SDKs lazily on purpose (reading the configuration never loads one), and
the CLI keeps each command's start fast; neither is core.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = (
    "domain",
    "services",
    "flows",
    "handlers",
    "messages",
    "delivery",
    "inbox",
    "scheduling",
    "api",
)


def late_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [
                f"line {inner.lineno}: {ast.unparse(inner)}"
                for inner in ast.walk(node)
                if isinstance(inner, ast.Import | ast.ImportFrom)
            ]
    return found


def test_an_import_inside_a_function_is_found() -> None:
    source = "import os\n\ndef f():\n    from bot.handlers import linking\n    return linking\n"
    assert late_imports(source) == ["line 4: from bot.handlers import linking"]


def test_the_core_imports_at_the_top() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()} {problem}"
        for package in CORE
        for path in sorted((ROOT / "bot" / package).rglob("*.py"))
        for problem in late_imports(path.read_text(encoding="utf-8"))
    ]
    assert not found, "imports inside functions:\n" + "\n".join(found)

"""docs/architecture.md stays true: every module and package its tree names exists.

The tree is the map a newcomer reads first; a name that no longer exists sends them looking for
code that moved. Names are read from the tree's first column (indentation gives the folder), and
from a channel package's description (`app.py (…), commands.py, …`), which names its modules.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
_ENTRY = re.compile(r"^(?P<indent> *)(?P<name>[\w*.]+/?)(?:\s{2,}(?P<text>.*))?$")
_MODULE = re.compile(r"\b([a-z_]+\.py)\b")


def _tree() -> list[str]:
    text = DOC.read_text()
    block = text.split("## The tree", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def named_paths() -> list[tuple[str, bool]]:
    """(path, is_folder) for each name in the tree, plus modules a folder's description names."""
    found: list[tuple[str, bool]] = []
    stack: list[tuple[int, str]] = []  # (indent, folder path)
    described = ""  # the folder whose description the next continuation lines carry on
    for line in _tree():
        match = _ENTRY.match(line)
        indent = len(line) - len(line.lstrip())
        if match is None or indent >= 20:  # a description carried onto the next line
            found += [(f"{described}{m}", False) for m in _MODULE.findall(line) if described]
            continue
        name = match["name"]
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = f"{stack[-1][1] if stack else ''}{name}"
        folder = name.endswith("/")
        found.append((path, folder))
        described = path if folder else ""
        if folder:
            stack.append((indent, path))
            found += [(f"{path}{m}", False) for m in _MODULE.findall(match["text"] or "")]
    return found


def test_the_tree_is_read() -> None:
    paths = dict(named_paths())
    assert paths["bot/"] is True
    assert "bot/handlers/dispatcher.py" in paths
    assert "storage/models.py" in paths
    assert "bot/channels/slack/sender.py" in paths  # named in the slack/ description


def test_every_module_the_architecture_names_exists() -> None:
    missing = [
        path
        for path, folder in named_paths()
        if not (any(ROOT.glob(path.rstrip("/"))) if "*" in path else (ROOT / path).exists())
        or (folder and not any(ROOT.glob(path.rstrip("/"))))
    ]
    assert missing == [], f"docs/architecture.md names what does not exist: {missing}"

"""Packaging metadata: what setuptools reads on every install must not be deprecated."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def _pyproject() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_the_license_is_an_spdx_expression_with_a_setuptools_that_reads_it() -> None:
    data = _pyproject()
    project = data["project"]
    assert isinstance(project, dict)
    # the table form ({ text = "MIT" }) makes setuptools warn on every install
    assert project["license"] == "MIT"
    build = data["build-system"]
    assert isinstance(build, dict)
    requires = " ".join(build["requires"])
    found = re.search(r"setuptools>=(\d+)", requires)
    assert found is not None, requires
    assert int(found.group(1)) >= 77  # the first setuptools that reads SPDX license strings


def test_the_install_step_says_what_it_is_doing_before_the_quiet_pip() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): pyproject.toml\n", 1)[1].split("\n\n", 1)[0]
    steps = recipe.splitlines()
    first_pip = next(i for i, step in enumerate(steps) if "pip install" in step)
    assert any(step.strip().startswith("@echo") for step in steps[:first_pip]), recipe
    assert all("--quiet" in step for step in steps if "pip install" in step)

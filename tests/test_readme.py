"""The README stays true: two set-up commands, CI runs the test one, every setting documented."""

from __future__ import annotations

import re
from pathlib import Path

from attunement.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _setup_commands() -> list[str]:
    start = README.split("## Start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", start, flags=re.S)]


def test_exactly_two_setup_commands_one_runs_the_demo() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert commands[0].endswith("attune serve --demo")
    assert commands[1].endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _setup_commands()[1] in ci


def test_every_setting_is_documented() -> None:
    for name in Settings.model_fields:
        assert f"`ATTUNE_{name.upper()}`" in README, name


def test_linked_documents_exist() -> None:
    for link in re.findall(r"\]\(((?:docs/)[^)#]+)\)", README):
        assert (ROOT / link).exists(), link

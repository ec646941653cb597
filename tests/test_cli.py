"""The ``attune`` command as a person uses it: help, set-up, assessment, practice, progress, errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner, Result

from attunement.cli import app
from attunement.config import get_settings
from tests.conftest import raw_sqlite_bytes

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def attune(*args: str, input: str | None = None) -> Result:
    get_settings.cache_clear()
    return CliRunner().invoke(app, list(args), input=input, terminal_width=120)


def flat(result: Result) -> str:
    """The output with line wrapping undone."""
    return " ".join(result.output.split())


def one_line_error(result: Result) -> str:
    """The error a failed command printed: exactly one sentence, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in flat(result)
    lines = [line for line in flat(result).strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = attune(command, "--help")
    assert result.exit_code == 0
    assert "Example: attune " + command in flat(result)


def test_the_cli_reference_is_current() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(("given", "seen"), [(None, "__all__"), ("", ""), ("logfire", "logfire")])
def test_the_cli_skips_pydantic_plugins_unless_told(given: str | None, seen: str) -> None:
    """The command does without pydantic's scan of every package's entry points (a tenth of a second
    of each start); a value the person set is kept."""
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    code = "import os, attunement.cli; print(repr(os.environ['PYDANTIC_DISABLE_PLUGINS']))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == repr(seen)


def test_init_assess_practice_progress(home: Path, tmp_path: Path) -> None:
    # Reflections only: a written exercise would first ask for a reply (tested in test_written_practice).
    result = attune(
        "init", "--handle", "sam", "--name", "Sam", "--minutes", "10", "--modality", "reflection", "--yes"
    )
    assert result.exit_code == 0, result.output
    assert "Welcome, Sam." in flat(result)
    assert (home / "master.key").stat().st_mode & 0o777 == 0o600

    answers = tmp_path / "answers.json"
    from attunement.content import load_questionnaire

    items = load_questionnaire().items
    answers.write_text(json.dumps({item.id: 2 if item.reverse else 4 for item in items}))
    result = attune("assess", "--answers", str(answers), "--goal", "listen_better")
    assert result.exit_code == 0, result.output
    assert "Your skills" in flat(result) and "±" in flat(result)

    # Do it, rate it 4, write a reflection, then stop.
    result = attune("practice", input="y\n4\nShe relaxed when I slowed down.\nn\n")
    assert result.exit_code == 0, result.output
    assert "Why this one:" in flat(result)
    assert "Your reflection is saved, encrypted." in flat(result)

    # The reflection is in the database, but never as plaintext.
    raw = raw_sqlite_bytes(home / "attunement.db")
    assert b"sam" in raw and b"slowed down" not in raw
    with sqlite3.connect(home / "attunement.db") as db:
        assert db.execute("select count(*) from practice_attempts where rating = 4").fetchone() == (1,)

    result = attune("progress")
    assert result.exit_code == 0, result.output
    assert "Progress for sam" in flat(result)
    assert "1 exercise done of 1 suggested" in flat(result)


def test_practice_rejects_a_bad_rating_and_asks_again(home: Path) -> None:
    attune("init", "--handle", "sam", "--modality", "reflection", "--yes")
    result = attune("practice", "--minutes", "5", input="y\n9\nfour\n5\n\nn\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Please type a whole number from 1 to 5.") == 2
    assert "Recorded." in flat(result)


def test_demo_gives_a_person_with_history(home: Path) -> None:
    result = attune("demo", "--no-practice")
    assert result.exit_code == 0, result.output
    assert attune("demo", "--no-practice").exit_code == 0  # safe to run twice
    progress = attune("progress", "--person", "demo")
    assert progress.exit_code == 0, progress.output
    assert "questionnaire taken 2 times" in flat(progress)


def test_several_people_need_a_choice(home: Path) -> None:
    attune("init", "--handle", "sam", "--yes")
    attune("init", "--handle", "ana", "--yes")
    message = one_line_error(attune("progress"))
    assert "Several people use attunement here (sam, ana)" in message
    assert attune("progress", "--person", "ana").exit_code == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["progress"], "Nobody uses attunement here yet"),
        (["progress", "--person", "nobody"], "nobody"),
        (["init", "--handle", "Not A Handle", "--yes"], "A handle is"),
        (["assess", "--answers", "/does/not/exist.json"], "Cannot read"),
    ],
)
def test_bad_input_is_one_clear_sentence(home: Path, args: list[str], expected: str) -> None:
    if args[0] == "assess":
        attune("init", "--handle", "sam", "--yes")
    assert expected in one_line_error(attune(*args))


def test_answers_out_of_range_are_refused_and_nothing_is_saved(home: Path, tmp_path: Path) -> None:
    attune("init", "--handle", "sam", "--yes")
    from attunement.content import load_questionnaire

    items = load_questionnaire().items
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({item.id: 7 for item in items}))
    message = one_line_error(attune("assess", "--answers", str(answers)))
    assert "1 to 5" in message or "1-5" in message
    assert "questionnaire taken 0 times" in flat(attune("progress"))


def test_unreachable_database_is_one_sentence(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTUNE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("ATTUNE_DB_TIMEOUT_S", "1")
    assert "Cannot reach the database" in one_line_error(attune("progress"))


def test_malformed_setting_is_one_sentence(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTUNE_REPEAT_WINDOW_DAYS", "soon")
    assert "ATTUNE_REPEAT_WINDOW_DAYS is invalid" in one_line_error(attune("progress"))


def test_the_installed_script_runs_without_a_traceback(home: Path) -> None:
    script = Path(sys.executable).with_name("attune")
    if not script.exists():
        pytest.skip("the attune script is not installed in this environment")
    env = {**os.environ, "ATTUNE_DATA_DIR": str(home)}
    done = subprocess.run([str(script), "progress"], capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("Nobody uses attunement here yet")

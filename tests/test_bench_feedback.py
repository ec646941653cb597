"""The feedback benchmark runs end to end on a tiny EPITOME-format folder and reports sane figures."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import load_bench

SEEKER = "I lost my job today and I don't know how to tell my family."
PAIRS = [  # reply, levels for (emotional reactions, interpretations, explorations)
    ("ok", (0, 0, 0)),
    ("Just apply somewhere else.", (0, 0, 0)),
    ("I'm so sorry, that must be terrifying. What happened?", (2, 1, 1)),
    ("I've been there, it's awful. I understand how scary that is.", (1, 2, 0)),
    ("That sucks. How are you feeling about telling them?", (1, 0, 2)),
    ("Oh no, I'm so sorry. Losing a job is so hard. What do you think your family will say?", (2, 1, 2)),
]
FILES = ("emotional-reactions-reddit.csv", "interpretations-reddit.csv", "explorations-reddit.csv")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("epitome")
    for j, name in enumerate(FILES):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sp_id", "rp_id", "seeker_post", "response_post", "level", "rationales"])
            for i, (reply, levels) in enumerate(PAIRS):
                writer.writerow(["s1", f"r{i}", SEEKER, reply, levels[j], ""])
    module = load_bench("feedback")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        result = module.main(["--data", str(folder), "--all", "--quiet"])
    return result, out.getvalue()


def test_last_line_is_the_json_result(run: tuple[dict[str, Any], str]) -> None:
    result, printed = run
    assert json.loads(printed.strip().splitlines()[-1]) == result
    assert result["pairs"] == len(PAIRS) and result["scored"] == len(PAIRS)
    assert set(result["targets_met"]) == {"coverage", "false_naming", "never_unkind"}


def test_figures_are_shares_and_feedback_is_kind(run: tuple[dict[str, Any], str]) -> None:
    result = run[0]
    assert 0 <= result["coverage"] <= 1 and 0 <= result["false_naming"] <= 1
    assert result["per_mechanism"]["emotional_reactions"]["low_pairs"] == 2
    assert result["unkind_phrasings"] == 0
    assert 1 <= result["suggestions_per_reply"] <= 3

"""``attune eval`` on small files written here in each corpus's original format.

The held-back test splits are scored with this command, so it must read any path in the
original formats and print one JSON object; these files are small enough that the shipped
models' answers on them are not in doubt.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import attune, one_line_error
from tests.test_nlp_datasets import epitome_folder, split_dialogue, write


def report(*args: str) -> dict[str, object]:
    result = attune("eval", *args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert isinstance(out, dict)
    return out


def test_emotion_reads_a_goemotions_tsv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "test.tsv",
        "Thank you so much for your help, I really appreciate it!\t15\tg1\n"
        "Thanks a lot, that is so kind of you.\t15\tg2\n"
        '"Haha, that is hilarious ""lol"""\t1\tg3\n',
    )
    out = report("--task", "emotion", "--data", str(path))
    assert (out["task"], out["examples"]) == ("emotion", 3)
    per_class = out["per_class_f1"]
    assert isinstance(per_class, dict) and len(per_class) == 28
    assert per_class["gratitude"] == 1.0
    assert 0 < float(out["macro_f1"]) <= 1  # type: ignore[arg-type]


def test_empathy_reads_an_epitome_folder_and_scores_each_mechanism(tmp_path: Path) -> None:
    rows = [("s1", "r1", 0, ""), ("s2", "r2", 2, ""), ("s3", "r3", 1, "")]
    folder = epitome_folder(
        tmp_path, dict.fromkeys(("emotional-reactions", "interpretations", "explorations"), rows)
    )
    out = report("--task", "empathy", "--data", str(folder))
    assert (out["task"], out["examples"]) == ("empathy", 3)
    for mechanism in ("emotional_reactions", "interpretations", "explorations"):
        scored = out[mechanism]
        assert isinstance(scored, dict)
        assert scored["support"] == {"none": 1, "weak": 1, "strong": 1}
        assert 0 <= scored["accuracy"] <= 1


def test_strategy_tasks_read_esconv_json_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "test.json", json.dumps(split_dialogue()) + "\n")
    reply = report("--task", "reply-strategy", "--data", str(path))
    assert (reply["task"], reply["examples"]) == ("reply-strategy", 3)
    assert reply["support"] == {  # the dialogue's three supporter turns, by label
        "Question": 1,
        "Restatement or Paraphrasing": 0,
        "Reflection of feelings": 1,
        "Self-disclosure": 0,
        "Affirmation and Reassurance": 0,
        "Providing Suggestions": 1,
        "Information": 0,
        "Others": 0,
    }
    following = report("--task", "next-strategy", "--data", str(path))
    assert (following["task"], following["examples"]) == ("next-strategy", 3)
    assert 0 <= float(following["accuracy"]) <= 1  # type: ignore[arg-type]


def test_bad_task_or_data_is_one_sentence(tmp_path: Path) -> None:
    assert "Unknown task 'sentiment'" in one_line_error(
        attune("eval", "--task", "sentiment", "--data", str(tmp_path))
    )
    assert "absent.tsv" in one_line_error(
        attune("eval", "--task", "emotion", "--data", str(tmp_path / "absent.tsv"))
    )
    broken = write(tmp_path / "broken.tsv", "a comment\tnot-a-label\tx1\n")
    assert "broken.tsv" in one_line_error(attune("eval", "--task", "emotion", "--data", str(broken)))

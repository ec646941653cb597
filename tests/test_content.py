"""The catalogue and questionnaire: coverage, quality, and errors that point at the mistake."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from attunement.content import load_catalogue, load_exercises, load_questionnaire
from attunement.domain import MODALITIES, SKILLS
from attunement.errors import ContentError

GOOD = """\
exercises:
  - id: repair-99-test
    title: A test exercise
    skills: [repair]
    modality: reflection
    minutes: 5
    difficulty: 2
    instructions: Think of a recent disagreement and write what you would say now.
    follow_up: What would you say first?
"""


def test_catalogue_covers_every_skill_and_modality() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) >= 120
    primary = Counter(e.primary_skill for e in catalogue)
    assert set(primary) == set(SKILLS)
    assert min(primary.values()) >= 8
    assert {e.modality for e in catalogue} == set(MODALITIES)
    assert {e.difficulty for e in catalogue} == {1, 2, 3}
    assert all(e.follow_up.endswith("?") for e in catalogue)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z']+", text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))


def test_no_near_duplicate_exercises() -> None:
    catalogue = list(load_catalogue())
    shingles = {e.id: _shingles(e.instructions) for e in catalogue}
    titles = Counter(e.title.lower() for e in catalogue)
    assert max(titles.values()) == 1, titles.most_common(3)
    for a, b in itertools.combinations(catalogue, 2):
        overlap = len(shingles[a.id] & shingles[b.id]) / max(1, min(len(shingles[a.id]), len(shingles[b.id])))
        assert overlap < 0.35, (a.id, b.id, overlap)


def test_questionnaire_has_reverse_keyed_items_for_every_skill() -> None:
    questionnaire = load_questionnaire()
    assert len(questionnaire.items) >= 24
    for skill in SKILLS:
        items = [i for i in questionnaire.items if i.skill == skill]
        assert len(items) >= 2
        assert any(i.reverse for i in items) and not all(i.reverse for i in items)
    assert {s for g in questionnaire.goals for s in g.skills} == set(SKILLS)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_extra_file_loads(tmp_path: Path) -> None:
    (exercise,) = load_exercises(_write(tmp_path, GOOD))
    assert exercise.id == "repair-99-test" and exercise.minutes == 5


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            GOOD.replace("    minutes: 5\n", ""),
            r"custom\.yaml, line 2: exercise 'repair-99-test', field 'minutes' is missing",
        ),
        (GOOD.replace("modality: reflection", "modality: dance"), r"line 5: .*field 'modality' is invalid"),
        (GOOD.replace("minutes: 5", "minutes: 500"), r"line 6: .*field 'minutes' is invalid"),
        (GOOD.replace("skills: [repair]", "skills: [repair, kindness]"), r"line 4: .*field 'skills'"),
        (GOOD.replace("difficulty: 2", "difficulty: hard"), r"line 7: .*field 'difficulty'"),
        (GOOD.replace("title: A test exercise", "title: [unclosed"), r"line \d+: the YAML is malformed"),
        ("nothing: here\n", r"top-level list 'exercises'"),
        (GOOD + "    colour: blue\n", r"field 'colour' is invalid"),
    ],
)
def test_malformed_exercise_names_file_line_and_field(tmp_path: Path, broken: str, expected: str) -> None:
    with pytest.raises(ContentError, match=expected):
        load_exercises(_write(tmp_path, broken))


def test_duplicate_id_across_files_names_both(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(
        ContentError, match=r"b\.yaml: the exercise id 'repair-99-test' is already used in .*a\.yaml"
    ):
        load_catalogue([tmp_path])


def test_missing_extra_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="does not exist"):
        load_catalogue([tmp_path / "nope"])


def test_binary_content_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ContentError, match="not UTF-8"):
        load_exercises(path)

"""The written practice scenarios: coverage, variety, and load errors that point at the mistake."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from pathlib import Path

import pytest

from attunement.content.scenarios import load_scenarios
from attunement.domain.labels import EMOTIONS
from attunement.domain.scenarios import RELATIONSHIPS, Scenario, ScenarioSet
from attunement.domain.skills import SKILLS, Skill
from attunement.errors import ContentError, NotFoundError

# Written messages carry fewer nonverbal cues, so these two skills may have fewer scenarios.
FEWER_ALLOWED = {Skill.NONVERBAL_READING, Skill.NONVERBAL_EXPRESSION}

GOOD = """\
scenarios:
  - id: test-01-long-day
    title: Long day
    sender: Your sister Noor
    relationship: sibling
    message: "long day"
    context: Noor started a new job on Monday.
    skills: [active_listening, nonverbal_reading]
    difficulty: 1
    emotions: [neutral, sadness]
    notes:
      - Notice how short it is.
      - Ask one easy question.
    avoid:
      - A list of questions.
    example_reply: Long as in busy, or long as in hard? I'm around either way.
"""


@pytest.fixture(scope="module")
def scenarios() -> ScenarioSet:
    return load_scenarios()


def test_the_packaged_set_loads_once_and_is_large(scenarios: ScenarioSet) -> None:
    assert len(scenarios) >= 80
    assert load_scenarios() is scenarios  # served from the cache
    ids = [s.id for s in scenarios]
    assert len(set(ids)) == len(ids)
    assert all(isinstance(s, Scenario) for s in scenarios)


def test_every_relationship_and_difficulty_is_covered(scenarios: ScenarioSet) -> None:
    relationships = Counter(s.relationship for s in scenarios)
    assert all(relationships[r] >= 2 for r in RELATIONSHIPS), relationships
    difficulties = Counter(s.difficulty for s in scenarios)
    assert set(difficulties) == {1, 2, 3}
    # roughly a third each: no level below a fifth of the set
    assert min(difficulties.values()) >= len(scenarios) / 5, difficulties


def test_every_skill_is_practised(scenarios: ScenarioSet) -> None:
    for skill in SKILLS:
        minimum = 2 if skill in FEWER_ALLOWED else 4
        assert len(scenarios.for_skill(skill)) >= minimum, skill
        assert all(skill in s.skills for s in scenarios.for_skill(skill))


def _words(text: str) -> set[str]:
    # words and single symbols, so an emoji-only message still has a word set
    return set(re.findall(r"[\w']+|[^\w\s]", text.lower()))


def test_no_two_messages_are_near_duplicates(scenarios: ScenarioSet) -> None:
    words = {s.id: _words(s.message) for s in scenarios}
    for a, b in itertools.combinations(scenarios, 2):
        union = words[a.id] | words[b.id]
        jaccard = len(words[a.id] & words[b.id]) / len(union)
        assert jaccard < 0.6, (a.id, b.id, jaccard)
    titles = Counter(s.title.lower() for s in scenarios)
    assert max(titles.values()) == 1, titles.most_common(2)


def test_each_scenario_gives_feedback_material(scenarios: ScenarioSet) -> None:
    for s in scenarios:
        assert 2 <= len(s.notes) <= 4 and all(s.notes), s.id
        assert 1 <= len(s.avoid) <= 3, s.id
        assert 1 <= len(s.skills) <= 3, s.id
        assert set(s.emotions) <= set(EMOTIONS), s.id
        assert s.example_reply and s.example_reply != s.message, s.id
        assert s.culture_note is None or len(s.culture_note) > 20, s.id
    assert any(s.culture_note for s in scenarios)


def test_domain_emotions_match_the_emotion_model_labels() -> None:
    from attunement.nlp.labels import EMOTIONS as MODEL_EMOTIONS

    assert EMOTIONS == MODEL_EMOTIONS


def test_no_scenario_reads_as_a_crisis(scenarios: ScenarioSet) -> None:
    crisis = pytest.importorskip("attunement.nlp.crisis")
    from attunement.content.crisis import load_crisis_lexicon

    screener = crisis.CrisisScreener(load_crisis_lexicon())
    distress = dict.fromkeys(crisis.DISTRESS_LABELS, 1.0)  # weak cues count too
    for s in scenarios:
        for text in (s.message, s.context, s.example_reply):
            assert screener.screen(text, distress).level.value == "none", (s.id, text)


def test_get_and_for_skill(scenarios: ScenarioSet) -> None:
    first = next(iter(scenarios))
    assert scenarios.get(first.id) is first and first.id in scenarios
    assert first in scenarios.for_skill(first.primary_skill)
    with pytest.raises(NotFoundError, match=r"^No practice scenario has the id 'no-such-scenario'\.$"):
        scenarios.get("no-such-scenario")


def _write(tmp_path: Path, text: str, name: str = "custom.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_and_a_folder_load(tmp_path: Path) -> None:
    (scenario,) = load_scenarios(_write(tmp_path, GOOD))
    assert scenario.relationship.value == "sibling"
    assert scenario.skills == (Skill.ACTIVE_LISTENING, Skill.NONVERBAL_READING)
    assert scenario.culture_note is None and scenario.notes[1] == "Ask one easy question."
    _write(tmp_path, GOOD.replace("test-01-long-day", "test-02-long-day"), "second.yaml")
    assert len(load_scenarios(tmp_path)) == 2


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (
            GOOD.replace("nonverbal_reading]", "kindness]"),
            r"custom\.yaml, line 8: scenario 'test-01-long-day', field 'skills' is invalid",
        ),
        (
            GOOD.replace("emotions: [neutral, sadness]", "emotions: [neutral, loneliness]"),
            r"custom\.yaml, line 10: scenario 'test-01-long-day', field 'emotions' is invalid: "
            r".*'loneliness' is not a GoEmotions label",
        ),
        (
            GOOD.replace("    context: Noor started a new job on Monday.\n", ""),
            r"custom\.yaml, line 2: scenario 'test-01-long-day', field 'context' is missing",
        ),
        (
            GOOD.replace("relationship: sibling", "relationship: ex"),
            r"custom\.yaml, line 5: .*field 'relationship' is invalid",
        ),
        (GOOD.replace("difficulty: 1", "difficulty: 4"), r"line 9: .*field 'difficulty' is invalid"),
        (GOOD.replace("difficulty: 1", "difficulty: '1'"), r"line 9: .*field 'difficulty' is invalid"),
        (
            GOOD.replace("      - Ask one easy question.\n", ""),
            r"line 11: .*field 'notes' is invalid",
        ),
        (GOOD + "    mood: blue\n", r"line 17: .*field 'mood' is invalid"),
        (GOOD.replace("title: Long day", "title: [unclosed"), r"line \d+: the YAML is malformed"),
        ("nothing: here\n", r"custom\.yaml, line 1: the file must have a top-level list 'scenarios'"),
    ],
)
def test_a_malformed_scenario_names_file_line_and_field(tmp_path: Path, broken: str, expected: str) -> None:
    with pytest.raises(ContentError, match=expected):
        load_scenarios(_write(tmp_path, broken))


def test_a_duplicate_id_names_file_line_and_first_use(tmp_path: Path) -> None:
    twice = GOOD + GOOD.removeprefix("scenarios:\n")
    with pytest.raises(
        ContentError,
        match=r"custom\.yaml, line 17: the scenario id 'test-01-long-day' is already used in "
        r".*custom\.yaml, line 2\.$",
    ):
        load_scenarios(_write(tmp_path, twice))


def test_a_missing_path_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"does not exist\.$"):
        load_scenarios(tmp_path / "nope.yaml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ContentError, match=r"holds no \.yaml files\.$"):
        load_scenarios(tmp_path / "empty")

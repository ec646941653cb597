"""The pure rules of written practice: which tips, floors, tone, comparison, skill measurement, reward."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attunement.content.guidance import load_feedback_guide
from attunement.domain.assessment import SkillEstimate
from attunement.domain.feedback import (
    MAX_SUGGESTIONS,
    MechanismReading,
    ReplyReading,
    compose_feedback,
    message_tone,
)
from attunement.domain.guidance import MECHANISMS, TipKind
from attunement.domain.measurement import skill_weights, update_estimate
from attunement.domain.rewards import RewardWeights
from attunement.domain.skills import Skill
from attunement.errors import InvalidInputError

GUIDE = load_feedback_guide()
LEVEL = st.sampled_from(["none", "weak", "strong"])
STRATEGY = st.sampled_from(["Question", "Providing Suggestions", "Information", "Others", "Self-disclosure"])


def reading(levels: dict[str, str], strategy: str = "Others", reply: str = "okay then") -> ReplyReading:
    return ReplyReading.from_levels({**dict.fromkeys(MECHANISMS, "none"), **levels}, strategy, reply)


def test_advice_before_feelings_gets_the_advice_first_tip() -> None:
    feedback = compose_feedback(reading({}, "Providing Suggestions", "Just call them."), ["sadness"], GUIDE)
    assert feedback.suggestions[0].kind is TipKind.ADVICE_FIRST
    assert feedback.names("emotional_reactions")


def test_strong_everywhere_gets_praise_and_one_stretch_tip() -> None:
    feedback = compose_feedback(reading(dict.fromkeys(MECHANISMS, "strong")), ["sadness"], GUIDE)
    assert [s.kind for s in feedback.suggestions] == [TipKind.STRETCH]
    assert 1 <= len(feedback.praise) <= 2
    assert not any(feedback.names(m) for m in MECHANISMS)


def test_a_mechanism_that_may_well_be_strong_is_left_alone() -> None:
    doubtful = MechanismReading("interpretations", "none", {"none": 0.5, "weak": 0.1, "strong": 0.4})
    base = reading({})
    mechanisms = tuple(doubtful if r.mechanism == "interpretations" else r for r in base.mechanisms)
    feedback = compose_feedback(ReplyReading(mechanisms, "Others", "okay then"), [], GUIDE)
    assert not feedback.names("interpretations") and feedback.names("explorations")


def test_naming_a_feeling_and_asking_raise_the_floors_with_evidence() -> None:
    reply = "That sounds so sad. How are you holding up?"
    feedback = compose_feedback(reading({}, "Question", reply), ["sadness"], GUIDE)
    assert feedback.reading.level("emotional_reactions") == "weak"
    assert feedback.reading.reading("emotional_reactions").evidence == ("That sounds so sad.",)
    assert feedback.reading.level("explorations") == "weak"
    assert feedback.reading.reading("explorations").evidence == ("How are you holding up?",)
    assert feedback.acknowledged == ("sadness",) and feedback.missed == ()


def test_tips_fit_good_news() -> None:
    assert message_tone(["joy", "pride"]) == "good_news"
    feedback = compose_feedback(reading({}), ["joy", "excitement"], GUIDE, name="Amara")
    assert all(GUIDE_TIP[s.id] in ("any", "good_news") for s in feedback.suggestions)
    assert all("Amara" in s.text or "{name}" not in GUIDE_TEXT[s.id] for s in feedback.suggestions)


GUIDE_TIP = {tip.id: tip.tone for tip in GUIDE.tips}
GUIDE_TEXT = {tip.id: tip.text for tip in GUIDE.tips}


@given(
    levels=st.fixed_dictionaries(dict.fromkeys(MECHANISMS, LEVEL)),
    strategy=STRATEGY,
    emotions=st.lists(st.sampled_from(sorted(GUIDE.emotion_words)), max_size=3),
    reply=st.text(min_size=1, max_size=80),
)
def test_any_reading_gets_one_to_three_kind_specific_tips(
    levels: dict[str, str], strategy: str, emotions: list[str], reply: str
) -> None:
    feedback = compose_feedback(reading(levels, strategy, reply), emotions, GUIDE, name="Jun")
    assert 1 <= len(feedback.suggestions) <= MAX_SUGGESTIONS
    assert len({s.id for s in feedback.suggestions}) == len(feedback.suggestions)
    for tip in (*feedback.suggestions, *feedback.praise):
        assert "{" not in tip.text and GUIDE.unkind_phrases(tip.text) == ()
    for mechanism in MECHANISMS:
        if feedback.reading.level(mechanism) == "strong":
            assert not feedback.names(mechanism)
    assert 0.0 <= feedback.score <= 1.0


def test_a_warm_reply_moves_the_estimate_up_and_narrows_it() -> None:
    before = SkillEstimate(Skill.VALIDATION, 3.0, 1.0)
    after = update_estimate(before, score=0.9, weight=1.0, days=0)
    assert 3.0 < after.mean < 4.6 and after.variance < before.variance
    cold = update_estimate(before, score=0.05, weight=1.0, days=0)
    assert cold.mean < 3.0
    half = update_estimate(before, score=0.9, weight=0.5, days=0)
    assert before.mean < half.mean < after.mean  # a secondary skill moves less


def test_time_makes_old_evidence_count_less() -> None:
    settled = SkillEstimate(Skill.REPAIR, 2.0, 0.05)
    soon = update_estimate(settled, score=1.0, weight=1.0, days=0)
    later = update_estimate(settled, score=1.0, weight=1.0, days=120)
    assert later.mean > soon.mean


def test_measurement_refuses_impossible_values() -> None:
    estimate = SkillEstimate(Skill.REPAIR, 3.0, 1.0)
    with pytest.raises(InvalidInputError, match="between 0 and 1"):
        update_estimate(estimate, score=1.5, weight=1.0, days=0)
    with pytest.raises(InvalidInputError, match="weight"):
        update_estimate(estimate, score=0.5, weight=0.0, days=0)
    assert skill_weights([Skill.REPAIR, Skill.VALIDATION, Skill.REPAIR]) == {
        Skill.REPAIR: 1.0,
        Skill.VALIDATION: 0.5,
    }


def test_the_skill_part_counts_only_when_measured() -> None:
    weights = RewardWeights()
    assert weights.reward(completed=True, rating=5) == 1.0
    assert weights.reward(completed=True, rating=5, skill_change=0.5) == 1.0
    assert weights.reward(completed=True, rating=5, skill_change=-0.5) < 1.0
    assert weights.reward(completed=True, rating=3, skill_change=0.0) == pytest.approx(
        (0.4 + 0.3 + 0.2) / 1.4
    )

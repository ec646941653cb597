"""Scoring the questionnaire and the reward: rules a person would notice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attunement.content import load_questionnaire
from attunement.domain import RewardWeights, Skill
from attunement.errors import InvalidInputError, NotFoundError

QUESTIONNAIRE = load_questionnaire()
ITEMS = QUESTIONNAIRE.items


def test_reverse_keyed_items_count_the_other_way() -> None:
    agree_all = QUESTIONNAIRE.score({i.id: 5 for i in ITEMS})
    keyed_high = QUESTIONNAIRE.score({i.id: (1 if i.reverse else 5) for i in ITEMS})
    for skill in Skill:
        assert keyed_high[skill].mean > agree_all[skill].mean


@given(st.fixed_dictionaries({i.id: st.integers(1, 5) for i in ITEMS}))
def test_estimates_stay_on_the_scale_and_answers_shrink_uncertainty(answers: dict[str, int]) -> None:
    estimates = QUESTIONNAIRE.score(answers)
    partial = QUESTIONNAIRE.score(dict(list(answers.items())[: len(answers) // 2]))
    for skill, estimate in estimates.items():
        assert 1.0 <= estimate.mean <= 5.0
        assert 0.0 <= estimate.need <= 1.0
        assert estimate.variance <= partial[skill].variance


@given(st.sampled_from([i for i in ITEMS if not i.reverse]), st.integers(1, 4))
def test_agreeing_more_raises_the_estimate(item: object, low: int) -> None:
    base = {i.id: 3 for i in ITEMS}
    lower = QUESTIONNAIRE.score({**base, item.id: low})[item.skill]  # type: ignore[attr-defined]
    higher = QUESTIONNAIRE.score({**base, item.id: low + 1})[item.skill]  # type: ignore[attr-defined]
    assert higher.mean > lower.mean


@pytest.mark.parametrize("bad", [0, 6, -1, 2.5, "4", True])
def test_answers_outside_the_scale_are_refused(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="from 1 to 5"):
        QUESTIONNAIRE.score({ITEMS[0].id: bad})  # type: ignore[dict-item]


def test_unknown_item_and_goal_are_named() -> None:
    with pytest.raises(InvalidInputError, match="no item 'nope'"):
        QUESTIONNAIRE.score({"nope": 3})
    with pytest.raises(NotFoundError, match="No goal has the id 'fly'"):
        QUESTIONNAIRE.goal("fly")


def test_reward_is_a_weighted_sum_in_the_unit_interval() -> None:
    weights = RewardWeights(completion=0.4, rating=0.6)
    assert weights.reward(completed=True, rating=5) == 1.0
    assert weights.reward(completed=True, rating=1) == 0.4
    assert weights.reward(completed=True, rating=None) == 0.7
    assert weights.reward(completed=False, rating=None) == 0.0
    assert RewardWeights(0.0, 0.0, 1.0).reward(completed=True, rating=None, skill_change=0.5) == 1.0
    assert RewardWeights(0.0, 0.0, 1.0).reward(completed=True, rating=None, skill_change=-2.0) == 0.0


@pytest.mark.parametrize("rating", [0, 6, 3.5, "5"])
def test_ratings_outside_one_to_five_are_refused(rating: object) -> None:
    with pytest.raises(InvalidInputError, match="whole number from 1 to 5"):
        RewardWeights().reward(completed=True, rating=rating)  # type: ignore[arg-type]


def test_negative_or_zero_weights_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        RewardWeights(completion=-1)
    with pytest.raises(InvalidInputError):
        RewardWeights(0, 0, 0)

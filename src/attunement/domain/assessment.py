"""The onboarding questionnaire and how answers become per-skill estimates.

Each skill has a few Likert items (1-5), some reverse-keyed. A skill's estimate
is a normal posterior on the 1-5 scale: prior N(3, 1), each answered item an
observation with noise variance 0.64. Fewer answers leave more uncertainty.

Examples
--------
>>> q = Questionnaire(version=1, scale={i: str(i) for i in range(1, 6)}, items=(
...     LikertItem("v1", Skill.VALIDATION, "I let feelings be.", reverse=False),
...     LikertItem("v2", Skill.VALIDATION, "I fix things first.", reverse=True)),
...     goals=())
>>> est = q.score({"v1": 5, "v2": 1})[Skill.VALIDATION]
>>> round(est.mean, 2), round(est.sd, 2)
(4.52, 0.49)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from attunement.domain.skills import SKILLS, Skill
from attunement.errors import InvalidInputError, NotFoundError

PRIOR_MEAN = 3.0
PRIOR_VARIANCE = 1.0
ITEM_NOISE_VARIANCE = 0.64
SCALE_MIN, SCALE_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class LikertItem:
    """One statement rated from 1 (not at all like me) to 5 (very much like me)."""

    id: str
    skill: Skill
    text: str
    reverse: bool

    def keyed(self, answer: int) -> int:
        """The answer turned so that higher always means more of the skill."""
        return SCALE_MIN + SCALE_MAX - answer if self.reverse else answer


@dataclass(frozen=True, slots=True)
class Goal:
    """Something a person wants to get better at, mapped onto skills."""

    id: str
    text: str
    skills: tuple[Skill, ...]


@dataclass(frozen=True, slots=True)
class SkillEstimate:
    """Belief about one skill on the 1-5 scale: a mean and a variance."""

    skill: Skill
    mean: float
    variance: float

    @property
    def sd(self) -> float:
        """Standard deviation of the belief."""
        return math.sqrt(self.variance)

    @property
    def need(self) -> float:
        """How much room to grow, 0 (at the top of the scale) to 1 (at the bottom)."""
        return min(1.0, max(0.0, (SCALE_MAX - self.mean) / (SCALE_MAX - SCALE_MIN)))


def prior_estimates() -> dict[Skill, SkillEstimate]:
    """The belief about every skill before any answer: N(3, 1)."""
    return {s: SkillEstimate(s, PRIOR_MEAN, PRIOR_VARIANCE) for s in SKILLS}


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """The full onboarding questionnaire as loaded from content."""

    version: int
    scale: Mapping[int, str]
    items: tuple[LikertItem, ...]
    goals: tuple[Goal, ...]

    def goal(self, goal_id: str) -> Goal:
        """The goal with this id; raises :class:`NotFoundError` if there is none."""
        for goal in self.goals:
            if goal.id == goal_id:
                return goal
        known = ", ".join(g.id for g in self.goals)
        raise NotFoundError(f"No goal has the id '{goal_id}'; known goals are: {known}.")

    def validate_answers(self, answers: Mapping[str, int]) -> None:
        """Raise :class:`InvalidInputError` for unknown items or answers outside 1-5."""
        known = {item.id for item in self.items}
        for item_id, value in answers.items():
            if item_id not in known:
                raise InvalidInputError(f"The questionnaire has no item '{item_id}'.")
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInputError(f"The answer to '{item_id}' must be a whole number from 1 to 5.")
            if not SCALE_MIN <= value <= SCALE_MAX:
                raise InvalidInputError(f"The answer to '{item_id}' is {value}; answers go from 1 to 5.")

    def score(self, answers: Mapping[str, int]) -> dict[Skill, SkillEstimate]:
        """Per-skill estimates from answers (unanswered items are skipped).

        Raises :class:`InvalidInputError` for unknown items or out-of-range answers.
        """
        self.validate_answers(answers)
        estimates = prior_estimates()
        for skill in SKILLS:
            keyed = [it.keyed(answers[it.id]) for it in self.items if it.skill == skill and it.id in answers]
            precision = 1 / PRIOR_VARIANCE + len(keyed) / ITEM_NOISE_VARIANCE
            mean = (PRIOR_MEAN / PRIOR_VARIANCE + sum(keyed) / ITEM_NOISE_VARIANCE) / precision
            estimates[skill] = SkillEstimate(skill, mean, 1 / precision)
        return estimates

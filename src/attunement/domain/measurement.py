"""Measured skill: how a scored written reply updates the belief about a person's skills.

The belief about each skill is a normal distribution on the 1-5 scale
(:class:`~attunement.domain.assessment.SkillEstimate`), started by the
assessment. A written reply's empathy score ``s`` (0 to 1) is read as a noisy
observation ``y = 1 + 4 s`` of every skill its scenario practises, and the
belief is updated as a one-dimensional Kalman filter:

* **drift**: skills change, so before each update the variance grows by
  ``DRIFT_PER_DAY`` for every day since the last measurement (up to the prior
  variance), and new evidence keeps counting;
* **noise**: one reply is a noisy reading, ``OBSERVATION_SD`` = 0.9 points, and
  a skill the scenario touches only secondarily counts at half weight
  (its noise variance doubled);
* **update**: ``gain = v / (v + r)``, ``mean += gain (y - mean)``,
  ``variance = (1 - gain) v``, never below ``MIN_VARIANCE``.

So a single warm reply moves a fresh estimate by about half the gap, and a
run of them pulls it most of the way, with the uncertainty shrinking as
evidence accumulates.

Examples
--------
>>> from attunement.domain.assessment import SkillEstimate
>>> from attunement.domain.skills import Skill
>>> before = SkillEstimate(Skill.VALIDATION, 3.0, 1.0)
>>> after = update_estimate(before, score=0.9, weight=1.0, days=0)
>>> round(after.mean, 2), round(after.sd, 2)
(3.88, 0.67)
"""

from __future__ import annotations

from collections.abc import Sequence

from attunement.domain.assessment import PRIOR_VARIANCE, SkillEstimate
from attunement.domain.skills import Skill
from attunement.errors import InvalidInputError

OBSERVATION_SD = 0.9
DRIFT_PER_DAY = 0.005
MIN_VARIANCE = 0.02
SECONDARY_WEIGHT = 0.5


def observed_level(score: float) -> float:
    """A reply's empathy score (0-1) as a reading on the 1-5 skill scale."""
    if not 0.0 <= score <= 1.0:
        raise InvalidInputError(f"An empathy score must be between 0 and 1, not {score!r}.")
    return 1.0 + 4.0 * score


def update_estimate(estimate: SkillEstimate, *, score: float, weight: float, days: float) -> SkillEstimate:
    """The belief about one skill after one reply scored ``score``, ``days`` after the last reading."""
    if not 0.0 < weight <= 1.0:
        raise InvalidInputError(f"A measurement weight must be in (0, 1], not {weight!r}.")
    variance = min(estimate.variance + DRIFT_PER_DAY * max(0.0, days), max(estimate.variance, PRIOR_VARIANCE))
    noise = OBSERVATION_SD**2 / weight
    gain = variance / (variance + noise)
    mean = estimate.mean + gain * (observed_level(score) - estimate.mean)
    return SkillEstimate(estimate.skill, mean, max(MIN_VARIANCE, (1.0 - gain) * variance))


def skill_weights(skills: Sequence[Skill]) -> dict[Skill, float]:
    """How much a reply on a scenario tagged ``skills`` says about each: the first fully, others half.

    >>> skill_weights([Skill.VALIDATION, Skill.ACTIVE_LISTENING])[Skill.ACTIVE_LISTENING]
    0.5
    """
    return {skill: 1.0 if i == 0 else SECONDARY_WEIGHT for i, skill in enumerate(dict.fromkeys(skills))}

"""The reward the recommender learns from: a documented, weighted sum.

``reward = w_c * completed + w_r * rating_part + w_s * skill_part``, divided by
the sum of the weights of the parts present, so it stays in [0, 1]:

* ``completed`` is 1 when the person did the exercise, else 0;
* ``rating_part`` maps the 1-5 rating to 0..1; a missing rating counts as
  neutral (0.5) for a completed exercise and as 0 for a skipped one;
* ``skill_part`` maps a measured change in skill (points on the 1-5 scale,
  clipped to +-0.5) to 0..1; it is present only when something was measured
  (a written reply scored by the text models), and otherwise left out of both
  the sum and the divisor, so exercises without measurement keep their scale.

Defaults (``ATTUNE_REWARD_*_WEIGHT``): completion 0.4, rating 0.6, skill 0.4.

Examples
--------
>>> w = RewardWeights()
>>> w.reward(completed=True, rating=5)
1.0
>>> w.reward(completed=False, rating=None)
0.0
>>> round(w.reward(completed=True, rating=3), 2)
0.7
>>> round(w.reward(completed=True, rating=3, skill_change=0.3), 2)
0.73
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from attunement.errors import InvalidInputError

RATING_MIN, RATING_MAX = 1, 5


def validate_rating(rating: int | None) -> None:
    """Raise :class:`InvalidInputError` unless the rating is None or a whole number 1-5."""
    if rating is None:
        return
    if isinstance(rating, bool) or not isinstance(rating, int) or not RATING_MIN <= rating <= RATING_MAX:
        raise InvalidInputError(f"A rating must be a whole number from 1 to 5, not {rating!r}.")


@dataclass(frozen=True, slots=True)
class RewardWeights:
    """Weights of completion, rating and measured skill change in the reward."""

    completion: float = 0.4
    rating: float = 0.6
    skill: float = 0.4

    def __post_init__(self) -> None:
        if min(self.completion, self.rating, self.skill) < 0:
            raise InvalidInputError("Reward weights must not be negative.")
        if self.completion + self.rating + self.skill <= 0:
            raise InvalidInputError("At least one reward weight must be above zero.")

    def reward(self, *, completed: bool, rating: int | None, skill_change: float | None = None) -> float:
        """The reward in [0, 1] for one practice outcome."""
        validate_rating(rating)
        neutral = 0.5 if completed else 0.0
        rating_part = neutral if rating is None else (rating - RATING_MIN) / (RATING_MAX - RATING_MIN)
        total = self.completion * completed + self.rating * rating_part
        weight = self.completion + self.rating
        if skill_change is not None:
            total += self.skill * _skill_part(skill_change)
            weight += self.skill
        return round(total / weight, 6) if weight else 0.0


def _skill_part(change: float) -> float:
    return max(-0.5, min(0.5, change)) + 0.5


TRACK_RECORD_SHRINK = 10.0


def track_record(
    outcomes: Mapping[str, tuple[int, float]], shrink: float = TRACK_RECORD_SHRINK
) -> dict[str, float]:
    """Each exercise's mean reward above the overall mean, shrunk towards 0 for few outcomes.

    ``outcomes`` maps an exercise id to (number of outcomes, sum of rewards)
    over everyone on this install; the value is ``(sum - n * overall) / (n + shrink)``.

    Examples
    --------
    >>> record = track_record({"a": (30, 27.0), "b": (30, 15.0), "c": (0, 0.0)})
    >>> round(record["a"], 3), round(record["b"], 3), record["c"]
    (0.15, -0.15, 0.0)
    """
    total_n = sum(n for n, _ in outcomes.values())
    if total_n == 0:
        return {}
    overall = sum(s for _, s in outcomes.values()) / total_n
    return {key: (s - n * overall) / (n + shrink) for key, (n, s) in outcomes.items()}

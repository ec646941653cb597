"""Choose today's exercise for a person: constraints, Thompson sampling, reasons.

Examples
--------
>>> from attunement.content import load_catalogue
>>> from attunement.domain.assessment import prior_estimates
>>> from attunement.domain.practice import PracticeContext
>>> rec = Recommender(load_catalogue(), seed=1)
>>> stats = rec.policy.new_stats()
>>> suggestion = rec.recommend(PracticeContext(prior_estimates(), minutes_available=10), stats, stats)
>>> suggestion.exercise.minutes <= 10, 0 < suggestion.propensity <= 1
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attunement.domain.exercises import Catalogue, Exercise
from attunement.domain.practice import PracticeContext
from attunement.personalize.constraints import eligible
from attunement.personalize.explain import Reason, explanation, reasons_for
from attunement.personalize.features import ActionFeatures
from attunement.personalize.policy import POLICY_VERSION, SufficientStats, ThompsonPolicy


@dataclass(frozen=True)
class Suggestion:
    """An exercise chosen for a person, with everything needed to log and explain it."""

    exercise: Exercise
    propensity: float
    candidate_ids: tuple[str, ...]
    features: tuple[float, ...]
    reasons: tuple[Reason, ...]
    explanation: str
    expected_reward: float
    policy_version: str = POLICY_VERSION


class Recommender:
    """Suggests exercises from a catalogue with a :class:`ThompsonPolicy`.

    Parameters
    ----------
    catalogue
        The exercises to choose from; a new exercise needs no retraining.
    policy
        The bandit policy; a default :class:`ThompsonPolicy` when omitted.
    repeat_window_days
        An exercise done within this many days is not offered again.
    seed
        Seed for the default policy.
    """

    def __init__(
        self,
        catalogue: Catalogue,
        policy: ThompsonPolicy | None = None,
        repeat_window_days: int = 3,
        seed: int | None = 42,
    ) -> None:
        self.catalogue = catalogue
        self.actions = ActionFeatures(catalogue)
        self.policy = policy or ThompsonPolicy(seed=seed)
        self.repeat_window_days = repeat_window_days

    def recommend(
        self, context: PracticeContext, person: SufficientStats, population: SufficientStats
    ) -> Suggestion:
        """The suggestion for this context; never raises for an empty-looking situation."""
        phi_all = self.actions.matrix(context)
        mask, notes = eligible(self.actions, context, self.repeat_window_days)
        candidates = np.flatnonzero(mask)
        decision = self.policy.decide(phi_all[candidates], person, population)
        row = int(candidates[decision.index])
        exercise = self.catalogue.exercises[row]
        others_share = (population.n - person.n) / population.n if population.n else 1.0
        reasons = reasons_for(
            exercise,
            row,
            phi_all,
            mask,
            decision.person_mean,
            decision.population_mean,
            context,
            others_share,
        )
        explored = decision.index != int(np.argmax(decision.mean_scores))
        return Suggestion(
            exercise=exercise,
            propensity=decision.propensity,
            candidate_ids=tuple(self.actions.exercise_ids[i] for i in candidates),
            features=tuple(float(v) for v in phi_all[row]),
            reasons=tuple(reasons),
            explanation=explanation(reasons, explored, notes),
            expected_reward=float(decision.mean_scores[decision.index]),
        )

"""Learning what works for whom: features, the bandit policy, constraints and explanations."""

from __future__ import annotations

from attunement.personalize.features import FEATURE_NAMES, FEATURES_VERSION, ActionFeatures
from attunement.personalize.policy import POLICY_VERSION, SufficientStats, ThompsonPolicy
from attunement.personalize.recommender import Recommender, Suggestion

__all__ = [
    "FEATURES_VERSION",
    "FEATURE_NAMES",
    "POLICY_VERSION",
    "ActionFeatures",
    "Recommender",
    "SufficientStats",
    "Suggestion",
    "ThompsonPolicy",
]

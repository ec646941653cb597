"""Plain domain values and rules, with no I/O and no imports from the rest of the package."""

from __future__ import annotations

from attunement.domain.assessment import Goal, LikertItem, Questionnaire, SkillEstimate
from attunement.domain.exercises import MODALITIES, Catalogue, Exercise, Modality
from attunement.domain.rewards import RewardWeights
from attunement.domain.skills import SKILLS, Skill

__all__ = [
    "MODALITIES",
    "SKILLS",
    "Catalogue",
    "Exercise",
    "Goal",
    "LikertItem",
    "Modality",
    "Questionnaire",
    "RewardWeights",
    "Skill",
    "SkillEstimate",
]

"""Feature vectors for (person, exercise) pairs, built for a whole catalogue at once.

Each exercise gets one row of ``FEATURE_NAMES``; every value lies roughly in
[0, 1]. The first groups describe the exercise alone (so a person's own taste
for skills, modalities, difficulty and length can be learned); the rest cross
the person's context with the exercise (need, goals, stated preferences,
staleness, engagement, time of day), so what is learned from one person
carries over to people with similar answers.

Examples
--------
>>> from attunement.domain import Catalogue, Exercise, Modality, Skill
>>> from attunement.domain.assessment import prior_estimates
>>> from attunement.domain.practice import PracticeContext
>>> cat = Catalogue([Exercise("e", "E", (Skill.REPAIR,), Modality.ROLE_PLAY, 5, 2, "Do.", "Why?")])
>>> phi = ActionFeatures(cat).matrix(PracticeContext(prior_estimates(), minutes_available=10))
>>> phi.shape == (1, N_FEATURES)
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from attunement.domain.exercises import DIFFICULTIES, MODALITIES, Catalogue
from attunement.domain.practice import PracticeContext
from attunement.domain.skills import SKILL_INDEX, SKILLS

FEATURES_VERSION = "f2"
STALE_AFTER_DAYS = 14.0
SECONDARY_SKILL_WEIGHT = 0.5

FEATURE_NAMES: tuple[str, ...] = (
    *(f"skill:{s.value}" for s in SKILLS),
    *(f"modality:{m.value}" for m in MODALITIES),
    *(f"difficulty:{d}" for d in DIFFICULTIES),
    "length",
    "need",
    "goal",
    "liked_modality",
    "difficulty_fit",
    "staleness",
    "engagement_x_length",
    "evening_x_length",
    "track_record",
    "bias",
)
N_FEATURES = len(FEATURE_NAMES)
_COL = {name: i for i, name in enumerate(FEATURE_NAMES)}
_N_SKILLS, _N_MODALITIES = len(SKILLS), len(MODALITIES)
_MODALITY_START = _N_SKILLS
_DIFFICULTY_START = _MODALITY_START + _N_MODALITIES


def column(name: str) -> int:
    """Index of a named feature in the vector."""
    return _COL[name]


class ActionFeatures:
    """Per-exercise features of a catalogue, precomputed once and crossed with each context."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.exercise_ids = [e.id for e in catalogue]
        n = len(self.exercise_ids)
        tags = np.zeros((n, _N_SKILLS))
        modality = np.zeros((n, _N_MODALITIES))
        difficulty = np.zeros((n, len(DIFFICULTIES)))
        for row, exercise in enumerate(catalogue):
            for rank, skill in enumerate(exercise.skills):
                tags[row, SKILL_INDEX[skill]] = 1.0 if rank == 0 else SECONDARY_SKILL_WEIGHT
            modality[row, MODALITIES.index(exercise.modality)] = 1.0
            difficulty[row, exercise.difficulty - 1] = 1.0
        self.tags = tags
        self._tag_share = tags / tags.sum(axis=1, keepdims=True)
        self.modality = modality
        self.difficulty = difficulty
        self.minutes = np.array([e.minutes for e in catalogue], dtype=float)
        self.primary = np.array([SKILL_INDEX[e.primary_skill] for e in catalogue])
        self._static = np.hstack([tags, modality, difficulty])

    def matrix(self, context: PracticeContext) -> NDArray[np.float64]:
        """The feature matrix, one row per exercise in catalogue order."""
        need = np.array([context.estimates[s].need for s in SKILLS])
        level = 1.0 - need
        goals = np.array([float(s in context.goal_skills) for s in SKILLS])
        liked = np.array([float(m in context.liked_modalities) for m in MODALITIES])
        stale = (
            np.array(
                [min(context.days_since_skill.get(s, STALE_AFTER_DAYS), STALE_AFTER_DAYS) for s in SKILLS]
            )
            / STALE_AFTER_DAYS
        )
        length = np.minimum(self.minutes / max(context.minutes_available, 1), 1.5)
        difficulty_level = (self.difficulty @ np.array(DIFFICULTIES, dtype=float) - 1) / 2
        evening = float(context.hour >= 18 or context.hour < 5)

        phi = np.empty((len(self.exercise_ids), N_FEATURES))
        phi[:, : _DIFFICULTY_START + len(DIFFICULTIES)] = self._static
        phi[:, _COL["length"]] = length
        phi[:, _COL["need"]] = self._tag_share @ need
        phi[:, _COL["goal"]] = self._tag_share @ goals
        phi[:, _COL["liked_modality"]] = self.modality @ liked if liked.any() else 0.0
        phi[:, _COL["difficulty_fit"]] = 1.0 - np.abs(difficulty_level - level[self.primary])
        phi[:, _COL["staleness"]] = self._tag_share @ stale
        phi[:, _COL["engagement_x_length"]] = (1.0 - context.engagement) * length
        phi[:, _COL["evening_x_length"]] = evening * length
        record = context.track_record
        phi[:, _COL["track_record"]] = [record.get(i, 0.0) for i in self.exercise_ids] if record else 0.0
        phi[:, _COL["bias"]] = 1.0
        return phi

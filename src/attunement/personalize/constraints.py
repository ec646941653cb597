"""Hard constraints on what may be suggested: time, modality, and no recent repeats.

When nothing satisfies every constraint, they are relaxed one at a time
(repeats first, then modality, then time) and the relaxation is reported.

Examples
--------
>>> from attunement.domain import Catalogue, Exercise, Modality, Skill
>>> from attunement.domain.assessment import prior_estimates
>>> from attunement.domain.practice import PracticeContext
>>> cat = Catalogue([Exercise("e", "E", (Skill.REPAIR,), Modality.ROLE_PLAY, 15, 2, "Do.", "Why?")])
>>> mask, notes = eligible(ActionFeatures(cat), PracticeContext(prior_estimates(), 5), 3)
>>> mask.tolist(), notes
([True], ('Nothing fits in 5 minutes, so this is the shortest that suits you.',))
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from attunement.domain.exercises import MODALITIES
from attunement.domain.practice import PracticeContext
from attunement.personalize.features import ActionFeatures


def eligible(
    actions: ActionFeatures, context: PracticeContext, repeat_window_days: int
) -> tuple[NDArray[np.bool_], tuple[str, ...]]:
    """Which exercises may be offered, and a note for each constraint that had to be relaxed."""
    fits_time = actions.minutes <= context.minutes_available
    if context.liked_modalities:
        liked = np.array([m in context.liked_modalities for m in MODALITIES])
        fits_modality = (actions.modality @ liked) > 0
    else:
        fits_modality = np.ones(len(actions.exercise_ids), dtype=bool)
    not_recent = np.array(
        [
            context.days_since_exercise.get(exercise_id, np.inf) >= repeat_window_days
            for exercise_id in actions.exercise_ids
        ]
    )
    notes: list[str] = []
    mask = fits_time & fits_modality & not_recent
    if not mask.any():
        mask = fits_time & fits_modality
        notes.append("You have done every exercise that fits recently, so this one comes round again.")
    if not mask.any():
        mask = fits_time
        notes.append("None of the kinds of practice you picked fits the time, so this is another kind.")
    if not mask.any():
        shortest = actions.minutes[fits_modality].min() if fits_modality.any() else actions.minutes.min()
        mask = (actions.minutes <= shortest) & (fits_modality if fits_modality.any() else True)
        notes = [
            f"Nothing fits in {context.minutes_available} minutes, so this is the shortest that suits you."
        ]
    return mask, tuple(notes)

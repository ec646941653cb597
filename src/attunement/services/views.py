"""What the services hand to interfaces: plain, decrypted, read-only values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from attunement.domain.assessment import SkillEstimate
from attunement.domain.exercises import Exercise, Modality
from attunement.domain.skills import Skill


@dataclass(frozen=True)
class PersonView:
    """A person and their stated preferences."""

    id: str
    handle: str
    display_name: str | None
    minutes_per_day: int
    liked_modalities: tuple[Modality, ...]
    goals: tuple[str, ...]
    consents: dict[str, bool]
    created_at: datetime


@dataclass(frozen=True)
class AssessmentResult:
    """Per-skill estimates from a questionnaire, with the previous ones when it was retaken."""

    estimates: dict[Skill, SkillEstimate]
    previous: dict[Skill, SkillEstimate] | None
    goals: tuple[str, ...]

    def change(self, skill: Skill) -> float | None:
        """How far the estimate moved since the previous questionnaire (``None`` the first time)."""
        if self.previous is None:
            return None
        return self.estimates[skill].mean - self.previous[skill].mean


@dataclass(frozen=True)
class SuggestionView:
    """Today's exercise, why it was chosen, and the id to report the outcome against."""

    recommendation_id: str
    exercise: Exercise
    explanation: str
    reasons: tuple[str, ...]
    propensity: float


@dataclass(frozen=True)
class AttemptResult:
    """What was recorded for a suggestion."""

    recommendation_id: str
    completed: bool
    rating: int | None
    reward: float
    reflection_stored: bool
    skill_change: float | None = None
    """The change in skill that written replies to this suggestion measured, if any."""


@dataclass(frozen=True)
class SkillProgress:
    """One row of the progress table."""

    skill: Skill
    estimate: SkillEstimate
    first_mean: float
    practised_30d: int
    last_practised: datetime | None
    mean_rating: float | None
    weekly_counts: tuple[int, ...]
    """Exercises on this skill per week, oldest first, last 8 weeks."""
    written_30d: int = 0
    """Written replies on scenarios for this skill in the last 30 days."""
    mean_score: float | None = None
    """Mean empathy score (0-1) of the last five such replies."""
    weekly_estimates: tuple[float, ...] = ()
    """The estimate's mean at the end of each of the last 8 weeks, oldest first."""

    @property
    def change(self) -> float:
        """Movement of the estimate since it was first measured."""
        return self.estimate.mean - self.first_mean

    @property
    def shown_change(self) -> float:
        """The change to one decimal, as the progress views show it; never -0.0.

        >>> round(-0.04, 1), round(-0.04, 1) + 0.0
        (-0.0, 0.0)
        """
        return round(self.change, 1) + 0.0


@dataclass(frozen=True)
class Progress:
    """A person's per-skill progress and practice totals."""

    skills: tuple[SkillProgress, ...]
    completed: int
    suggested: int
    assessments: int
    mean_rating: float | None
    written: int = 0
    """Written replies scored, in all."""


@dataclass(frozen=True)
class AttemptView:
    """One past practice attempt, with the reflection decrypted."""

    exercise: Exercise
    completed: bool
    rating: int | None
    reflection: str | None
    recorded_at: datetime

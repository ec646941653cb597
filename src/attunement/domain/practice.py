"""What the recommender knows about a person at the moment it chooses.

Examples
--------
>>> from attunement.domain.assessment import prior_estimates
>>> ctx = PracticeContext(estimates=prior_estimates(), minutes_available=10)
>>> ctx.goal_skills, ctx.liked_modalities
(frozenset(), frozenset())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from attunement.domain.assessment import SkillEstimate
from attunement.domain.exercises import Modality
from attunement.domain.skills import Skill


@dataclass(frozen=True)
class PracticeContext:
    """A person's situation now: beliefs about their skills, goals, preferences and history."""

    estimates: Mapping[Skill, SkillEstimate]
    minutes_available: int
    goal_skills: frozenset[Skill] = frozenset()
    goal_texts: Mapping[Skill, str] = field(default_factory=dict)
    liked_modalities: frozenset[Modality] = frozenset()
    days_since_skill: Mapping[Skill, float] = field(default_factory=dict)
    """Days since each skill was last practised; missing means never."""
    days_since_exercise: Mapping[str, float] = field(default_factory=dict)
    """Days since each exercise was last done; missing means never."""
    engagement: float = 0.5
    """Share of recent suggestions the person completed, 0..1 (0.5 with no history)."""
    hour: int = 12
    """Local hour of the day, 0-23."""
    track_record: Mapping[str, float] = field(default_factory=dict)
    """How much better than average each exercise has gone for everyone (see :func:`track_record`)."""

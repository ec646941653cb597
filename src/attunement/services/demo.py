"""A demo person with a plausible month of practice, for tours and screenshots.

The demo person answers the questionnaire like someone who listens well but
rushes to fix things, then practises most days for four weeks, rating the
exercises that suit them higher, and retakes the questionnaire after three
weeks with some growth in validation and reflective responding.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from attunement.domain.skills import Skill
from attunement.services.practice import PracticeService
from attunement.services.views import PersonView

DEMO_HANDLE = "demo"
_WEAK = {Skill.VALIDATION, Skill.REFLECTIVE_RESPONDING, Skill.SELF_COMPASSION, Skill.CROSS_CULTURAL}
_STRONG = {Skill.ACTIVE_LISTENING, Skill.EMPATHIC_CONCERN, Skill.PERSPECTIVE_TAKING}
_REFLECTIONS = (
    "I noticed how quickly I wanted to offer a fix. Waiting a moment changed the whole conversation.",
    "Naming what she might be feeling felt awkward at first, but she nodded and kept talking.",
    "Harder than I expected. I will try it again with my brother this weekend.",
    "I caught myself judging, then got curious instead. That felt better for both of us.",
)


def _answers(
    service: PracticeService, base: dict[str, float], rng: random.Random, growth: float
) -> dict[str, int]:
    answers = {}
    for item in service.questionnaire.items:
        level = base[item.id] + (growth if item.skill in _WEAK else 0.0) + rng.gauss(0, 0.15)
        answers[item.id] = item.keyed(round(min(5, max(1, level))))  # keyed() is its own inverse
    return answers


def seed_demo(
    service: PracticeService,
    *,
    handle: str = DEMO_HANDLE,
    days: int = 28,
    seed: int = 7,
    now: datetime | None = None,
) -> PersonView:
    """Create the demo person with ``days`` of history, or return them if they exist."""
    existing = [p for p in service.people() if p.handle == handle]
    if existing:
        return existing[0]
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    start = now - timedelta(days=days)
    service.create_person(
        handle,
        display_name="Demo Person",
        minutes_per_day=10,
        liked_modalities=("reflection", "written_reply", "in_conversation"),
        at=start,
    )
    base = {
        item.id: (2.2 if item.skill in _WEAK else 4.2 if item.skill in _STRONG else 3.3) + rng.gauss(0, 0.3)
        for item in service.questionnaire.items
    }
    goals = ("support_without_fixing", "understand_cultures")
    known = {g.id for g in service.questionnaire.goals}
    service.record_assessment(
        handle, _answers(service, base, rng, 0.0), [g for g in goals if g in known], at=start
    )
    for day in range(1, days):
        moment = start + timedelta(days=day, hours=rng.choice([8, 13, 20]))
        if day == days - 7:
            retake = _answers(service, base, rng, 0.8)
            service.record_assessment(handle, retake, [g for g in goals if g in known], at=moment)
        if rng.random() < 0.2:  # some days are skipped entirely
            continue
        suggestion = service.next_exercise(handle, at=moment)
        exercise = suggestion.exercise
        liked = exercise.primary_skill in _WEAK or exercise.modality.value == "written_reply"
        completed = rng.random() < (0.9 if liked else 0.6)
        rating = None
        if completed:
            rating = min(5, max(1, round(rng.gauss(4.2 if liked else 3.0, 0.7))))
        reflection = rng.choice(_REFLECTIONS) if completed and rng.random() < 0.4 else None
        service.record_attempt(
            suggestion.recommendation_id, completed=completed, rating=rating, reflection=reflection, at=moment
        )
    return service.person(handle)

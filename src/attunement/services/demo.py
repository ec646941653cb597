"""A demo person with a plausible month of practice and a partner, for tours and screenshots.

The demo person answers the questionnaire like someone who listens well but
rushes to fix things, then practises most days for four weeks, rating the
exercises that suit them higher, and retakes the questionnaire after three
weeks with some growth in validation and reflective responding.

They are linked with a partner, ``alex``, who filled in a support map and
checks in most evenings (mood only, shared); the demo person gets a support
suggestion each time and alex rates how supported they felt, so the pair
bandit has a month of learning to show. No text is involved, so no model is
loaded.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from attunement.domain.skills import Skill
from attunement.services.practice import PracticeService
from attunement.services.views import PersonView

DEMO_HANDLE = "demo"
DEMO_PARTNER = "alex"
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
    if not any(p.handle == DEMO_PARTNER for p in service.people()):
        _seed_partner(service, handle, rng, start, days)
    return service.person(handle)


def _seed_partner(
    service: PracticeService, handle: str, rng: random.Random, start: datetime, days: int
) -> None:
    from attunement.services.partners import PartnerService
    from attunement.services.text import TextService

    partners = PartnerService(service, TextService(service.settings))
    service.create_person(DEMO_PARTNER, display_name="Alex", at=start)
    partners.accept(handle, partners.invite(DEMO_PARTNER, at=start).code, at=start)
    partners.set_support_map(
        DEMO_PARTNER, "work_study", helps=["listening", "closeness"], not_helpful=["practical"]
    )
    partners.set_support_map(DEMO_PARTNER, "family", helps=["reflection", "listening"], not_helpful=["space"])
    partners.set_support_map(DEMO_PARTNER, "everyday", helps=["together"], not_helpful=["information"])
    partners.set_support_map(handle, "work_study", helps=["space", "practical"], not_helpful=["reassurance"])
    liked = {"listening": 5, "closeness": 4, "reflection": 4, "together": 4, "reassurance": 4}
    for day in range(2, days):
        if rng.random() < 0.3:
            continue
        moment = start + timedelta(days=day, hours=21)
        context = rng.choice(["work_study", "work_study", "family", "everyday", "health"])
        mood = max(1, min(5, round(rng.gauss(2.8 if context == "work_study" else 3.5, 0.9))))
        partners.checkin(DEMO_PARTNER, mood, context=context, share="mood", at=moment)
        for suggestion in partners.suggestions(handle, limit=1):
            if not suggestion.rated and rng.random() < 0.85:
                rating = max(1, min(5, round(rng.gauss(liked.get(suggestion.kind.value, 2.6), 0.7))))
                partners.rate(DEMO_PARTNER, suggestion.id, rating, at=moment + timedelta(hours=1))

"""The practice loop through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from attunement.config import Settings
from attunement.domain import Modality, Skill
from attunement.domain.consent import Purpose
from attunement.errors import InvalidInputError, NotFoundError
from attunement.personalize.policy import POLICY_VERSION
from attunement.services import PracticeService, seed_demo
from attunement.store.tables import FeedbackEventRow, PolicyStateRow, RecommendationRow
from tests.conftest import neutral_answers

START = datetime(2026, 9, 1, 9, tzinfo=UTC)


def test_a_suggestion_is_logged_with_propensity_and_reasons(service: PracticeService) -> None:
    service.create_person("ana", liked_modalities=["reflection", "written_reply"])
    service.record_assessment("ana", neutral_answers(service), ["listen_better"])
    suggestion = service.next_exercise("ana")
    assert suggestion.exercise.modality in {Modality.REFLECTION, Modality.WRITTEN_REPLY}
    assert suggestion.explanation.startswith("Suggested")
    with service.db.session() as session:
        row = session.get(RecommendationRow, suggestion.recommendation_id)
        assert row is not None
        assert 0 < row.propensity <= 1
        assert suggestion.exercise.id in row.candidates
        assert row.policy_version == POLICY_VERSION
        assert len(row.features) > 10


def test_outcomes_are_learned_and_survive_a_restart(service: PracticeService, settings: Settings) -> None:
    service.create_person("ana")
    suggestion = service.next_exercise("ana")
    result = service.record_attempt(suggestion.recommendation_id, completed=True, rating=5)
    assert result.reward == 1.0
    restarted = PracticeService.open(settings)
    with restarted.db.session() as session:
        states = {row.key: row for row in session.scalars(sa.select(PolicyStateRow))}
        kinds = sorted(e.kind for e in session.scalars(sa.select(FeedbackEventRow)))
    person_id = restarted.person("ana").id
    assert set(states) == {"population", f"person:{person_id}"}
    assert kinds == ["completed", "rating"]
    with restarted.db.session() as session:
        person_stats = restarted._stats(session, f"person:{person_id}")
    restarted.db.engine.dispose()
    assert person_stats.n == 1


def test_a_person_who_loves_one_kind_of_practice_gets_more_of_it(service: PracticeService) -> None:
    service.create_person("lee", minutes_per_day=20)
    service.record_assessment("lee", neutral_answers(service))
    picks = []
    for day in range(45):
        suggestion = service.next_exercise("lee", at=START + timedelta(days=day))
        loved = suggestion.exercise.modality is Modality.OBSERVATION
        service.record_attempt(
            suggestion.recommendation_id,
            completed=loved,
            rating=5 if loved else None,
            at=START + timedelta(days=day, minutes=5),
        )
        picks.append(loved)
    base_rate = sum(e.modality is Modality.OBSERVATION for e in service.catalogue) / len(service.catalogue)
    assert base_rate < 0.3
    assert sum(picks[-15:]) / 15 >= max(0.66, 2 * base_rate)


def test_no_exercise_repeats_within_the_window(service: PracticeService) -> None:
    service.create_person("kim", minutes_per_day=3)
    seen: dict[str, datetime] = {}
    for day in range(12):
        moment = START + timedelta(days=day)
        suggestion = service.next_exercise("kim", at=moment)
        last = seen.get(suggestion.exercise.id)
        assert last is None or moment - last >= timedelta(days=service.settings.repeat_window_days)
        service.record_attempt(suggestion.recommendation_id, completed=True, rating=5, at=moment)
        seen[suggestion.exercise.id] = moment


def test_retaking_the_questionnaire_shows_the_change(service: PracticeService) -> None:
    service.create_person("ana")
    first = service.record_assessment("ana", neutral_answers(service, 2), at=START)
    assert first.previous is None and first.change(Skill.VALIDATION) is None
    answers = {item.id: (1 if item.reverse else 4) for item in service.questionnaire.items}
    second = service.record_assessment("ana", answers, at=START + timedelta(days=30))
    assert second.change(Skill.VALIDATION) is not None and second.change(Skill.VALIDATION) > 0.5
    progress = service.progress("ana")
    row = next(r for r in progress.skills if r.skill is Skill.VALIDATION)
    assert row.change == pytest.approx(second.change(Skill.VALIDATION))
    assert progress.assessments == 2


def test_progress_counts_practice_per_skill(service: PracticeService) -> None:
    service.create_person("ana")
    now = datetime.now(UTC)
    suggestion = service.next_exercise("ana", at=now - timedelta(days=2))
    service.record_attempt(suggestion.recommendation_id, completed=True, rating=4, at=now - timedelta(days=2))
    progress = service.progress("ana", at=now)
    practised = [r for r in progress.skills if r.practised_30d]
    assert {r.skill for r in practised} == set(suggestion.exercise.skills)
    assert all(r.mean_rating == 4 and r.weekly_counts[-1] == 1 for r in practised)
    assert progress.completed == 1 and progress.suggested == 1


def test_without_personalization_consent_nothing_is_learned(service: PracticeService) -> None:
    service.create_person("ana", consents=[Purpose.STORE_REFLECTIONS])
    suggestion = service.next_exercise("ana")
    service.record_attempt(suggestion.recommendation_id, completed=True, rating=5)
    with service.db.session() as session:
        assert session.scalars(sa.select(PolicyStateRow)).all() == []


def test_without_reflection_consent_the_reflection_is_not_kept(service: PracticeService) -> None:
    service.create_person("ana")
    service.set_consent("ana", Purpose.STORE_REFLECTIONS, False)
    suggestion = service.next_exercise("ana")
    result = service.record_attempt(
        suggestion.recommendation_id, completed=True, reflection="private thought"
    )
    assert not result.reflection_stored
    assert service.history("ana")[0].reflection is None
    assert service.person("ana").consents == {
        "personalization": True,
        "store_reflections": False,
        "share_patterns": False,
    }


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: s.next_exercise("ghost"), NotFoundError, "Nobody called 'ghost'"),
        (
            lambda s: s.record_attempt("nope", completed=True),
            NotFoundError,
            "No suggestion has the id 'nope'",
        ),
        (lambda s: s.create_person("Bad Handle!"), InvalidInputError, "A handle is"),
        (lambda s: s.create_person("ana"), InvalidInputError, "The handle 'ana' is taken"),
        (
            lambda s: s.create_person("zed", liked_modalities=["dance"]),
            InvalidInputError,
            "'dance' is not a kind",
        ),
        (lambda s: s.next_exercise("ana", minutes=0), InvalidInputError, "Minutes must be"),
        (lambda s: s.record_assessment("ana", {"x": 3}), InvalidInputError, "Please answer at least"),
        (lambda s: s.record_assessment("ana", neutral_answers(s), ["fly"]), NotFoundError, "No goal"),
        (lambda s: s.set_consent("ana", "marketing", True), InvalidInputError, "not a consent purpose"),
    ],
)
def test_bad_input_is_one_sentence(service: PracticeService, call: object, error: type, message: str) -> None:
    service.create_person("ana")
    with pytest.raises(error, match=message):
        call(service)  # type: ignore[operator]


def test_a_bad_rating_records_nothing(service: PracticeService) -> None:
    service.create_person("ana")
    suggestion = service.next_exercise("ana")
    for rating in (0, 6):
        with pytest.raises(InvalidInputError, match="from 1 to 5"):
            service.record_attempt(suggestion.recommendation_id, completed=True, rating=rating)
    assert service.history("ana") == []
    service.record_attempt(suggestion.recommendation_id, completed=True, rating=3)
    with pytest.raises(InvalidInputError, match="already has an outcome"):
        service.record_attempt(suggestion.recommendation_id, completed=True, rating=3)
    assert len(service.history("ana")) == 1


def test_too_long_reflection_is_refused(service: PracticeService) -> None:
    service.create_person("ana")
    suggestion = service.next_exercise("ana")
    with pytest.raises(InvalidInputError, match="at most 10,000 characters"):
        service.record_attempt(suggestion.recommendation_id, completed=True, reflection="x" * 10_001)


def test_demo_person_has_a_plausible_month(service: PracticeService) -> None:
    person = seed_demo(service)
    progress = service.progress(person.handle)
    assert progress.completed >= 10 and progress.assessments == 2
    assert any(r.change > 0 for r in progress.skills)
    assert seed_demo(service).id == person.id  # idempotent


def test_everyones_outcomes_become_each_exercises_track_record(service: PracticeService) -> None:
    from attunement.store import repositories as repo

    service.create_person("ana")
    service.create_person("ben")
    rewards: dict[str, list[float]] = {}
    for day, handle in enumerate(["ana", "ben", "ana", "ben"]):
        suggestion = service.next_exercise(handle, at=START + timedelta(days=day))
        result = service.record_attempt(suggestion.recommendation_id, completed=True, rating=5 - day)
        rewards.setdefault(suggestion.exercise.id, []).append(result.reward)
    with service.db.session() as session:
        outcomes = repo.exercise_outcomes(session)
        person = repo.person_by_handle(session, "ana")
        context = service._context(session, person, None, START + timedelta(days=5))
    assert outcomes == {k: (len(v), pytest.approx(sum(v))) for k, v in rewards.items()}
    best = max(rewards, key=lambda k: sum(rewards[k]) / len(rewards[k]))
    assert context.track_record[best] > 0


def test_the_track_record_is_kept_briefly_per_process_and_this_process_outcomes_show_at_once(
    settings: Settings,
) -> None:
    from attunement.store import repositories as repo

    def record_of(service: PracticeService) -> dict[str, float]:
        with service.db.session() as session:
            person = repo.person_by_handle(session, "ana")
            return dict(service._context(session, person, None, START).track_record)

    this = PracticeService.open(settings.model_copy(update={"track_record_ttl_s": 3600}))
    other = PracticeService.open(settings)  # another worker process on the same database
    this.create_person("ana")
    first = this.next_exercise("ana", at=START)
    this.record_attempt(first.recommendation_id, completed=True, rating=5, at=START)
    assert record_of(this) == {first.exercise.id: 0.0}  # seen at once: this process recorded it
    second = other.next_exercise("ana", at=START + timedelta(days=1))  # another exercise: no repeats
    other.record_attempt(second.recommendation_id, completed=False, at=START + timedelta(days=1))
    assert record_of(this) == {first.exercise.id: 0.0}  # another process's outcome: within the TTL
    fresh = PracticeService.open(settings.model_copy(update={"track_record_ttl_s": 0}))
    assert set(record_of(fresh)) == {first.exercise.id, second.exercise.id}
    for service in (this, other, fresh):
        service.db.engine.dispose()

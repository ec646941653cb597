"""Practice use cases: people, assessment, today's exercise, outcomes, progress.

This is the one layer that touches the store. Every method opens its own unit
of work, so a failure leaves the database as it was.

Examples
--------
>>> from attunement.config import Settings
>>> service = PracticeService.open(Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY, seed=3))
>>> _ = service.create_person("sam", minutes_per_day=10)
>>> suggestion = service.next_exercise("sam")
>>> service.record_attempt(suggestion.recommendation_id, completed=True, rating=4).reward
0.85
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.orm import Session

from attunement.config import Settings
from attunement.content import load_catalogue, load_questionnaire
from attunement.domain.assessment import PRIOR_MEAN, Questionnaire, SkillEstimate, prior_estimates
from attunement.domain.consent import WORDING_VERSION, Purpose
from attunement.domain.exercises import Catalogue, Modality
from attunement.domain.practice import PracticeContext
from attunement.domain.rewards import RewardWeights, track_record, validate_rating
from attunement.domain.skills import SKILLS, Skill
from attunement.errors import InvalidInputError, NotFoundError
from attunement.personalize import POLICY_VERSION, Recommender, SufficientStats
from attunement.services.clock import aware as _aware
from attunement.services.clock import now as _now
from attunement.services.policy_state import load_many, load_stats, save_stats
from attunement.services.views import (
    AssessmentResult,
    AttemptResult,
    AttemptView,
    PersonView,
    Progress,
    SkillProgress,
    SuggestionView,
)
from attunement.store import repositories as repo
from attunement.store.crypto import load_master_key
from attunement.store.db import Database
from attunement.store.keys import Keyring
from attunement.store.tables import (
    AssessmentRow,
    ConsentRow,
    FeedbackEventRow,
    PersonRow,
    PracticeAttemptRow,
    RecommendationRow,
    SkillEstimateRow,
    WrittenAttemptRow,
)

TEST_MASTER_KEY = "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE="
"""A fixed master key for examples and tests only; never for real data."""

HANDLE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_REFLECTION_CHARS = 10_000
ENGAGEMENT_WINDOW = timedelta(days=14)
DEFAULT_CONSENTS = (Purpose.PERSONALIZATION, Purpose.STORE_REFLECTIONS)


class PracticeService:
    """Use cases of empathy practice over one database, catalogue and questionnaire."""

    def __init__(
        self,
        db: Database,
        keyring: Keyring,
        settings: Settings,
        catalogue: Catalogue | None = None,
        questionnaire: Questionnaire | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.settings = settings
        self.catalogue = catalogue or load_catalogue(settings.extra_exercise_dirs)
        self.questionnaire = questionnaire or load_questionnaire()
        self.recommender = Recommender(
            self.catalogue, repeat_window_days=settings.repeat_window_days, seed=settings.seed
        )
        self.reward_weights = RewardWeights(
            settings.reward_completion_weight, settings.reward_rating_weight, settings.reward_skill_weight
        )
        # (monotonic time read, track record) and who is reading it again: see _track_record.
        self._track_record_cache: tuple[float, Mapping[str, float]] | None = None
        self._track_record_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, *, create_key: bool = True) -> PracticeService:
        """Open the database (migrating it) and the master key named by ``settings``."""
        master = load_master_key(settings.master_key, settings.master_key_path, create=create_key)
        db = Database.open(settings.resolved_database_url, timeout_s=settings.db_timeout_s)
        return cls(db, Keyring(master), settings)

    # people -------------------------------------------------------------

    def create_person(
        self,
        handle: str,
        *,
        display_name: str | None = None,
        minutes_per_day: int = 10,
        liked_modalities: Iterable[Modality | str] = (),
        consents: Iterable[Purpose] = DEFAULT_CONSENTS,
        at: datetime | None = None,
    ) -> PersonView:
        """Add a person with their preferences and consents.

        Raises :class:`InvalidInputError` for a malformed or taken handle or bad preferences.
        """
        if not HANDLE_PATTERN.match(handle):
            raise InvalidInputError(
                "A handle is 1-64 lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit."
            )
        modalities = _modalities(liked_modalities)
        _check_minutes(minutes_per_day)
        granted = set(consents)
        with self.db.session() as session:
            if session.query(PersonRow.id).filter(PersonRow.handle == handle).first():
                raise InvalidInputError(f"The handle '{handle}' is taken; choose another.")
            person = PersonRow(
                id=uuid.uuid4().hex,
                handle=handle,
                minutes_per_day=minutes_per_day,
                liked_modalities=[m.value for m in modalities],
                goals=[],
                created_at=_now(at),
            )
            session.add(person)
            session.flush()
            self.keyring.create_key(session, person.id)
            if display_name:
                person.display_name = self.keyring.seal(session, person.id, display_name)
            for purpose in Purpose:
                session.add(
                    ConsentRow(
                        person_id=person.id,
                        purpose=purpose.value,
                        granted=purpose in granted,
                        wording_version=WORDING_VERSION,
                        recorded_at=_now(at),
                    )
                )
            session.flush()
            return self._view(session, person)

    def person(self, handle: str) -> PersonView:
        """The person with this handle; raises :class:`NotFoundError`."""
        with self.db.session() as session:
            return self._view(session, repo.person_by_handle(session, handle))

    def people(self) -> list[PersonView]:
        """Everyone on this install, oldest first."""
        with self.db.session() as session:
            return [self._view(session, p) for p in repo.all_people(session)]

    def set_preferences(
        self,
        handle: str,
        *,
        minutes_per_day: int | None = None,
        liked_modalities: Iterable[Modality | str] | None = None,
    ) -> PersonView:
        """Change how long and in which ways a person likes to practise."""
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            if minutes_per_day is not None:
                _check_minutes(minutes_per_day)
                person.minutes_per_day = minutes_per_day
            if liked_modalities is not None:
                person.liked_modalities = [m.value for m in _modalities(liked_modalities)]
            return self._view(session, person)

    def set_consent(
        self, handle: str, purpose: Purpose | str, granted: bool, *, at: datetime | None = None
    ) -> None:
        """Grant or withdraw a purpose; the ledger keeps every decision."""
        purpose = Purpose.parse(purpose)
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            session.add(
                ConsentRow(
                    person_id=person.id,
                    purpose=purpose.value,
                    granted=granted,
                    wording_version=WORDING_VERSION,
                    recorded_at=_now(at),
                )
            )

    def _view(self, session: Session, person: PersonRow) -> PersonView:
        return PersonView(
            id=person.id,
            handle=person.handle,
            display_name=self.keyring.open(session, person.id, person.display_name),
            minutes_per_day=person.minutes_per_day,
            liked_modalities=tuple(Modality(m) for m in person.liked_modalities),
            goals=tuple(person.goals),
            consents=repo.latest_consents(session, person.id),
            created_at=_aware(person.created_at),
        )

    # assessment ----------------------------------------------------------

    def record_assessment(
        self,
        handle: str,
        answers: Mapping[str, int],
        goals: Iterable[str] = (),
        *,
        at: datetime | None = None,
    ) -> AssessmentResult:
        """Score a completed questionnaire and keep it; shows the change on a retake.

        Raises :class:`InvalidInputError` for unknown items, answers outside 1-5, or
        too few answers, and :class:`NotFoundError` for unknown goals.
        """
        goal_ids = tuple(dict.fromkeys(goals))
        for goal_id in goal_ids:
            self.questionnaire.goal(goal_id)
        if len(answers) < len(self.questionnaire.items) // 2:
            raise InvalidInputError(
                f"Please answer at least {len(self.questionnaire.items) // 2} of the "
                f"{len(self.questionnaire.items)} statements."
            )
        estimates = self.questionnaire.score(answers)
        moment = _now(at)
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            previous = self._assessed_estimates(session, person.id)
            row = AssessmentRow(
                person_id=person.id,
                questionnaire_version=self.questionnaire.version,
                answers=dict(answers),
                goals=list(goal_ids),
                taken_at=moment,
            )
            session.add(row)
            session.flush()
            for estimate in estimates.values():
                session.add(
                    SkillEstimateRow(
                        person_id=person.id,
                        skill=estimate.skill.value,
                        mean=estimate.mean,
                        variance=estimate.variance,
                        source="assessment",
                        assessment_id=row.id,
                        recorded_at=moment,
                    )
                )
            person.goals = list(goal_ids)
        return AssessmentResult(estimates=estimates, previous=previous, goals=goal_ids)

    def _assessed_estimates(self, session: Session, person_id: str) -> dict[Skill, SkillEstimate] | None:
        rows = [r for r in repo.estimate_history(session, person_id) if r.source == "assessment"]
        if not rows:
            return None
        latest = {r.skill: r for r in rows}
        return {s: SkillEstimate(s, latest[s.value].mean, latest[s.value].variance) for s in SKILLS}

    def current_estimates(self, handle: str) -> dict[Skill, SkillEstimate]:
        """The newest belief about each skill (the prior where nothing was measured)."""
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            return self.estimates_in(session, person.id)

    def estimates_in(self, session: Session, person_id: str) -> dict[Skill, SkillEstimate]:
        """The newest belief about each skill, within an open unit of work."""
        estimates = prior_estimates()
        for name, mean, variance in repo.estimate_values(session, person_id):
            skill = Skill(name)
            estimates[skill] = SkillEstimate(skill, mean, variance)
        return estimates

    # practice -------------------------------------------------------------

    def next_exercise(
        self, handle: str, *, minutes: int | None = None, at: datetime | None = None
    ) -> SuggestionView:
        """Choose today's exercise for a person, log the decision, and say why.

        Raises :class:`NotFoundError` for an unknown handle and
        :class:`InvalidInputError` for a time outside 1-120 minutes.
        """
        if minutes is not None:
            _check_minutes(minutes)
        moment = _now(at)
        # Reads, then one insert: no transaction needed, which saves two round trips.
        with self.db.session(autocommit=True) as session:
            person, personal = repo.person_with_consent(session, handle, Purpose.PERSONALIZATION.value)
            context = self._context(session, person, minutes, moment)
            policy = self.recommender.policy
            if personal:
                keys = (repo.person_policy_key(person.id), repo.POPULATION_KEY)
                person_stats, population = load_many(session, keys, policy, POLICY_VERSION)
            else:
                person_stats = policy.new_stats()
                (population,) = load_many(session, (repo.POPULATION_KEY,), policy, POLICY_VERSION)
            suggestion = self.recommender.recommend(context, person_stats, population)
            recommendation_id = uuid.uuid4().hex
            repo.add_recommendation(
                session,
                {
                    "id": recommendation_id,
                    "person_id": person.id,
                    "exercise_id": suggestion.exercise.id,
                    "candidates": list(suggestion.candidate_ids),
                    "propensity": suggestion.propensity,
                    "policy_version": suggestion.policy_version,
                    "features": [round(v, 6) for v in suggestion.features],
                    "expected_reward": suggestion.expected_reward,
                    "reasons": [{"kind": r.kind, "text": r.text, "push": r.push} for r in suggestion.reasons],
                    "explanation": suggestion.explanation,
                    "created_at": moment,
                },
            )
            return SuggestionView(
                recommendation_id=recommendation_id,
                exercise=suggestion.exercise,
                explanation=suggestion.explanation,
                reasons=tuple(r.text for r in suggestion.reasons),
                propensity=suggestion.propensity,
            )

    def _context(
        self, session: Session, person: PersonRow, minutes: int | None, moment: datetime
    ) -> PracticeContext:
        goal_texts: dict[Skill, str] = {}
        for goal_id in person.goals:
            goal = self.questionnaire.goal(goal_id)
            for skill in goal.skills:
                goal_texts.setdefault(skill, goal.text)
        days_since_skill: dict[Skill, float] = {}
        days_since_exercise: dict[str, float] = {}
        recent = done = 0
        for exercise_id, recorded_at, completed in repo.practice_times(session, person.id):
            days = (moment - _aware(recorded_at)).total_seconds() / 86400
            days_since_exercise[exercise_id] = min(days, days_since_exercise.get(exercise_id, days))
            if _aware(recorded_at) >= moment - ENGAGEMENT_WINDOW:
                recent += 1
                done += completed
            if completed and exercise_id in self.catalogue:
                for skill in self.catalogue.get(exercise_id).skills:
                    days_since_skill[skill] = min(days, days_since_skill.get(skill, days))
        return PracticeContext(
            estimates=self.estimates_in(session, person.id),
            minutes_available=minutes or person.minutes_per_day,
            goal_skills=frozenset(goal_texts),
            goal_texts=goal_texts,
            liked_modalities=frozenset(Modality(m) for m in person.liked_modalities),
            days_since_skill=days_since_skill,
            days_since_exercise=days_since_exercise,
            engagement=(done + 1) / (recent + 2),
            hour=moment.astimezone().hour,
            track_record=self._track_record(session),
        )

    def _track_record(self, session: Session) -> Mapping[str, float]:
        """Every exercise's track record, read again when older than ``settings.track_record_ttl_s``.

        It aggregates every outcome on the install, the one read whose cost grows with the
        number of people, so each process keeps it briefly (each worker its own copy): another
        process's new outcomes show within the TTL, this process's at once (they clear it).
        When it is due, one thread reads it while the others go on with the one they have.
        """
        cached, ttl = self._track_record_cache, self.settings.track_record_ttl_s
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return cached[1]
        if not self._track_record_lock.acquire(blocking=cached is None or ttl == 0):
            assert cached is not None
            return cached[1]
        try:
            cached, moment = self._track_record_cache, time.monotonic()
            if cached is not None and moment - cached[0] < ttl:
                return cached[1]  # read by the thread this one waited for
            record = track_record(repo.exercise_outcomes(session))
            self._track_record_cache = (moment, record)
            return record
        finally:
            self._track_record_lock.release()

    def _stats(self, session: Session, key: str, *, for_update: bool = False) -> SufficientStats:
        return load_stats(session, key, self.recommender.policy, POLICY_VERSION, for_update=for_update)

    def _save_stats(self, session: Session, key: str, stats: SufficientStats, person_id: str | None) -> None:
        save_stats(session, key, stats, self.recommender.policy, POLICY_VERSION, person_id)

    def record_attempt(
        self,
        recommendation_id: str,
        *,
        completed: bool,
        rating: int | None = None,
        reflection: str | None = None,
        at: datetime | None = None,
        handle: str | None = None,
    ) -> AttemptResult:
        """Record what happened with a suggestion and learn from it.

        With ``handle``, the suggestion must be that person's (as the web app
        checks): someone else's reads as unknown.

        Raises :class:`NotFoundError` for an unknown suggestion and
        :class:`InvalidInputError` for a rating outside 1-5, an over-long
        reflection, or a suggestion whose outcome is already recorded.
        """
        validate_rating(rating)
        if reflection is not None and len(reflection) > MAX_REFLECTION_CHARS:
            raise InvalidInputError(f"A reflection can be at most {MAX_REFLECTION_CHARS:,} characters.")
        reflection = (reflection or "").strip() or None
        moment = _now(at)
        with self.db.session() as session:
            rec = repo.recommendation(session, recommendation_id)
            if handle is not None and repo.person_by_handle(session, handle).id != rec.person_id:
                raise NotFoundError(f"No suggestion has the id '{recommendation_id}'.")
            if repo.attempt_for(session, recommendation_id) is not None:
                raise InvalidInputError("This suggestion already has an outcome recorded.")
            skill_change = measured_change(repo.written_attempts_for(session, rec.id))
            reward = self.reward_weights.reward(completed=completed, rating=rating, skill_change=skill_change)
            consents = repo.latest_consents(session, rec.person_id)
            keep_reflection = reflection is not None and consents.get(Purpose.STORE_REFLECTIONS.value, False)
            session.add(
                PracticeAttemptRow(
                    person_id=rec.person_id,
                    recommendation_id=rec.id,
                    exercise_id=rec.exercise_id,
                    completed=completed,
                    rating=rating,
                    reflection=self.keyring.seal(session, rec.person_id, reflection)
                    if keep_reflection and reflection is not None
                    else None,
                    reward=reward,
                    recorded_at=moment,
                )
            )
            session.add(
                FeedbackEventRow(
                    person_id=rec.person_id,
                    recommendation_id=rec.id,
                    kind="completed" if completed else "skipped",
                    value=None,
                    recorded_at=moment,
                )
            )
            if rating is not None:
                session.add(
                    FeedbackEventRow(
                        person_id=rec.person_id,
                        recommendation_id=rec.id,
                        kind="rating",
                        value=float(rating),
                        recorded_at=moment,
                    )
                )
            if consents.get(Purpose.PERSONALIZATION.value, False) and rec.policy_version == POLICY_VERSION:
                self._learn(session, rec, reward)
        self._track_record_cache = None  # this outcome counts in the next suggestion made here
        return AttemptResult(rec.id, completed, rating, reward, bool(keep_reflection), skill_change)

    def _learn(self, session: Session, rec: RecommendationRow, reward: float) -> None:
        person_key = repo.person_policy_key(rec.person_id)
        population = self._stats(session, repo.POPULATION_KEY, for_update=True)
        person = self._stats(session, person_key, for_update=True)
        self.recommender.policy.learn_one(person, population, np.asarray(rec.features, dtype=float), reward)
        self._save_stats(session, repo.POPULATION_KEY, population, None)
        self._save_stats(session, person_key, person, rec.person_id)

    # progress ------------------------------------------------------------

    def progress(self, handle: str, *, at: datetime | None = None) -> Progress:
        """Per-skill estimates with their change, practice counts, ratings and weekly trend."""
        moment = _now(at)
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            history = repo.estimate_history(session, person.id)
            current = self.estimates_in(session, person.id)
            first: dict[Skill, float] = {}
            for row in history:
                first.setdefault(Skill(row.skill), row.mean)
            attempts = repo.attempts_since(session, person.id)
            suggested = repo.count_recommendations(session, person.id)
            n_assessments = len(repo.assessments(session, person.id))
            written = repo.written_attempts(session, person.id)
        rows = []
        for skill in SKILLS:
            touching = [
                a
                for a in attempts
                if a.completed
                and a.exercise_id in self.catalogue
                and skill in self.catalogue.get(a.exercise_id).skills
            ]
            ratings = [a.rating for a in touching if a.rating is not None]
            weekly = [0] * 8
            for a in touching:
                weeks_ago = int((moment - _aware(a.recorded_at)).days // 7)
                if 0 <= weeks_ago < 8:
                    weekly[7 - weeks_ago] += 1
            replies = [w for w in written if w.skill == skill.value]
            scores = [w.score for w in replies[-5:]]
            rows.append(
                SkillProgress(
                    skill=skill,
                    estimate=current[skill],
                    first_mean=first.get(skill, current[skill].mean),
                    practised_30d=sum(_aware(a.recorded_at) >= moment - timedelta(days=30) for a in touching),
                    last_practised=max((_aware(a.recorded_at) for a in touching), default=None),
                    mean_rating=sum(ratings) / len(ratings) if ratings else None,
                    weekly_counts=tuple(weekly),
                    written_30d=sum(_aware(w.recorded_at) >= moment - timedelta(days=30) for w in replies),
                    mean_score=sum(scores) / len(scores) if scores else None,
                    weekly_estimates=_weekly_means(history, skill, moment),
                )
            )
        all_ratings = [a.rating for a in attempts if a.rating is not None]
        return Progress(
            skills=tuple(rows),
            completed=sum(a.completed for a in attempts),
            suggested=suggested,
            assessments=n_assessments,
            mean_rating=sum(all_ratings) / len(all_ratings) if all_ratings else None,
            written=len(written),
        )

    def history(self, handle: str, *, limit: int = 20) -> list[AttemptView]:
        """The person's latest practice attempts, newest first, reflections decrypted."""
        with self.db.session() as session:
            person = repo.person_by_handle(session, handle)
            attempts = list(repo.attempts_since(session, person.id))[-limit:]
            return [
                AttemptView(
                    exercise=self.catalogue.get(a.exercise_id),
                    completed=a.completed,
                    rating=a.rating,
                    reflection=self.keyring.open(session, person.id, a.reflection),
                    recorded_at=_aware(a.recorded_at),
                )
                for a in reversed(attempts)
                if a.exercise_id in self.catalogue
            ]


def _weekly_means(history: Sequence[SkillEstimateRow], skill: Skill, moment: datetime) -> tuple[float, ...]:
    """The estimate's mean at the end of each of the last 8 weeks (the prior before any record)."""
    rows = [(_aware(r.recorded_at), r.mean) for r in history if r.skill == skill.value]
    out = []
    for weeks_ago in range(7, -1, -1):
        end = moment - timedelta(weeks=weeks_ago)
        known = [mean for when, mean in rows if when <= end]
        out.append(known[-1] if known else PRIOR_MEAN)
    return tuple(out)


def measured_change(attempts: Sequence[WrittenAttemptRow]) -> float | None:
    """The change in skill written replies to one suggestion measured: from before the first to
    after the last (``None`` when there were none)."""
    if not attempts:
        return None
    return attempts[-1].skill_after - attempts[0].skill_before


def _modalities(values: Iterable[Modality | str]) -> tuple[Modality, ...]:
    result = []
    for value in values:
        try:
            result.append(Modality(value))
        except ValueError:
            known = ", ".join(m.value for m in Modality)
            raise InvalidInputError(f"'{value}' is not a kind of practice; choose from {known}.") from None
    return tuple(dict.fromkeys(result))


def _check_minutes(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 120:
        raise InvalidInputError(f"Minutes must be a whole number from 1 to 120, not {minutes!r}.")


__all__ = ["PracticeService", "TEST_MASTER_KEY"]

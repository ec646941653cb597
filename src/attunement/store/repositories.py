"""Queries the services need, kept in one place so services read as use cases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, insert, select
from sqlalchemy.orm import Session

from attunement.errors import NotFoundError
from attunement.store.tables import (
    ApiTokenRow,
    AssessmentRow,
    ConsentRow,
    PersonRow,
    PolicyStateRow,
    PracticeAttemptRow,
    RecommendationRow,
    SkillEstimateRow,
    WebSessionRow,
    WrittenAttemptRow,
)

POPULATION_KEY = "population"

# The statements every suggestion runs are built once (building a select costs more than running
# it), and those that read plain columns run on the session's connection, which skips the ORM's
# result processing (about half their cost).
_PERSON_BY_HANDLE = select(PersonRow).where(PersonRow.handle == bindparam("handle"))
# The sign-in checks every request makes, by the SHA-256 of a session token or an API token.
SESSION_SIGN_IN = (
    select(PersonRow.handle, WebSessionRow.ended_at, WebSessionRow.expires_at)
    .join(PersonRow, PersonRow.id == WebSessionRow.person_id)
    .where(WebSessionRow.token_hash == bindparam("token_hash"))
)
TOKEN_SIGN_IN = (
    select(PersonRow.handle, ApiTokenRow.revoked_at, ApiTokenRow.scopes)
    .join(PersonRow, PersonRow.id == ApiTokenRow.person_id)
    .where(ApiTokenRow.token_hash == bindparam("token_hash"))
)
# The person and their latest decision on one purpose, in one round trip (a suggestion needs both).
_LATEST_DECISION = (
    select(ConsentRow.granted)
    .where(ConsentRow.person_id == PersonRow.id, ConsentRow.purpose == bindparam("purpose"))
    .order_by(ConsentRow.id.desc())
    .limit(1)
    .correlate(PersonRow)
    .scalar_subquery()
)
_PERSON_WITH_DECISION = select(PersonRow, _LATEST_DECISION).where(PersonRow.handle == bindparam("handle"))
_CONSENTS = (
    select(ConsentRow.purpose, ConsentRow.granted)
    .where(ConsentRow.person_id == bindparam("person_id"))
    .order_by(ConsentRow.id)
)
_ESTIMATE_VALUES = (
    select(SkillEstimateRow.skill, SkillEstimateRow.mean, SkillEstimateRow.variance)
    .where(SkillEstimateRow.person_id == bindparam("person_id"))
    .order_by(SkillEstimateRow.recorded_at, SkillEstimateRow.id)
)
_PRACTICE_TIMES = (
    select(PracticeAttemptRow.exercise_id, PracticeAttemptRow.recorded_at, PracticeAttemptRow.completed)
    .where(PracticeAttemptRow.person_id == bindparam("person_id"))
    .order_by(PracticeAttemptRow.recorded_at, PracticeAttemptRow.id)
)
_POLICY_BLOBS = select(
    PolicyStateRow.key, PolicyStateRow.policy_version, PolicyStateRow.n_features, PolicyStateRow.stats
).where(PolicyStateRow.key.in_(bindparam("keys", expanding=True)))
_EXERCISE_OUTCOMES = select(
    PracticeAttemptRow.exercise_id, func.count(), func.coalesce(func.sum(PracticeAttemptRow.reward), 0.0)
).group_by(PracticeAttemptRow.exercise_id)
_ADD_RECOMMENDATION = insert(RecommendationRow.__table__)  # type: ignore[arg-type]


def person_by_handle(session: Session, handle: str) -> PersonRow:
    """The person with this handle; raises :class:`NotFoundError`."""
    person = session.scalars(_PERSON_BY_HANDLE, {"handle": handle}).first()
    if person is None:
        raise _nobody(handle)
    return person


def person_with_consent(session: Session, handle: str, purpose: str) -> tuple[PersonRow, bool]:
    """The person with this handle and whether their latest decision grants ``purpose`` (no
    decision: not granted), in one query; raises :class:`NotFoundError`."""
    found = session.execute(_PERSON_WITH_DECISION, {"handle": handle, "purpose": purpose}).first()
    if found is None:
        raise _nobody(handle)
    person, granted = found
    return person, bool(granted)


def _nobody(handle: str) -> NotFoundError:
    return NotFoundError(f"Nobody called '{handle}' uses attunement here; run 'attune init' first.")


def all_people(session: Session) -> Sequence[PersonRow]:
    """Everyone, oldest first."""
    return session.scalars(select(PersonRow).order_by(PersonRow.created_at)).all()


def latest_consents(session: Session, person_id: str) -> dict[str, bool]:
    """Each purpose's most recent decision in the consent ledger."""
    return dict(session.connection().execute(_CONSENTS, {"person_id": person_id}).all())


def estimate_history(session: Session, person_id: str) -> Sequence[SkillEstimateRow]:
    """Every skill estimate ever recorded for the person, oldest first."""
    return session.scalars(
        select(SkillEstimateRow)
        .where(SkillEstimateRow.person_id == person_id)
        .order_by(SkillEstimateRow.recorded_at, SkillEstimateRow.id)
    ).all()


def estimate_values(session: Session, person_id: str) -> Sequence[Row[str, float, float]]:
    """(skill, mean, variance) of every estimate recorded for the person, oldest first."""
    return session.connection().execute(_ESTIMATE_VALUES, {"person_id": person_id}).all()


def assessments(session: Session, person_id: str) -> Sequence[AssessmentRow]:
    """The person's completed questionnaires, oldest first."""
    return session.scalars(
        select(AssessmentRow).where(AssessmentRow.person_id == person_id).order_by(AssessmentRow.id)
    ).all()


def attempts_since(
    session: Session, person_id: str, since: datetime | None = None
) -> Sequence[PracticeAttemptRow]:
    """The person's practice attempts (all, or since a time), oldest first."""
    query = select(PracticeAttemptRow).where(PracticeAttemptRow.person_id == person_id)
    if since is not None:
        query = query.where(PracticeAttemptRow.recorded_at >= since)
    return session.scalars(query.order_by(PracticeAttemptRow.recorded_at, PracticeAttemptRow.id)).all()


def practice_times(session: Session, person_id: str) -> Sequence[Row[str, datetime, bool]]:
    """(exercise id, when, completed) of each of the person's practice attempts, oldest first."""
    return session.connection().execute(_PRACTICE_TIMES, {"person_id": person_id}).all()


def add_recommendation(session: Session, values: dict[str, Any]) -> None:
    """Log a suggestion (the columns of :class:`RecommendationRow`) without loading it into the session."""
    session.connection().execute(_ADD_RECOMMENDATION, values)


def recommendation(session: Session, recommendation_id: str) -> RecommendationRow:
    """A logged recommendation; raises :class:`NotFoundError`."""
    row = session.get(RecommendationRow, recommendation_id)
    if row is None:
        raise NotFoundError(f"No suggestion has the id '{recommendation_id}'.")
    return row


def attempt_for(session: Session, recommendation_id: str) -> PracticeAttemptRow | None:
    """The outcome recorded for a recommendation, if any."""
    return session.scalars(
        select(PracticeAttemptRow).where(PracticeAttemptRow.recommendation_id == recommendation_id)
    ).first()


def count_recommendations(session: Session, person_id: str) -> int:
    """How many suggestions the person has been given."""
    query = (
        select(func.count()).select_from(RecommendationRow).where(RecommendationRow.person_id == person_id)
    )
    return int(session.scalar(query) or 0)


def exercise_outcomes(session: Session) -> dict[str, tuple[int, float]]:
    """Every exercise's number of recorded outcomes and sum of rewards, over everyone."""
    rows = session.connection().execute(_EXERCISE_OUTCOMES)
    return {exercise_id: (int(n), float(total)) for exercise_id, n, total in rows}


def policy_state(session: Session, key: str, *, for_update: bool = False) -> PolicyStateRow | None:
    """The stored bandit statistics under ``key`` (``'population'`` or ``'person:<id>'``)."""
    query = select(PolicyStateRow).where(PolicyStateRow.key == key)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def policy_blobs(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, int, bytes]]:
    """(policy version, number of features, statistics) stored under each of ``keys`` that has any,
    in one query."""
    rows = session.connection().execute(_POLICY_BLOBS, {"keys": list(keys)})
    return {key: (version, n_features, stats) for key, version, n_features, stats in rows}


def person_policy_key(person_id: str) -> str:
    """The policy-state key of one person."""
    return f"person:{person_id}"


def written_attempts(session: Session, person_id: str) -> Sequence[WrittenAttemptRow]:
    """The person's written replies to scenarios, oldest first."""
    query = select(WrittenAttemptRow).where(WrittenAttemptRow.person_id == person_id)
    return session.scalars(query.order_by(WrittenAttemptRow.recorded_at, WrittenAttemptRow.id)).all()


def written_attempt(session: Session, attempt_id: str, person_id: str) -> WrittenAttemptRow:
    """One of the person's written replies; raises :class:`NotFoundError` (also for someone else's)."""
    row = session.get(WrittenAttemptRow, attempt_id)
    if row is None or row.person_id != person_id:
        raise NotFoundError(f"No written reply has the id '{attempt_id}'.")
    return row


def written_attempts_for(session: Session, recommendation_id: str) -> Sequence[WrittenAttemptRow]:
    """The written replies made for one suggestion, oldest first."""
    query = select(WrittenAttemptRow).where(WrittenAttemptRow.recommendation_id == recommendation_id)
    return session.scalars(query.order_by(WrittenAttemptRow.recorded_at, WrittenAttemptRow.id)).all()

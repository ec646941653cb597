"""The database schema: one class per table, mapped with SQLAlchemy 2.

Personal free text lives only in :class:`~attunement.store.crypto.EncryptedText`
columns. Every table that holds personal data has a ``person_id`` that cascades
on delete, so deleting a person removes all of it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from attunement.store.crypto import EncryptedText, Sealed


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _person_fk() -> Mapped[str]:
    return mapped_column(String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True)


class PersonRow(Base):
    """A person using attunement, with their stated preferences."""

    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    handle: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[Sealed | None] = mapped_column(EncryptedText)
    minutes_per_day: Mapped[int] = mapped_column(Integer, default=10)
    liked_modalities: Mapped[list[Any]] = mapped_column(default=list)
    goals: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PersonKeyRow(Base):
    """A person's data key, wrapped by the master key; deleting it shreds their text."""

    __tablename__ = "person_keys"
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsentRow(Base):
    """One entry of the consent ledger: a purpose granted or withdrawn, and when."""

    __tablename__ = "consent_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    wording_version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssessmentRow(Base):
    """One completed questionnaire: the answers and the goals picked."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column()
    goals: Mapped[list[Any]] = mapped_column(default=list)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SkillEstimateRow(Base):
    """A belief about one skill at one time (history kept, newest is current)."""

    __tablename__ = "skill_estimates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    skill: Mapped[str] = mapped_column(String(40))
    mean: Mapped[float] = mapped_column(Float)
    variance: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), nullable=True
    )
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class RecommendationRow(Base):
    """The recommendation log: what was chosen, from what, with which probability and why."""

    __tablename__ = "recommendations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    exercise_id: Mapped[str] = mapped_column(String(80))
    candidates: Mapped[list[Any]] = mapped_column()
    propensity: Mapped[float] = mapped_column(Float)
    policy_version: Mapped[str] = mapped_column(String(40))
    features: Mapped[list[Any]] = mapped_column()
    expected_reward: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column()
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class PracticeAttemptRow(Base):
    """What a person did with a suggestion: completed or not, a reflection, the reward."""

    __tablename__ = "practice_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    recommendation_id: Mapped[str | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    exercise_id: Mapped[str] = mapped_column(String(80))
    completed: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reflection: Mapped[Sealed | None] = mapped_column(EncryptedText)
    reward: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class FeedbackEventRow(Base):
    """A signal about a suggestion: a rating, a skip, 'too long', 'not for me'."""

    __tablename__ = "feedback_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    recommendation_id: Mapped[str | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WrittenAttemptRow(Base):
    """One written reply to a practice scenario: how it was read, its score, the tips shown."""

    __tablename__ = "written_attempts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    scenario_id: Mapped[str] = mapped_column(String(80))
    recommendation_id: Mapped[str | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), nullable=True
    )
    previous_attempt_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reply: Mapped[Sealed | None] = mapped_column(EncryptedText)
    levels: Mapped[dict[str, Any]] = mapped_column()
    strategy: Mapped[str] = mapped_column(String(40))
    acknowledged: Mapped[list[Any]] = mapped_column(default=list)
    missed: Mapped[list[Any]] = mapped_column(default=list)
    suggestions: Mapped[list[Any]] = mapped_column(default=list)
    score: Mapped[float] = mapped_column(Float)
    skill: Mapped[str] = mapped_column(String(40))
    """The scenario's first skill, and its estimated mean before and after this reply."""
    skill_before: Mapped[float] = mapped_column(Float)
    skill_after: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class InviteRow(Base):
    """An invitation to link as partners: only a hash of its code is kept; it expires and can be revoked."""

    __tablename__ = "pair_invites"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    inviter_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PairRow(Base):
    """Two linked people; ``unlinked_at`` set ends all sharing between them."""

    __tablename__ = "pairs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_a: Mapped[str] = mapped_column(String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True)
    person_b: Mapped[str] = mapped_column(String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    unlinked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SupportMapRow(Base):
    """One line of a person's support map: for one kind of stress, what helps and what does not."""

    __tablename__ = "support_maps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    context: Mapped[str] = mapped_column(String(20))
    helps: Mapped[list[Any]] = mapped_column(default=list)
    not_helpful: Mapped[list[Any]] = mapped_column(default=list)
    words: Mapped[Sealed | None] = mapped_column(EncryptedText)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("person_id", "context"),)


class CheckinRow(Base):
    """A check-in: mood, optional text (encrypted), its emotions (encrypted), and what the partner may see."""

    __tablename__ = "checkins"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    mood: Mapped[int] = mapped_column(Integer)
    context: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[Sealed | None] = mapped_column(EncryptedText)
    emotions: Mapped[Sealed | None] = mapped_column(EncryptedText)
    visibility: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class SupportSuggestionRow(Base):
    """A suggestion to the supporting partner after a check-in, with its propensity and the rating."""

    __tablename__ = "support_suggestions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    pair_id: Mapped[str] = mapped_column(String(32), ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    checkin_id: Mapped[str] = mapped_column(String(32), ForeignKey("checkins.id", ondelete="CASCADE"))
    supporter_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    supported_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    propensity: Mapped[float] = mapped_column(Float)
    policy_version: Mapped[str] = mapped_column(String(40))
    features: Mapped[list[Any]] = mapped_column()
    reasons: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccountRow(Base):
    """A person's sign-in for the web app: an argon2 password hash."""

    __tablename__ = "accounts"
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSessionRow(Base):
    """A signed-in browser: only a hash of the cookie's token is kept; it expires and can be ended."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiTokenRow(Base):
    """A developer's API token: a hash, its scopes, and whether it was revoked."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    scopes: Mapped[list[Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttemptRow(Base):
    """A failed sign-in, kept briefly to slow down password guessing (shared by every worker)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class PolicyStateRow(Base):
    """Sufficient statistics of the bandit: one row for the population, one per person."""

    __tablename__ = "policy_states"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), nullable=True, index=True
    )
    policy_version: Mapped[str] = mapped_column(String(40))
    n_features: Mapped[int] = mapped_column(Integer)
    stats: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


PERSONAL_TABLES: tuple[type[Base], ...] = (
    PersonRow,
    PersonKeyRow,
    ConsentRow,
    AssessmentRow,
    SkillEstimateRow,
    RecommendationRow,
    PracticeAttemptRow,
    FeedbackEventRow,
    WrittenAttemptRow,
    InviteRow,
    PairRow,
    SupportMapRow,
    CheckinRow,
    SupportSuggestionRow,
    AccountRow,
    WebSessionRow,
    ApiTokenRow,
    PolicyStateRow,
)
"""Every table that holds data about a person (for export and deletion checks)."""

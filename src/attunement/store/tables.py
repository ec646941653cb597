"""The database schema: one class per table, mapped with SQLAlchemy 2.

Personal free text lives only in :class:`~attunement.store.crypto.EncryptedText`
columns. Every table that holds personal data has a ``person_id`` that cascades
on delete, so deleting a person removes all of it.

Every table also says, in :func:`about`, which category of data it holds, why
it is kept, and what each column means in plain words: "what we collect and
why" is generated from these, and a test fails when a column is not described.
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

from attunement.domain.privacy import DataCategory
from attunement.store.crypto import EncryptedText, Sealed

KEPT_UNTIL_DELETED = "until you delete it or your account"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def about(
    category: DataCategory,
    why: str,
    fields: dict[str, str],
    *,
    purpose: str | None = None,
    kept: str = KEPT_UNTIL_DELETED,
    owner: str = "person_id",
    words: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Table arguments that describe a table for people.

    ``category`` is the kind of data; ``why`` it is kept; ``fields`` each column in words;
    ``purpose`` the consent it depends on, if any; ``kept`` for how long; ``owner`` the column
    naming whose data a row is; ``words`` the columns holding what the person wrote.
    """
    info = {"category": category, "why": why, "fields": fields, "purpose": purpose, "kept": kept}
    return {"info": info | {"owner": owner, "words": words}}


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _person_fk() -> Mapped[str]:
    return mapped_column(String(32), ForeignKey("people.id", ondelete="CASCADE"), index=True)


class PersonRow(Base):
    """A person using attunement, with their stated preferences."""

    __tablename__ = "people"
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To greet you and fit practice to the time and kinds of exercise you prefer.",
        {
            "id": "A random identifier that links your records.",
            "handle": "The name you sign in with.",
            "display_name": "The name you want to be called (encrypted).",
            "minutes_per_day": "How many minutes a day you want to practise.",
            "liked_modalities": "The kinds of exercise you said you like.",
            "goals": "The growth areas you chose.",
            "created_at": "When you joined.",
        },
        owner="id",
    )
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
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "Your own encryption key; without it nothing you wrote can be read, so deleting it shreds your text.",
        {
            "person_id": "Whose key it is.",
            "wrapped_key": "Your data key, itself sealed with this installation's master key.",
            "master_key_id": "Which master key wrapped it (a fingerprint, not the key).",
            "created_at": "When the key was made or last re-wrapped.",
        },
    )
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsentRow(Base):
    """One entry of the consent ledger: a purpose granted or withdrawn, and when."""

    __tablename__ = "consent_records"
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To prove what you agreed to and when, and to honour a withdrawal at once.",
        {
            "id": "The entry's number.",
            "person_id": "Whose decision it is.",
            "purpose": "What the decision is about.",
            "granted": "Whether you agreed or withdrew.",
            "wording_version": "Which wording of the purpose you saw.",
            "recorded_at": "When you decided.",
        },
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool] = mapped_column(Boolean)
    wording_version: Mapped[int] = mapped_column(Integer, default=1)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssessmentRow(Base):
    """One completed questionnaire: the answers and the goals picked."""

    __tablename__ = "assessments"
    __table_args__ = about(
        DataCategory.ASSESSMENT,
        "To estimate where you are on each empathy skill and choose practice for your growth areas.",
        {
            "id": "The assessment's number.",
            "person_id": "Whose answers they are.",
            "questionnaire_version": "Which version of the questionnaire you answered.",
            "answers": "Your 1-5 answer to each statement.",
            "goals": "The growth areas you chose then.",
            "taken_at": "When you answered.",
        },
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column()
    goals: Mapped[list[Any]] = mapped_column(default=list)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SkillEstimateRow(Base):
    """A belief about one skill at one time (history kept, newest is current)."""

    __tablename__ = "skill_estimates"
    __table_args__ = about(
        DataCategory.ASSESSMENT,
        "To measure progress and choose practice; you can see and correct each estimate.",
        {
            "id": "The estimate's number.",
            "person_id": "Whose estimate it is.",
            "skill": "Which skill.",
            "mean": "The estimated level, 1-5.",
            "variance": "How uncertain the estimate is.",
            "source": "What it came from: the assessment, a written reply, or your correction.",
            "assessment_id": "The assessment it came from, if any.",
            "recorded_at": "When it was made.",
        },
    )
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
    __table_args__ = about(
        DataCategory.PRACTICE,
        "To say why each exercise was suggested and to learn which suggestions help.",
        {
            "id": "The suggestion's identifier.",
            "person_id": "Who it was for.",
            "exercise_id": "The exercise suggested.",
            "candidates": "The exercises it was chosen from.",
            "propensity": "How likely the choice was (to evaluate the method fairly).",
            "policy_version": "Which version of the method chose it.",
            "features": "The numbers the method used (your needs, goals, preferences, history).",
            "expected_reward": "How well the method expected it to go.",
            "reasons": "The reasons shown to you.",
            "explanation": "The explanation shown to you.",
            "created_at": "When it was suggested.",
        },
    )
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
    __table_args__ = about(
        DataCategory.PRACTICE,
        "To learn what helps you and show your progress; the reflection only if you agreed to keep it.",
        {
            "id": "The entry's number.",
            "person_id": "Whose practice it was.",
            "recommendation_id": "The suggestion it answers.",
            "exercise_id": "The exercise.",
            "completed": "Whether you did it.",
            "rating": "Your 1-5 rating.",
            "reflection": "Your reflection (encrypted; kept only with consent).",
            "reward": "How well it went, as the method counts it.",
            "recorded_at": "When.",
        },
        words=("reflection",),
    )
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
    __table_args__ = about(
        DataCategory.PRACTICE,
        "To learn from skips, ratings and 'not for me' which suggestions to avoid.",
        {
            "id": "The entry's number.",
            "person_id": "Whose signal it was.",
            "recommendation_id": "The suggestion it is about.",
            "kind": "What kind of signal.",
            "value": "Its value, if any.",
            "recorded_at": "When.",
        },
    )
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
    __table_args__ = about(
        DataCategory.PRACTICE,
        "To give feedback on written practice and measure your skill "
        "from it; the reply only if you agreed to keep it.",
        {
            "id": "The reply's identifier.",
            "person_id": "Whose reply it is.",
            "scenario_id": "The scenario it answers.",
            "recommendation_id": "The suggestion it answers, if any.",
            "previous_attempt_id": "Your earlier try at the same scenario, if any.",
            "reply": "What you wrote (encrypted; kept only with consent).",
            "levels": "The empathy levels read in it.",
            "strategy": "The support strategy it used.",
            "acknowledged": "The sender's feelings it named.",
            "missed": "The sender's feelings it missed.",
            "suggestions": "The tips you were given.",
            "score": "Its score.",
            "skill": "The skill it measured.",
            "skill_before": "That skill's estimate before.",
            "skill_after": "That skill's estimate after.",
            "recorded_at": "When.",
        },
        words=("reply",),
    )
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
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To link you with a partner only through a code you give them.",
        {
            "id": "The invite's identifier.",
            "inviter_id": "Who invited.",
            "code_hash": "A one-way hash of the code (the code itself is not kept).",
            "created_at": "When it was made.",
            "expires_at": "When it stops working.",
            "revoked_at": "When you revoked it, if you did.",
            "accepted_at": "When it was used, if it was.",
        },
        owner="inviter_id",
    )
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
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To know who your partner is, and since when, so sharing "
        "goes only to them and stops when you unlink.",
        {
            "id": "The link's identifier.",
            "person_a": "One partner.",
            "person_b": "The other partner.",
            "linked_at": "When you linked.",
            "unlinked_at": "When either of you unlinked, if so.",
        },
        owner="person_a",
    )
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
    __table_args__ = (
        UniqueConstraint("person_id", "context"),
        about(
            DataCategory.SUPPORT_MAP,
            "So your partner's suggestions start from how you said you like to be supported. With your "
            "consent to personalization, which kinds your lines name (never your words) also count in how "
            "everyone's maps are read on this device.",
            {
                "id": "The line's number.",
                "person_id": "Whose map it is.",
                "context": "The kind of stress.",
                "helps": "The kinds of support that help you.",
                "not_helpful": "The kinds that do not.",
                "words": "Your own words about it (encrypted).",
                "updated_at": "When you last changed it.",
            },
            words=("words",),
        ),
    )


class CheckinRow(Base):
    """A check-in: mood, optional text (encrypted), its emotions (encrypted), and what the partner may see."""

    __tablename__ = "checkins"
    __table_args__ = about(
        DataCategory.CHECKINS,
        "To show you your own patterns and, only as far as you choose, let your partner support you.",
        {
            "id": "The check-in's identifier.",
            "person_id": "Whose check-in it is.",
            "mood": "Your mood, 1-5.",
            "context": "What the stress was about, if you said.",
            "text": "What you wrote (encrypted; kept only with consent).",
            "emotions": "The emotions read in it (encrypted).",
            "visibility": "What your partner may see of it.",
            "created_at": "When.",
        },
        words=("text",),
    )
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
    __table_args__ = about(
        DataCategory.CHECKINS,
        "To suggest support to your partner after a check-in and "
        "learn from your rating what actually helped.",
        {
            "id": "The suggestion's identifier.",
            "pair_id": "The partner link it belongs to.",
            "checkin_id": "The check-in it answers.",
            "supporter_id": "Who got the suggestion.",
            "supported_id": "Whose check-in it answers.",
            "kind": "The kind of support suggested.",
            "propensity": "How likely the choice was (to evaluate the method fairly).",
            "policy_version": "Which version of the method chose it.",
            "features": "The numbers the method used (your map, the mood, emotions, past ratings).",
            "reasons": "The reasons shown.",
            "created_at": "When.",
            "rating": "Your rating of whether it helped.",
            "rated_at": "When you rated it.",
        },
        owner="supported_id",
    )
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
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To let only you sign in.",
        {
            "person_id": "Whose sign-in it is.",
            "password_hash": "A one-way argon2 hash of your password (the password itself is not kept).",
            "created_at": "When you set it.",
        },
    )
    person_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSessionRow(Base):
    """A signed-in browser: only a hash of the cookie's token is kept; it expires and can be ended."""

    __tablename__ = "web_sessions"
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To keep you signed in on a browser until you sign out or it expires.",
        {
            "token_hash": "A one-way hash of the browser's session cookie.",
            "person_id": "Who is signed in.",
            "created_at": "When you signed in.",
            "expires_at": "When the session ends by itself.",
            "ended_at": "When you signed out, if you did.",
        },
        kept="until it expires or you sign out, then until you delete the account",
    )
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = _person_fk()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiTokenRow(Base):
    """A developer's API token: a hash, its scopes, and whether it was revoked."""

    __tablename__ = "api_tokens"
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To let programs you authorise use your account, with only the scopes you chose.",
        {
            "id": "The token's identifier.",
            "person_id": "Whose token it is.",
            "token_hash": "A one-way hash of the token.",
            "name": "The name you gave it.",
            "scopes": "What it may do.",
            "created_at": "When you made it.",
            "revoked_at": "When you revoked it, if you did.",
        },
    )
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
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "To slow down anyone guessing a password.",
        {
            "id": "The entry's number.",
            "handle": "The name someone tried to sign in as.",
            "at": "When.",
        },
        kept="15 minutes at most: older ones are removed at every sign-in",
        owner="handle",
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AuditEventRow(Base):
    """Something done with a person's data: a partner reading what they shared, an export, a deletion."""

    __tablename__ = "audit_events"
    __table_args__ = about(
        DataCategory.ACCOUNT,
        "So you can see who read what you shared with your partner, "
        "and what you exported, deleted or corrected.",
        {
            "id": "The entry's number.",
            "person_id": "Whose data it was.",
            "actor_id": "Who did it (you or your partner; empty once they have left).",
            "action": "What was done.",
            "detail": "What it was about and how many records (never their content).",
            "at": "When.",
        },
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = _person_fk()
    actor_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("people.id", ondelete="SET NULL"), nullable=True
    )
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class PolicyStateRow(Base):
    """Sufficient statistics of the bandit: one row for the population, one per person."""

    __tablename__ = "policy_states"
    __table_args__ = about(
        DataCategory.PERSONALIZATION,
        "To choose suggestions that fit you; it holds sums of numbers, none of your words.",
        {
            "key": "Which model the numbers belong to (yours, a partner link's, or everyone's).",
            "person_id": "Whose they are (empty for the shared model).",
            "policy_version": "Which version of the method.",
            "n_features": "How many numbers describe a suggestion.",
            "stats": "Running sums of those numbers and of the outcomes.",
            "updated_at": "When they last changed.",
        },
        purpose="personalization",
    )
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
    AuditEventRow,
)
"""Every table that holds data about a person (for export and deletion checks)."""

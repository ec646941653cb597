"""Queries for partners: invites, the active pair, support maps, check-ins and suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from attunement.store.tables import (
    CheckinRow,
    ConsentRow,
    InviteRow,
    PairRow,
    SupportMapRow,
    SupportSuggestionRow,
)


def invite_by_hash(session: Session, code_hash: str) -> InviteRow | None:
    """The invite whose code hashes to ``code_hash``, if any."""
    return session.scalars(select(InviteRow).where(InviteRow.code_hash == code_hash)).first()


def open_invites(session: Session, inviter_id: str, now: datetime) -> Sequence[InviteRow]:
    """The person's invites that can still be accepted."""
    return session.scalars(
        select(InviteRow).where(
            InviteRow.inviter_id == inviter_id,
            InviteRow.revoked_at.is_(None),
            InviteRow.accepted_at.is_(None),
            InviteRow.expires_at > now,
        )
    ).all()


def active_pair(session: Session, person_id: str) -> PairRow | None:
    """The person's current pair (not unlinked), if any."""
    return session.scalars(
        select(PairRow).where(
            or_(PairRow.person_a == person_id, PairRow.person_b == person_id), PairRow.unlinked_at.is_(None)
        )
    ).first()


def support_map_rows(session: Session, person_id: str) -> Sequence[SupportMapRow]:
    """The lines of a person's support map."""
    return session.scalars(select(SupportMapRow).where(SupportMapRow.person_id == person_id)).all()


def consenting_support_map_kinds(
    session: Session, purpose: str
) -> list[tuple[str, str, list[str], list[str]]]:
    """Every line of the support maps of people whose latest decision on ``purpose`` is consent, as
    (person, kind of stress, helps, not helpful); never their words."""
    decisions = select(ConsentRow.person_id, ConsentRow.granted).where(ConsentRow.purpose == purpose)
    consenting = dict(session.execute(decisions.order_by(ConsentRow.id)).all())
    lines = select(
        SupportMapRow.person_id, SupportMapRow.context, SupportMapRow.helps, SupportMapRow.not_helpful
    )
    return [
        (person, context, helps, not_helpful)
        for person, context, helps, not_helpful in session.execute(
            lines.order_by(SupportMapRow.person_id, SupportMapRow.context)
        )
        if consenting.get(person, False)
    ]


def checkins(session: Session, person_id: str, since: datetime | None = None) -> Sequence[CheckinRow]:
    """The person's check-ins, oldest first (all, or since a time)."""
    query = select(CheckinRow).where(CheckinRow.person_id == person_id)
    if since is not None:
        query = query.where(CheckinRow.created_at >= since)
    return session.scalars(query.order_by(CheckinRow.created_at, CheckinRow.id)).all()


def suggestions_for(session: Session, pair_id: str, supporter_id: str) -> Sequence[SupportSuggestionRow]:
    """Suggestions made to one supporter in one pair, newest first."""
    return session.scalars(
        select(SupportSuggestionRow)
        .where(SupportSuggestionRow.pair_id == pair_id, SupportSuggestionRow.supporter_id == supporter_id)
        .order_by(SupportSuggestionRow.created_at.desc())
    ).all()


def suggestions_about(session: Session, supported_id: str) -> Sequence[SupportSuggestionRow]:
    """Suggestions made about a supported person (in any pair), oldest first."""
    return session.scalars(
        select(SupportSuggestionRow)
        .where(SupportSuggestionRow.supported_id == supported_id)
        .order_by(SupportSuggestionRow.created_at)
    ).all()

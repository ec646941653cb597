"""The audit log a person sees: partner reads of what they shared, their exports, deletions, corrections.

An entry never holds the data itself, only what kind and how many. A partner
reading the same thing again within an hour is logged once, so refreshing a
page does not bury the log.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> practice = PracticeService.open(Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY))
>>> sam = practice.create_person("sam")
>>> with practice.db.session() as session:
...     record(session, sam.id, AuditAction.EXPORT, {"format": "json"}, actor_id=sam.id)
>>> with practice.db.session() as session:
...     [entry.sentence for entry in entries(session, sam.id)]
['You exported your data (json).']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from attunement.domain.privacy import AuditAction
from attunement.services.clock import aware, now
from attunement.store.tables import AuditEventRow, PersonRow

REPEAT_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry of a person's audit log."""

    at: datetime
    action: AuditAction
    by_partner: bool
    sentence: str
    detail: dict[str, Any]


def record(
    session: Session,
    person_id: str,
    action: AuditAction,
    detail: dict[str, Any],
    *,
    actor_id: str | None,
    at: datetime | None = None,
) -> None:
    """Log ``action`` on ``person_id``'s data by ``actor_id``; a partner's repeat read within the hour is
    logged once."""
    moment = now(at)
    if action is AuditAction.PARTNER_READ:
        recent = session.scalars(
            select(AuditEventRow)
            .where(
                AuditEventRow.person_id == person_id,
                AuditEventRow.actor_id == actor_id,
                AuditEventRow.action == action.value,
                AuditEventRow.at >= moment - REPEAT_WINDOW,
            )
            .order_by(AuditEventRow.at.desc())
        ).all()
        if any(row.detail == detail for row in recent):
            return
    session.add(
        AuditEventRow(person_id=person_id, actor_id=actor_id, action=action.value, detail=detail, at=moment)
    )


def entries(session: Session, person_id: str, *, limit: int = 100) -> list[AuditEntry]:
    """The person's log, newest first; a partner is named by their handle."""
    rows = session.execute(
        select(AuditEventRow, PersonRow.handle)
        .outerjoin(PersonRow, PersonRow.id == AuditEventRow.actor_id)
        .where(AuditEventRow.person_id == person_id)
        .order_by(AuditEventRow.at.desc(), AuditEventRow.id.desc())
        .limit(limit)
    ).all()
    out = []
    for row, actor_handle in rows:
        action = AuditAction(row.action)
        by_partner = row.actor_id != person_id
        out.append(
            AuditEntry(
                at=aware(row.at),
                action=action,
                by_partner=by_partner,
                sentence=action.describe(row.detail, actor=actor_handle if by_partner else None),
                detail=dict(row.detail),
            )
        )
    return out

"""A person's data: export all of it (JSON or a readable report), delete all of it or one category,
change a consent and hear what it means for what was kept, and see the audit log.

Export walks every table that holds data about a person
(:data:`~attunement.store.tables.PERSONAL_TABLES`), takes every row in which a
column points at them, and opens their encrypted text with their key, so a new
table is exported without anyone remembering to add it. Deleting the person
first subtracts what the suggestions learned from them from what they learned
from everyone, then removes their rows (every foreign key to ``people``
cascades) and with them their wrapped data key, and finally purges the deleted
rows from the storage files, so even a backup taken afterwards holds nothing of
theirs that can be read.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> settings = Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)
>>> privacy = PrivacyService(PracticeService.open(settings))
>>> _ = privacy.practice.create_person("sam", display_name="Sam")
>>> privacy.export("sam")["people"][0]["display_name"]
'Sam'
>>> privacy.delete_category("sam", "personalization")
0
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from attunement.domain.consent import Purpose
from attunement.domain.privacy import AuditAction, DataCategory
from attunement.errors import InvalidInputError
from attunement.services import audit
from attunement.services.audit import AuditEntry
from attunement.services.clock import now
from attunement.services.policy_state import forget
from attunement.services.practice import PracticeService
from attunement.store import repositories as repo
from attunement.store.crypto import EncryptedText, Sealed
from attunement.store.tables import (
    PERSONAL_TABLES,
    Base,
    CheckinRow,
    LoginAttemptRow,
    PersonRow,
    PolicyStateRow,
    PracticeAttemptRow,
    WrittenAttemptRow,
)


def person_columns(table: Any) -> list[str]:
    """The columns of a table that name a person: ``people.id`` and every foreign key to it."""
    if table.name == "people":
        return ["id"]
    return [c.name for c in table.columns if any(fk.target_fullname == "people.id" for fk in c.foreign_keys)]


def category_of(value: DataCategory | str) -> DataCategory:
    """The category named ``value``; raises :class:`InvalidInputError` listing the known ones."""
    try:
        return DataCategory(value)
    except ValueError:
        known = ", ".join(c.value for c in DataCategory if c.deletable)
        raise InvalidInputError(
            f"'{value}' is not a kind of data; the ones you can delete are {known}."
        ) from None


def tables_in(category: DataCategory) -> list[Any]:
    """The tables holding data of ``category``, children before parents (the order to delete in)."""
    return [t for t in reversed(Base.metadata.sorted_tables) if t.info["category"] is category]


class PrivacyService:
    """Export, deletion, consent and the audit log, for the person themselves."""

    def __init__(self, practice: PracticeService) -> None:
        self.practice = practice

    # export ---------------------------------------------------------------

    def export(self, handle: str, *, at: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person, table by table, their text decrypted, JSON-ready (and logged).

        Wrapped keys and bandit statistics are listed by size only (they hold no
        readable information). Raises :class:`NotFoundError` for an unknown handle.
        """
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            out = self._rows(session, person.id)
            audit.record(
                session, person.id, AuditAction.EXPORT, {"format": "json"}, actor_id=person.id, at=at
            )
        return out

    def _rows(self, session: Session, person_id: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for model in PERSONAL_TABLES:
            table: Any = model.__table__
            query = select(model).where(or_(*(getattr(model, c) == person_id for c in person_columns(table))))
            out[str(table.name)] = [
                self._row(session, person_id, model, row) for row in session.scalars(query)
            ]
        return out

    def _row(self, session: Session, person_id: str, model: Any, row: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for column in model.__table__.columns:
            value = getattr(row, column.key)
            if isinstance(value, Sealed):
                owner = getattr(row, "person_id", None) or getattr(row, "id", person_id)
                value = self.practice.keyring.open(session, owner, value) if owner == person_id else None
            elif isinstance(value, bytes):
                value = f"<{len(value)} bytes: {'wrapped key' if column.key == 'wrapped_key' else 'binary'}>"
            elif isinstance(value, datetime):
                value = value.isoformat()
            values[column.key] = value
        return values

    def report(self, handle: str, *, at: datetime | None = None) -> str:
        """The same data as :meth:`export`, as a readable Markdown report: per category, each table's
        purpose, and each record with every field named in words (and logged)."""
        moment = now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            rows = self._rows(session, person.id)
            audit.record(
                session, person.id, AuditAction.EXPORT, {"format": "report"}, actor_id=person.id, at=at
            )
        lines = [
            f"# What attunement keeps about {handle}",
            "",
            f"Made on {moment:%Y-%m-%d at %H:%M} UTC. Everything below is stored on this installation only.",
        ]
        for category in DataCategory:
            lines += ["", f"## {category.label}", "", category.description]
            for table in tables_in(category):
                if table.name not in rows:
                    continue
                found = rows[table.name]
                lines += [
                    "",
                    f"### {table.name.replace('_', ' ').capitalize()} ({len(found)})",
                    "",
                    table.info["why"],
                ]
                for n, record in enumerate(found, 1):
                    lines += ["", f"{n}."]
                    lines += [
                        f"   - {table.info['fields'][key].rstrip('.')}: {_readable(value)}"
                        for key, value in record.items()
                        if value not in (None, [], {})
                    ]
        return "\n".join(lines) + "\n"

    def summary(self, handle: str) -> list[tuple[DataCategory, int]]:
        """How many records of each category are kept about the person (not logged: nothing is read)."""
        counts = dict.fromkeys(DataCategory, 0)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            for model in PERSONAL_TABLES:
                table: Any = model.__table__
                owner = getattr(model, table.info["owner"])
                counts[table.info["category"]] += (
                    session.scalar(select(func.count()).select_from(model).where(owner == person.id)) or 0
                )
        return list(counts.items())

    # deletion -------------------------------------------------------------

    def delete(self, handle: str) -> None:
        """Delete the person and everything about them, their data key included. Cannot be undone."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            forget(session, person.id)
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.handle == person.handle))
            session.execute(delete(PersonRow).where(PersonRow.id == person.id))
        self.practice.db.purge_deleted()

    def delete_category(
        self, handle: str, category: DataCategory | str, *, at: datetime | None = None
    ) -> int:
        """Delete one category of the person's data and return how many records went (or lost their
        words, for :attr:`DataCategory.WORDS`). The account itself goes only with :meth:`delete`.

        Raises :class:`InvalidInputError` for an unknown category or the account.
        """
        chosen = category_of(category)
        if not chosen.deletable:
            raise InvalidInputError("Your account goes only as a whole: delete the account instead.")
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            if chosen is DataCategory.WORDS:
                count = self._delete_words(session, person.id)
            elif chosen is DataCategory.PERSONALIZATION:
                count = forget(session, person.id)
            else:
                count = 0
                for table in tables_in(chosen):
                    result = session.execute(delete(table).where(table.c[table.info["owner"]] == person.id))
                    count += int(getattr(result, "rowcount", 0) or 0)
            detail = {"category": chosen.value, "label": chosen.label, "rows": count}
            audit.record(session, person.id, AuditAction.DELETE, detail, actor_id=person.id, at=at)
        self.practice.db.purge_deleted(())
        return count

    def _delete_words(self, session: Session, person_id: str) -> int:
        count = 0
        for table in Base.metadata.sorted_tables:
            for name in table.info["words"]:
                column = table.c[name]
                assert isinstance(column.type, EncryptedText), f"{table.name}.{name} is not encrypted text"
                owner = table.c[table.info["owner"]]
                result = session.execute(
                    update(table).where(owner == person_id, column.is_not(None)).values({name: None})
                )
                count += int(getattr(result, "rowcount", 0) or 0)
        return count

    # consent --------------------------------------------------------------

    def set_consent(
        self, handle: str, purpose: Purpose | str, granted: bool, *, at: datetime | None = None
    ) -> str:
        """Grant or withdraw a purpose (kept in the ledger and the audit log) and say, in one or two
        sentences, what changes now and what happens to what was already kept."""
        chosen = Purpose.parse(purpose)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            before = repo.latest_consents(session, person.id).get(chosen.value, False)
            kept = _kept_for(session, person.id, chosen)
        self.practice.set_consent(handle, chosen, granted, at=at)
        with self.practice.db.session() as session:
            detail = {"purpose": chosen.value, "granted": granted}
            audit.record(session, person.id, AuditAction.CONSENT, detail, actor_id=person.id, at=at)
        return consent_effect(chosen, granted, changed=before != granted, kept=kept)

    def audit(self, handle: str, *, limit: int = 100) -> list[AuditEntry]:
        """The person's audit log, newest first."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            return audit.entries(session, person.id, limit=limit)


def consent_effect(purpose: Purpose, granted: bool, *, changed: bool, kept: int) -> str:
    """What a consent decision means, in words.

    Examples
    --------
    >>> consent_effect(Purpose.STORE_REFLECTIONS, False, changed=True, kept=2)[:45]
    'From now on, what you write is read for feedb'
    """
    if granted:
        start = "Nothing changed; " if not changed else ""
        return (
            start
            + {
                Purpose.PERSONALIZATION: "suggestions learn from your answers, completions and ratings.",
                Purpose.STORE_REFLECTIONS: "what you write is kept, encrypted, so you can reread it.",
                Purpose.SHARE_PATTERNS: "your partner can see your weekly patterns, never your words.",
            }[purpose]
        )
    if purpose is Purpose.PERSONALIZATION:
        now_text = "Suggestions no longer learn from you or use what they learned from you."
        kept_text = (
            f" What they learned from {kept} outcomes is kept, unused, until you delete "
            "'what the suggestions learned from you'."
            if kept
            else ""
        )
        return now_text + kept_text
    if purpose is Purpose.STORE_REFLECTIONS:
        now_text = "From now on, what you write is read for feedback and then not kept."
        kept_text = (
            f" The {kept} texts already kept stay, encrypted, until you delete 'everything you wrote'."
            if kept
            else ""
        )
        return now_text + kept_text
    return "Your partner no longer sees your weekly patterns; nothing of them was copied to their side."


def _kept_for(session: Session, person_id: str, purpose: Purpose) -> int:
    if purpose is Purpose.PERSONALIZATION:
        states = session.scalars(select(PolicyStateRow).where(PolicyStateRow.person_id == person_id))
        return sum(_outcomes(row.stats) for row in states)
    if purpose is Purpose.STORE_REFLECTIONS:
        texts: Sequence[tuple[Any, Any]] = (
            (PracticeAttemptRow, PracticeAttemptRow.reflection),
            (WrittenAttemptRow, WrittenAttemptRow.reply),
            (CheckinRow, CheckinRow.text),
        )
        return sum(
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.person_id == person_id, column.is_not(None))
            )
            or 0
            for model, column in texts
        )
    return 0


def _outcomes(stats: bytes) -> int:
    return int(memoryview(stats).cast("d")[0]) if stats else 0


def _readable(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)

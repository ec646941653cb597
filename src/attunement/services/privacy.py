"""A person's data: export all of it, readable, and delete all of it.

Export walks every table that holds data about a person
(:data:`~attunement.store.tables.PERSONAL_TABLES`), takes every row in which a
column points at them, and opens their encrypted text with their key, so a new
table is exported without anyone remembering to add it. Deleting the person
removes their rows (every foreign key to ``people`` cascades) and with them
their wrapped data key, so even a backup of the database holds nothing of
their text that can be read.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> settings = Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)
>>> privacy = PrivacyService(PracticeService.open(settings))
>>> _ = privacy.practice.create_person("sam", display_name="Sam")
>>> privacy.export("sam")["people"][0]["display_name"]
'Sam'
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select

from attunement.services.practice import PracticeService
from attunement.store import repositories as repo
from attunement.store.crypto import Sealed
from attunement.store.tables import PERSONAL_TABLES, PersonRow


def person_columns(table: Any) -> list[str]:
    """The columns of a table that name a person: ``people.id`` and every foreign key to it."""
    if table.name == "people":
        return ["id"]
    return [c.name for c in table.columns if any(fk.target_fullname == "people.id" for fk in c.foreign_keys)]


class PrivacyService:
    """Export and deletion of everything stored about a person."""

    def __init__(self, practice: PracticeService) -> None:
        self.practice = practice

    def export(self, handle: str) -> dict[str, list[dict[str, Any]]]:
        """Every row about the person, table by table, their text decrypted, JSON-ready.

        Wrapped keys and bandit statistics are listed by key only (they hold no
        readable information). Raises :class:`NotFoundError` for an unknown handle.
        """
        out: dict[str, list[dict[str, Any]]] = {}
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            for model in PERSONAL_TABLES:
                table: Any = model.__table__
                columns = person_columns(table)
                query = select(model).where(or_(*(getattr(model, c) == person.id for c in columns)))
                rows = session.scalars(query).all()
                out[str(table.name)] = [self._row(session, person.id, model, row) for row in rows]
        return out

    def _row(self, session: Any, person_id: str, model: Any, row: Any) -> dict[str, Any]:
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

    def delete(self, handle: str) -> None:
        """Delete the person and everything about them, their data key included. Cannot be undone."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            session.execute(delete(PersonRow).where(PersonRow.id == person.id))

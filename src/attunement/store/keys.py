"""Per-person data keys: created on first use, unwrapped once per unit of work."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from attunement.errors import CryptoError
from attunement.store.crypto import (
    Sealed,
    key_fingerprint,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)
from attunement.store.tables import PersonKeyRow


class Keyring:
    """Seals and opens a person's text with their data key, wrapped by the master key."""

    def __init__(self, master_key: bytes) -> None:
        self._master = master_key
        self.master_key_id = key_fingerprint(master_key)

    def derive(self, purpose: str) -> bytes:
        """A secret for ``purpose`` (e.g. signing CSRF tokens), derived from the master key: the same in
        every process that holds the key, and useless without it."""
        return hmac.new(self._master, b"attunement|" + purpose.encode(), hashlib.sha256).digest()

    def create_key(self, session: Session, person_id: str) -> None:
        """Give a new person a data key."""
        wrapped = wrap_key(self._master, new_data_key(), person_id=person_id)
        session.add(PersonKeyRow(person_id=person_id, wrapped_key=wrapped, master_key_id=self.master_key_id))

    def _data_key(self, session: Session, person_id: str) -> bytes:
        row = session.get(PersonKeyRow, person_id)
        if row is None:
            raise CryptoError("This person's data key is gone, so their stored text cannot be read.")
        return unwrap_key(self._master, row.wrapped_key, person_id=person_id)

    def rewrap_all(self, session: Session, new_master: bytes) -> int:
        """Re-wrap every person's data key under ``new_master`` (their text stays as it is); returns
        how many keys were re-wrapped. Raises :class:`CryptoError` if a key was wrapped by another
        master key."""
        new_id = key_fingerprint(new_master)
        rows = session.scalars(select(PersonKeyRow).with_for_update()).all()
        for row in rows:
            data_key = unwrap_key(self._master, row.wrapped_key, person_id=row.person_id)
            row.wrapped_key = wrap_key(new_master, data_key, person_id=row.person_id)
            row.master_key_id = new_id
        return len(rows)

    def seal(self, session: Session, person_id: str, text: str) -> Sealed:
        """Encrypt ``text`` under the person's data key."""
        return seal(self._data_key(session, person_id), text, person_id=person_id)

    def open(self, session: Session, person_id: str, sealed: Sealed | None) -> str | None:
        """Decrypt a sealed value (``None`` stays ``None``)."""
        if sealed is None:
            return None
        return open_sealed(self._data_key(session, person_id), sealed, person_id=person_id)

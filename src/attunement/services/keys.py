"""Master key rotation: a new master key re-wraps every person's data key in one transaction.

The new key is written next to the old one first (``master.key.new``, readable only by its owner),
the data keys are re-wrapped and committed, and only then does the new file replace the old. If
the process stops in between, the next rotation finds the pending file and finishes or undoes it,
whichever matches the database, so no key is ever lost.

Examples
--------
>>> from attunement.config import Settings
>>> import tempfile, pathlib
>>> home = pathlib.Path(tempfile.mkdtemp())
>>> settings = Settings(data_dir=home, database_url=f"sqlite:///{home}/a.db")
>>> from attunement.services import PracticeService
>>> _ = PracticeService.open(settings).create_person("sam", display_name="Sam")
>>> rotate_master_key(settings).keys
1
>>> PracticeService.open(settings).person("sam").display_name
'Sam'
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from attunement.config import Settings
from attunement.errors import CryptoError, InvalidInputError
from attunement.store.crypto import key_fingerprint, load_master_key, new_data_key, parse_master_key
from attunement.store.db import Database
from attunement.store.keys import Keyring
from attunement.store.tables import PersonKeyRow


@dataclass(frozen=True, slots=True)
class Rotation:
    """The outcome of a rotation: how many data keys were re-wrapped, and where the new key is."""

    keys: int
    key_file: Path
    fingerprint: str
    resumed: bool


def rotate_master_key(settings: Settings, *, new_key_file: Path | None = None) -> Rotation:
    """Replace the master key and re-wrap every data key under the new one.

    With ``ATTUNE_MASTER_KEY`` set, the new key is written to ``new_key_file`` (required), and
    the variable must be changed to it afterwards. Raises :class:`CryptoError` when the current
    master key does not open the database, :class:`InvalidInputError` for a missing target file.
    """
    if settings.master_key and new_key_file is None:
        raise InvalidInputError(
            "ATTUNE_MASTER_KEY is set, so give --new-key-file to write the new key to, then set the "
            "variable to that key."
        )
    target = new_key_file or settings.master_key_path
    pending = target.with_name(target.name + ".new")
    db = Database.open(settings.resolved_database_url, timeout_s=settings.db_timeout_s)
    if pending.exists():
        new_master = parse_master_key(pending.read_text(encoding="ascii"), str(pending))
        if _wrapped_by(db, key_fingerprint(new_master)):
            os.replace(pending, target)  # the last rotation committed but stopped before this
            return Rotation(_count(db), target, key_fingerprint(new_master), resumed=True)
        pending.unlink()  # it never committed: start again
    master = load_master_key(settings.master_key, settings.master_key_path, create=False)
    new_master = new_data_key()
    _write_private(pending, base64.b64encode(new_master).decode() + "\n")
    try:
        with db.session() as session:
            count = Keyring(master).rewrap_all(session, new_master)
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    os.replace(pending, target)
    return Rotation(count, target, key_fingerprint(new_master), resumed=False)


def _wrapped_by(db: Database, fingerprint: str) -> bool:
    with db.session() as session:
        ids = set(session.scalars(select(PersonKeyRow.master_key_id)))
    return ids == {fingerprint}


def _count(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(PersonKeyRow.person_id)).all())


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)


__all__ = ["CryptoError", "Rotation", "rotate_master_key"]

"""Field encryption: AES-GCM under a per-person data key wrapped by a master key.

Free text is stored only as :class:`Sealed` values in :class:`EncryptedText`
columns; the column refuses plain ``str``, so no code path can store plaintext.
Deleting a person's wrapped data key makes all their sealed text unreadable
(crypto-shredding).

Examples
--------
>>> key = new_data_key()
>>> sealed = seal(key, "I felt unheard today.", person_id="p1")
>>> b"unheard" in sealed.blob
False
>>> open_sealed(key, sealed, person_id="p1")
'I felt unheard today.'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from attunement.errors import CryptoError, InvalidInputError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
FORMAT_VERSION = b"\x01"


@dataclass(frozen=True, slots=True)
class Sealed:
    """Ciphertext of one text field: format byte, nonce, then AES-GCM output."""

    blob: bytes


class EncryptedText(TypeDecorator[Sealed]):
    """A column type that stores only :class:`Sealed` values and refuses plaintext."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise TypeError("EncryptedText columns take Sealed values; seal the text first.")
        return value.blob

    def process_result_value(self, value: Any, dialect: Dialect) -> Sealed | None:
        return None if value is None else Sealed(bytes(value))


def new_data_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, text: str, *, person_id: str) -> Sealed:
    """Encrypt ``text`` for ``person_id`` (bound as associated data)."""
    try:
        plain = text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError("The text holds characters that are not valid Unicode.") from None
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plain, person_id.encode())
    return Sealed(FORMAT_VERSION + nonce + ciphertext)


def open_sealed(key: bytes, sealed: Sealed, *, person_id: str) -> str:
    """Decrypt a sealed text; raises :class:`CryptoError` if the key or owner is wrong."""
    blob = sealed.blob
    if blob[:1] != FORMAT_VERSION:
        raise CryptoError("A stored text is in an unknown encryption format.")
    if len(blob) < 1 + NONCE_BYTES + TAG_BYTES:
        raise CryptoError("A stored text is cut short and cannot be decrypted.")
    try:
        plain = AESGCM(key).decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], person_id.encode())
    except InvalidTag:
        raise CryptoError("A stored text cannot be decrypted with this key.") from None
    return plain.decode("utf-8")


def wrap_key(master: bytes, data_key: bytes, *, person_id: str) -> bytes:
    """Encrypt a person's data key under the master key."""
    return seal(master, base64.b64encode(data_key).decode(), person_id=f"key:{person_id}").blob


def unwrap_key(master: bytes, wrapped: bytes, *, person_id: str) -> bytes:
    """Decrypt a person's data key; raises :class:`CryptoError` under the wrong master key."""
    try:
        text = open_sealed(master, Sealed(wrapped), person_id=f"key:{person_id}")
    except CryptoError:
        raise CryptoError(
            "The master key does not match this database; set ATTUNE_MASTER_KEY or restore master.key."
        ) from None
    return base64.b64decode(text)


def key_fingerprint(master: bytes) -> str:
    """A short, non-secret id of a master key (to tell which key wrapped what)."""
    return hashlib.sha256(b"attunement-master:" + master).hexdigest()[:16]


def parse_master_key(text: str, source: str) -> bytes:
    """Decode a base64 master key; raises :class:`CryptoError` naming ``source`` if it is malformed."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError(f"The master key in {source} is not valid base64.") from None
    if len(key) != KEY_BYTES:
        raise CryptoError(f"The master key in {source} must be {KEY_BYTES} bytes, not {len(key)}.")
    return key


def load_master_key(env_value: str | None, path: Path, *, create: bool) -> bytes:
    """The master key from ``ATTUNE_MASTER_KEY`` or ``path``, creating the file (0600) if asked.

    Raises :class:`CryptoError` when there is none and ``create`` is false, or it is malformed.
    """
    if env_value:
        return parse_master_key(env_value, "ATTUNE_MASTER_KEY")
    if path.exists():
        return parse_master_key(path.read_text(encoding="ascii"), str(path))
    if not create:
        raise CryptoError(f"No master key at {path}; run 'attune init' or set ATTUNE_MASTER_KEY.")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_data_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
    return key

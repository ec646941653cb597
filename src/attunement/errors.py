"""Typed errors, each carrying one sentence a person can act on.

Every error the package raises on purpose derives from :class:`AttunementError`;
interfaces (CLI, web) show ``str(error)`` and nothing else.

Examples
--------
>>> from attunement.errors import NotFoundError
>>> str(NotFoundError("No exercise has the id 'x'."))
"No exercise has the id 'x'."
"""

from __future__ import annotations


class AttunementError(Exception):
    """Base class: the message is one sentence meant for the person using the tool."""


class ContentError(AttunementError):
    """Authored content (YAML) is malformed; the message names file, line and field."""


class NotFoundError(AttunementError):
    """An id (person, exercise, recommendation) does not exist."""


class InvalidInputError(AttunementError):
    """A value given by a person or caller is outside what is allowed."""


class DatabaseError(AttunementError):
    """The database is unreachable, locked, or at a schema this version cannot use."""


class CryptoError(AttunementError):
    """A key is missing or wrong, or stored text cannot be decrypted."""


class ConsentError(AttunementError):
    """An action needs a consent the person has not given."""


class ModelError(AttunementError):
    """A shipped model file is missing or damaged; the message names it and how to rebuild it."""


class PermissionDeniedError(AttunementError):
    """The caller is not signed in, or may not do this (a wrong password, a missing scope, a stale form)."""


class TooManyAttemptsError(AttunementError):
    """Too many failed attempts in a short time; the message says when to try again."""

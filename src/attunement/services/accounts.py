"""Accounts for the web app: sign-up, sign-in with argon2, sessions, CSRF tokens, API tokens.

Everything lives in the database, so any number of server processes agree:
sessions and API tokens are random secrets of which only a SHA-256 hash is
stored; failed sign-ins are counted per handle in ``login_failures`` and, after
``MAX_FAILURES`` within ``LOCKOUT``, sign-in is refused until the window
passes. A new session is issued at every sign-in (no session fixation), and
its CSRF token is an HMAC of the session token, checked on every form post.

Examples
--------
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY, PracticeService
>>> settings = Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)
>>> accounts = AccountService(PracticeService.open(settings))
>>> _ = accounts.sign_up("sam", "a long passphrase")
>>> session = accounts.sign_in("sam", "a long passphrase")
>>> accounts.session_person(session.token).handle
'sam'
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from attunement.domain.consent import ONBOARDING, Purpose
from attunement.errors import InvalidInputError, NotFoundError, PermissionDeniedError, TooManyAttemptsError
from attunement.services.clock import aware as _aware
from attunement.services.clock import now as _now
from attunement.services.practice import PracticeService
from attunement.services.views import PersonView
from attunement.store import repositories as repo
from attunement.store.tables import AccountRow, ApiTokenRow, LoginAttemptRow, PersonRow, WebSessionRow

MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(days=14)
SCOPES = ("read", "practice", "analyze")
"""API token scopes: read what is yours; practise (assessment, exercises, replies); analyse texts."""
_HASHER = PasswordHasher()


@dataclass(frozen=True)
class Session:
    """A new sign-in: the cookie token (shown once), its CSRF token, and when it expires."""

    token: str
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """An API token as listed: never the secret itself, except right after it is made."""

    id: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked: bool
    secret: str | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountService:
    """Sign-up, sign-in, sessions and API tokens over the practice store."""

    def __init__(self, practice: PracticeService) -> None:
        self.practice = practice
        self._csrf_key = practice.keyring.derive("csrf")

    # accounts ------------------------------------------------------------

    def sign_up(
        self,
        handle: str,
        password: str,
        *,
        display_name: str | None = None,
        consents: Iterable[Purpose] = ONBOARDING,
        at: datetime | None = None,
    ) -> PersonView:
        """Create a person with a password.

        Raises :class:`InvalidInputError` for a taken handle or a password outside 10-200 characters.
        """
        _check_password(password)
        person = self.practice.create_person(handle, display_name=display_name, consents=consents, at=at)
        with self.practice.db.session() as session:
            session.add(
                AccountRow(person_id=person.id, password_hash=_HASHER.hash(password), created_at=_now(at))
            )
        return person

    def ensure_password(self, handles: Iterable[str], password: str) -> None:
        """Give each existing person without an account one with ``password`` (for demo servers)."""
        _check_password(password)
        with self.practice.db.session() as session:
            for handle in handles:
                person = repo.person_by_handle(session, handle)
                if session.get(AccountRow, person.id) is None:
                    session.add(AccountRow(person_id=person.id, password_hash=_HASHER.hash(password)))

    def sign_in(self, handle: str, password: str, *, at: datetime | None = None) -> Session:
        """A new session for the right password; one sentence for anything else.

        Raises :class:`TooManyAttemptsError` after too many failures, and
        :class:`PermissionDeniedError` for a wrong handle or password (the same
        sentence for both, so handles cannot be probed).
        """
        moment = _now(at)
        handle = str(handle).strip().lower()[:64]
        with self.practice.db.session() as session:
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < moment - LOCKOUT))
            recent = session.scalar(
                select(func.count())
                .select_from(LoginAttemptRow)
                .where(LoginAttemptRow.handle == handle, LoginAttemptRow.at >= moment - LOCKOUT)
            )
            if (recent or 0) >= MAX_FAILURES:
                minutes = int(LOCKOUT.total_seconds() // 60)
                raise TooManyAttemptsError(f"Too many failed sign-ins; try again in {minutes} minutes.")
            person = session.scalars(select(PersonRow).where(PersonRow.handle == handle)).first()
            account = session.get(AccountRow, person.id) if person else None
            if person is None or account is None or not _verify(account.password_hash, str(password)):
                session.add(LoginAttemptRow(handle=handle, at=moment))
                session.commit()
                raise PermissionDeniedError("The handle or the password is not right.")
            session.execute(delete(LoginAttemptRow).where(LoginAttemptRow.handle == handle))
            token = secrets.token_urlsafe(32)
            expires = moment + SESSION_LIFETIME
            session.add(
                WebSessionRow(
                    token_hash=_digest(token), person_id=person.id, created_at=moment, expires_at=expires
                )
            )
            return Session(token, self.csrf_token(token), expires)

    def csrf_token(self, session_token: str) -> str:
        """The CSRF token that goes with a session (an HMAC of it)."""
        return hmac.new(self._csrf_key, session_token.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, session_token: str, csrf: str | None) -> None:
        """Raise :class:`PermissionDeniedError` unless ``csrf`` matches the session."""
        if not csrf or not hmac.compare_digest(self.csrf_token(session_token), csrf):
            raise PermissionDeniedError("This form has expired; reload the page and try again.")

    def session_person(self, token: str, *, at: datetime | None = None) -> PersonView:
        """The person signed in with ``token``; raises :class:`PermissionDeniedError` when it is not valid."""
        return self.practice.person(self.session_handle(token, at=at))

    def session_handle(self, token: str, *, at: datetime | None = None) -> str:
        """The handle signed in with ``token`` (one query: the cheap check every request makes)."""
        moment = _now(at)
        found = self.practice.db.read_row(repo.SESSION_SIGN_IN, {"token_hash": _digest(token)})
        if found is None or found.ended_at is not None or _aware(found.expires_at) <= moment:
            raise PermissionDeniedError("Please sign in.")
        return str(found.handle)

    def sign_out(self, token: str, *, at: datetime | None = None) -> None:
        """End a session (nothing happens for an unknown one)."""
        with self.practice.db.session() as session:
            row = session.get(WebSessionRow, _digest(token))
            if row is not None and row.ended_at is None:
                row.ended_at = _now(at)

    # API tokens -------------------------------------------------------------

    def create_token(
        self, handle: str, name: str, scopes: Iterable[str], *, at: datetime | None = None
    ) -> ApiToken:
        """A new API token; its secret is returned once and stored only as a hash."""
        chosen = tuple(dict.fromkeys(str(s) for s in scopes))
        unknown = [s for s in chosen if s not in SCOPES]
        if unknown or not chosen:
            raise InvalidInputError(f"Choose one or more scopes from {', '.join(SCOPES)}.")
        name = str(name).strip()
        if not 1 <= len(name) <= 60:
            raise InvalidInputError("A token name must be 1 to 60 characters.")
        secret = "att_" + secrets.token_urlsafe(32)
        moment = _now(at)
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            row = ApiTokenRow(
                id=uuid.uuid4().hex,
                person_id=person.id,
                token_hash=_digest(secret),
                name=name,
                scopes=list(chosen),
                created_at=moment,
            )
            session.add(row)
        return ApiToken(row.id, name, chosen, moment, False, secret)

    def tokens(self, handle: str) -> list[ApiToken]:
        """The person's API tokens, without their secrets."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            rows = session.scalars(select(ApiTokenRow).where(ApiTokenRow.person_id == person.id)).all()
            return [
                ApiToken(r.id, r.name, tuple(r.scopes), _aware(r.created_at), r.revoked_at is not None)
                for r in rows
            ]

    def revoke_token(self, handle: str, token_id: str, *, at: datetime | None = None) -> None:
        """Revoke one of the person's tokens; :class:`NotFoundError` for another's or an unknown one."""
        with self.practice.db.session() as session:
            person = repo.person_by_handle(session, handle)
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.person_id != person.id:
                raise NotFoundError(f"No API token of yours has the id '{token_id}'.")
            row.revoked_at = row.revoked_at or _now(at)

    def token_person(self, secret: str, scope: str) -> PersonView:
        """The person a bearer token acts for, if it is valid and has ``scope``."""
        return self.practice.person(self.token_handle(secret, scope))

    def token_handle(self, secret: str, scope: str) -> str:
        """The handle a bearer token acts for, if it is valid and has ``scope``."""
        found = self.practice.db.read_row(repo.TOKEN_SIGN_IN, {"token_hash": _digest(secret)})
        if found is None or found.revoked_at is not None:
            raise PermissionDeniedError("This API token is not valid.")
        if scope not in found.scopes:
            raise PermissionDeniedError(f"This API token lacks the '{scope}' scope.")
        return str(found.handle)


def _check_password(password: object) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInputError(f"A password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters.")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

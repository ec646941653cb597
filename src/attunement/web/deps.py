"""Per-process services and the request's signed-in person (by session cookie or API token)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from attunement.config import Settings
from attunement.errors import PermissionDeniedError
from attunement.services import PracticeService
from attunement.services.accounts import SESSION_LIFETIME, AccountService
from attunement.services.partners import PartnerService
from attunement.services.text import TextService
from attunement.services.written import WrittenPracticeService

SESSION_COOKIE = "attune_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Services:
    """The services of one process, opened on first use (the database, then the models when needed)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._practice: PracticeService | None = None
        self._text: TextService | None = None
        self._accounts: AccountService | None = None
        self._written: WrittenPracticeService | None = None
        self._partners: PartnerService | None = None

    @property
    def practice(self) -> PracticeService:
        with self._lock:
            if self._practice is None:
                self._practice = PracticeService.open(self.settings)
            return self._practice

    @property
    def text(self) -> TextService:
        with self._lock:
            if self._text is None:
                # One model thread per worker unless ATTUNE_MODEL_THREADS says otherwise: requests
                # and workers already run in parallel (docs/web.md, "Speed").
                threads = self.settings.model_threads or 1
                self._text = TextService(self.settings.model_copy(update={"model_threads": threads}))
            return self._text

    @property
    def accounts(self) -> AccountService:
        if self._accounts is None:
            self._accounts = AccountService(self.practice)
        return self._accounts

    @property
    def written(self) -> WrittenPracticeService:
        if self._written is None:
            self._written = WrittenPracticeService(self.practice, self.text)
        return self._written

    @property
    def partners(self) -> PartnerService:
        if self._partners is None:
            self._partners = PartnerService(self.practice, self.text)
        return self._partners


def services(request: Request) -> Services:
    """The process's services."""
    found: Services = request.app.state.services
    return found


async def _services(request: Request) -> Services:
    # As a dependency: async, because a plain function would cost a hand-off to the thread pool.
    return services(request)


@dataclass(frozen=True)
class Caller:
    """Who is calling (their handle), and how they proved it."""

    handle: str
    via_token: bool
    scopes: frozenset[str]


def _caller(request: Request, scope: str) -> Caller:
    found = services(request)
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        handle = found.accounts.token_handle(header.removeprefix("Bearer ").strip(), scope)
        return Caller(handle, True, frozenset({scope}))
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise PermissionDeniedError("Please sign in.")
    handle = found.accounts.session_handle(token)
    if request.method not in SAFE_METHODS:
        found.accounts.check_csrf(token, request.headers.get(CSRF_HEADER))
    return Caller(handle, False, frozenset({"read", "practice", "analyze"}))


def reader(request: Request) -> Caller:
    """A signed-in caller allowed to read their own data."""
    return _caller(request, "read")


def practiser(request: Request) -> Caller:
    """A signed-in caller allowed to practise (assessment, exercises, replies, partners)."""
    return _caller(request, "practice")


def owner(request: Request) -> Caller:
    """A caller signed in with a session, not a token: consent and deletion are decided in person."""
    if request.headers.get("Authorization", "").startswith("Bearer "):
        raise PermissionDeniedError("Consent and deletion need you signed in, not an API token.")
    return _caller(request, "practice")


def analyst(request: Request) -> Caller:
    """A signed-in caller allowed to analyse texts."""
    return _caller(request, "analyze")


ServicesDep = Annotated[Services, Depends(_services)]
Reader = Annotated[Caller, Depends(reader)]
Practiser = Annotated[Caller, Depends(practiser)]
Analyst = Annotated[Caller, Depends(analyst)]
Owner = Annotated[Caller, Depends(owner)]


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Put a new session token in an HTTP-only, SameSite=Strict cookie (Secure over HTTPS or when set)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=request.url.scheme == "https" or services(request).settings.secure_cookies,
        samesite="strict",
        path="/",
    )

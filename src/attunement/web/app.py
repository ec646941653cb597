"""The web application: pages for people, a JSON API under ``/api/v1``, on the same services as the CLI.

``create_app()`` builds the app from ``ATTUNE_`` settings; ``attune serve``
runs it with uvicorn. Nothing is kept in the process beyond loaded models and
open database pools: sessions, CSRF secrets, login throttling and tokens are
in the database or derived from the master key, so several workers agree.

Every error is one sentence in ``{"detail": "..."}`` with a fitting status:
400 bad input, 401 not signed in, 403 not allowed, 404 unknown id (also for
someone else's), 409 conflict, 422 malformed request, 429 too many attempts,
503 a database or model problem.

Examples
--------
>>> from fastapi.testclient import TestClient
>>> from attunement.config import Settings
>>> from attunement.services import TEST_MASTER_KEY
>>> client = TestClient(create_app(Settings(database_url="sqlite://", master_key=TEST_MASTER_KEY)))
>>> client.get("/api/v1/health").json()
{'status': 'ok'}
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from attunement import __version__
from attunement.config import Settings, get_settings
from attunement.errors import (
    AttunementError,
    ConsentError,
    CryptoError,
    DatabaseError,
    InvalidInputError,
    ModelError,
    NotFoundError,
    PermissionDeniedError,
    TooManyAttemptsError,
)
from attunement.web import api_partners, api_privacy, pages
from attunement.web.api import router
from attunement.web.deps import Services

log = logging.getLogger(__name__)
STATUS = {
    NotFoundError: 404,
    InvalidInputError: 400,
    PermissionDeniedError: 403,
    ConsentError: 403,
    TooManyAttemptsError: 429,
    DatabaseError: 503,
    ModelError: 503,
    CryptoError: 503,
}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Routes are plain functions on anyio's thread pool: ``server_threads`` of them at once, not 40.
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = app.state.services.settings.server_threads
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The attunement web app over ``settings`` (default: from ``ATTUNE_`` variables)."""
    app = FastAPI(
        title="attunement",
        version=__version__,
        description="Personalized empathy practice and support between partners. Local-first: "
        "this server runs on your own machine or your household's.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.services = Services(settings or get_settings())
    app.include_router(router, prefix="/api/v1")
    app.include_router(api_partners.router, prefix="/api/v1")
    app.include_router(api_privacy.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    @app.exception_handler(AttunementError)
    async def _known(request: Request, error: AttunementError) -> Response:
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
        if isinstance(error, PermissionDeniedError) and str(error) == "Please sign in.":
            status = 401
        if not request.url.path.startswith("/api/"):
            if status == 401:
                return RedirectResponse("/signin", status_code=303)
            return pages.templates.TemplateResponse(
                request, "error.html", {"error": str(error), "title": "Error", "person": None, "csrf": None},
                status_code=status,
            )  # fmt: skip
        return JSONResponse({"detail": str(error)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
        message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
        sentence = f"The field '{where}' {message[0].lower() + message[1:]}." if where else f"{message}."
        return JSONResponse({"detail": sentence.replace("..", ".")}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:  # pragma: no cover - a bug
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "Something went wrong on our side; nothing was changed."}, status_code=500
        )

    return app

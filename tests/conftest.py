"""Shared fixtures: every storage test runs on SQLite and on a real PostgreSQL.

PostgreSQL tests use a fresh schema per test in the database named by
``ATTUNE_TEST_POSTGRES_URL`` (default: the local server's ``test`` database).
Outside CI they are skipped when no server answers; in CI (``CI=true``) a
missing server fails the run instead of hiding the gap.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from attunement.config import Settings
from attunement.services import TEST_MASTER_KEY, PracticeService
from attunement.services.text import TextService

POSTGRES_URL = os.environ.get("ATTUNE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


_PG_OK = _postgres_available()


@contextmanager
def empty_database(kind: str, folder: Path) -> Iterator[str]:
    """A URL to an empty database of ``kind``: a SQLite file in ``folder``, or a fresh PostgreSQL schema
    (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'attunement.db'}"
        return
    if not _PG_OK:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}; CI must test it.")
        pytest.skip("PostgreSQL is not reachable")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.begin() as connection:
            # A test that left a connection open must not block the drop.
            stop = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"
            connection.execute(sa.text(stop), {"name": schema})
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a throwaway install on the parametrized database."""
    return Settings(
        data_dir=tmp_path / "data", database_url=database_url, master_key=TEST_MASTER_KEY, seed=11
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The web app on the parametrized database, in a test client."""
    from attunement.web.app import create_app

    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.services.practice.db.engine.dispose()


@pytest.fixture
def service(settings: Settings) -> Iterator[PracticeService]:
    """A practice service over an empty database."""
    svc = PracticeService.open(settings)
    yield svc
    svc.db.engine.dispose()


def neutral_answers(service: PracticeService, value: int = 3) -> dict[str, int]:
    """An answer for every questionnaire item."""
    return {item.id: value for item in service.questionnaire.items}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data folder on SQLite, seen by every ``attune`` call in the test."""
    from attunement.config import get_settings

    for name in list(os.environ):
        if name.startswith("ATTUNE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ATTUNE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ATTUNE_SEED", "5")
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def text_service(tmp_path_factory: pytest.TempPathFactory) -> TextService:
    """The text models, loaded once for the whole run."""
    return TextService(Settings(data_dir=tmp_path_factory.mktemp("models")))


def attune_text(*args: str, input: str | None = None) -> tuple[int, str]:
    """Run ``attune ARGS`` in-process: the exit code and the output with line wrapping undone."""
    from typer.testing import CliRunner

    from attunement.cli import app
    from attunement.config import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), input=input, terminal_width=160)
    return result.exit_code, " ".join(result.output.split())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raw_sqlite_bytes(path: Path) -> bytes:
    """Everything SQLite keeps on disk for a database: the file and its write-ahead log, if any."""
    parts = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def load_bench(name: str) -> ModuleType:
    """Import ``bench/<name>.py`` as a module (the benchmarks are scripts, not a package)."""
    import importlib.util
    import sys

    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module

"""One engine and session factory per process, schema migrations, and database errors.

Opening a database brings its schema to the newest migration (a SQLite file
is copied aside first), so a file from an older version keeps working. Errors
from the driver become :class:`~attunement.errors.DatabaseError` with one
sentence that says what to do.

Examples
--------
>>> db = Database.open("sqlite://")
>>> db.schema_revision() == db.head_revision()
True
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from attunement.errors import DatabaseError

MIGRATIONS = Path(__file__).parent / "migrations"

POOL_SIZE, POOL_OVERFLOW = 16, 30
"""Connections kept per process: more than the web server's threads (``Settings.server_threads``; each request
holds one at a time), so none waits for a connection; the overflow covers work that nests a second
unit of work and callers outside the server's thread pool."""


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, so a deleted person's wrapped key leaves the file.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _enable_sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # Write-ahead logging: readers never wait for a writer, so several server processes can share
    # one file; with it, synchronous=NORMAL is still safe against corruption and commits much faster.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_db_engine(url: str, timeout_s: float = 5.0) -> Engine:
    """An engine for ``url`` with foreign keys on (SQLite) and bounded waits.

    Raises :class:`DatabaseError` for a URL that cannot be parsed or a missing driver.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise DatabaseError(
            f"'{url}' is not a database URL; see ATTUNE_DATABASE_URL in the README."
        ) from None
    kwargs: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": timeout_s, "check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        else:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=timeout_s)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["connect_args"] = {"connect_timeout": max(1, int(timeout_s))}
        # No ping before each use: it cost about a sixth of a suggestion's time (docs/web.md, "Speed").
        # A connection the server dropped fails its request once (503, "try again"), and that error
        # makes the pool replace every connection opened before it; recycling bounds their age.
        kwargs.update(
            pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=timeout_s, pool_recycle=3600
        )
    try:
        engine = create_engine(parsed, **kwargs)
    except ModuleNotFoundError as error:
        raise DatabaseError(
            f"The database driver '{error.name}' is not installed; run pip install 'attunement[postgres]'."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        if parsed.database not in (None, "", ":memory:"):
            event.listen(engine, "connect", _enable_sqlite_wal)
    return engine


def describe(error: exc.DBAPIError, engine: Engine) -> DatabaseError:
    """Turn a driver error into one sentence a person can act on."""
    where = engine.url.render_as_string(hide_password=True)
    text = str(error.orig).lower() if error.orig else str(error).lower()
    if "locked" in text or "busy" in text:
        return DatabaseError(f"The database {where} is locked by another program; close it and try again.")
    if isinstance(error, exc.OperationalError):
        if engine.url.get_backend_name() == "sqlite":
            return DatabaseError(
                f"Cannot open the database file {where}; check the path and its permissions."
            )
        return DatabaseError(
            f"Cannot reach the database at {where}; "
            "check that it is running and ATTUNE_DATABASE_URL is right."
        )
    return DatabaseError(f"The database {where} refused the change ({type(error.orig).__name__}).")


class Database:
    """The process's engine and session factory (one of each)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._autocommit_sessions = sessionmaker(self._reader, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, timeout_s: float = 5.0, migrate: bool = True) -> Database:
        """Connect, check the schema, and migrate it to the newest revision when ``migrate``.

        Raises :class:`DatabaseError` if the database is unreachable or locked, is at
        an older schema and ``migrate`` is false, or was written by a newer version.
        """
        db = cls(create_db_engine(url, timeout_s))
        current, head = db.schema_revision(), db.head_revision()
        if current == head:
            return db
        known = {rev.revision for rev in ScriptDirectory.from_config(_config()).walk_revisions()}
        if current is not None and current not in known:
            raise DatabaseError(
                f"The database was written by a newer attunement (schema {current}); upgrade attunement."
            )
        if not migrate:
            raise DatabaseError("The database is at an older schema; run 'attune init' to upgrade it.")
        db.migrate()
        return db

    def _run(self, fn: Any) -> Any:
        try:
            with self.engine.begin() as connection:
                return fn(connection)
        except exc.DBAPIError as error:
            raise describe(error, self.engine) from None

    def schema_revision(self) -> str | None:
        """The migration revision the database is at (``None`` for an empty database)."""
        return self._run(lambda conn: MigrationContext.configure(conn).get_current_revision())  # type: ignore[no-any-return]

    @staticmethod
    def head_revision() -> str:
        """The newest migration revision this version of attunement knows."""
        head = ScriptDirectory.from_config(_config()).get_current_head()
        assert head is not None
        return head

    def migrate(self, revision: str = "head") -> None:
        """Upgrade the schema, copying a SQLite file aside first so nothing can be lost."""
        database = self.engine.url.database
        if self.engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:"):
            path = Path(database)
            tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            if path.exists() and self._run(lambda c: c.exec_driver_sql(tables).scalar()):  # not a new file
                self._run(lambda connection: connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)"))
                shutil.copy2(path, path.with_name(f"{path.name}.before-{self.head_revision()}.bak"))

        def upgrade(connection: Any) -> None:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        self._run(upgrade)

    def downgrade(self, revision: str) -> None:
        """Take the schema back to ``revision`` (``'base'`` empties it); for tests and recovery."""

        def downgrade(connection: Any) -> None:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)

        self._run(downgrade)

    @contextmanager
    def session(self, *, autocommit: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error, translates driver errors.

        With ``autocommit``, every statement commits on its own and there is no transaction (no
        BEGIN and COMMIT round trips): for reads followed by at most one write.
        """
        session = (self._autocommit_sessions if autocommit else self._sessions)()
        try:
            yield session
            session.commit()
        except exc.DBAPIError as error:
            session.rollback()
            raise describe(error, self.engine) from None
        except exc.TimeoutError:
            session.rollback()
            raise DatabaseError("The database is busy; please try again in a moment.") from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def read_row(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """The first row of one read-only ``statement`` (with ``params``), or ``None``, run outside a
        transaction.

        For the checks every request makes (which session or token is this?): without a
        transaction a server round trip is one statement, not BEGIN, the statement and COMMIT.
        """
        try:
            with self._reader.connect() as connection:
                return connection.execute(statement, params).first()
        except exc.DBAPIError as error:
            raise describe(error, self.engine) from None
        except exc.TimeoutError:
            raise DatabaseError("The database is busy; please try again in a moment.") from None

    def purge_deleted(self, tables: tuple[str, ...] = ("person_keys",)) -> None:
        """Make deleted rows leave the storage files, not only the tables.

        SQLite overwrites deleted rows itself (``secure_delete``); this also empties the
        write-ahead log, which still holds the old pages. PostgreSQL keeps deleted rows until
        vacuum, so ``tables`` (small ones: the wrapped keys) are vacuumed now.
        """
        if self.engine.url.get_backend_name() == "sqlite":
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif self.engine.url.get_backend_name() == "postgresql":
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for table in tables:
                    connection.exec_driver_sql(f'VACUUM "{table}"')


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config

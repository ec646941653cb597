"""Storage on SQLite and PostgreSQL: encryption at rest, deletion, migrations, database errors."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from attunement.config import Settings
from attunement.errors import CryptoError, DatabaseError
from attunement.services import TEST_MASTER_KEY, PracticeService
from attunement.store.crypto import Sealed, load_master_key
from attunement.store.db import Database
from attunement.store.tables import PERSONAL_TABLES, Base, PersonKeyRow, PracticeAttemptRow
from tests.conftest import neutral_answers, raw_sqlite_bytes

SECRET_REFLECTION = "I told Maya about the miscarriage and she just listened"
SECRET_NAME = "Jordan Quietname"


def _raw_dump(engine: sa.Engine) -> bytes:
    """Every value in every table, as bytes, the way a backup would hold them."""
    dump = bytearray()
    with engine.connect() as connection:
        for table in sa.inspect(connection).get_table_names():
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    dump += value if isinstance(value, bytes | memoryview) else str(value).encode()
    return bytes(dump)


def _session_with_secrets(service: PracticeService) -> str:
    service.create_person("jordan", display_name=SECRET_NAME)
    service.record_assessment("jordan", neutral_answers(service), ["listen_better"])
    suggestion = service.next_exercise("jordan")
    result = service.record_attempt(
        suggestion.recommendation_id, completed=True, rating=4, reflection=SECRET_REFLECTION
    )
    assert result.reflection_stored
    return suggestion.recommendation_id


def test_free_text_is_never_stored_in_plaintext(service: PracticeService) -> None:
    _session_with_secrets(service)
    dump = _raw_dump(service.db.engine)
    assert b"miscarriage" not in dump and b"Quietname" not in dump
    assert service.history("jordan")[0].reflection == SECRET_REFLECTION
    assert service.person("jordan").display_name == SECRET_NAME


def test_sqlite_file_holds_no_plaintext(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, master_key=TEST_MASTER_KEY)
    service = PracticeService.open(settings)
    _session_with_secrets(service)
    service.db.engine.dispose()
    raw = raw_sqlite_bytes(Path(settings.resolved_database_url.removeprefix("sqlite:///")))
    assert b"jordan" in raw  # the handle is stored as it is: the bytes read hold the data
    assert b"miscarriage" not in raw and b"Quietname" not in raw


def test_encrypted_column_refuses_plaintext(service: PracticeService) -> None:
    _session_with_secrets(service)
    with pytest.raises(sa.exc.StatementError, match="Sealed"), service.db.session() as session:
        attempt = session.scalars(sa.select(PracticeAttemptRow)).first()
        assert attempt is not None
        attempt.reflection = "plain text"  # type: ignore[assignment]
        session.flush()


def test_destroying_the_data_key_makes_text_unreadable(service: PracticeService) -> None:
    _session_with_secrets(service)
    with service.db.session() as session:
        session.execute(sa.delete(PersonKeyRow))
    with pytest.raises(CryptoError, match="data key is gone"):
        service.history("jordan")


def test_wrong_master_key_is_one_clear_sentence(service: PracticeService, settings: Settings) -> None:
    _session_with_secrets(service)
    other = PracticeService.open(settings.model_copy(update={"master_key": "A" * 43 + "="}))
    with pytest.raises(CryptoError, match="master key does not match"):
        other.person("jordan")


def test_deleting_a_person_removes_every_row_about_them(service: PracticeService) -> None:
    _session_with_secrets(service)
    service.create_person("other")
    person_id = service.person("jordan").id
    with service.db.session() as session:
        session.execute(sa.text("DELETE FROM people WHERE id = :id"), {"id": person_id})
    with service.db.engine.connect() as connection:
        for table in PERSONAL_TABLES:
            for column in _person_columns(table.__table__):
                count = connection.execute(
                    sa.text(f"SELECT COUNT(*) FROM {table.__tablename__} WHERE {column} = :id"),
                    {"id": person_id},
                ).scalar()
                assert count == 0, f"{table.__tablename__}.{column}"
    assert [p.handle for p in service.people()] == ["other"]


def _person_columns(table: sa.Table) -> list[str]:
    """The columns that name a person: ``people.id`` itself and every foreign key to it."""
    if table.name == "people":
        return ["id"]
    return [c.name for c in table.columns if any(fk.target_fullname == "people.id" for fk in c.foreign_keys)]


def test_every_table_with_a_person_column_is_listed_as_personal() -> None:
    personal = {t.__tablename__ for t in PERSONAL_TABLES}
    for table in Base.metadata.sorted_tables:
        if _person_columns(table):
            assert table.name in personal, table.name


def test_migrations_match_the_models(database_url: str) -> None:
    db = Database.open(database_url)
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_an_older_schema_is_migrated_and_a_sqlite_copy_kept(database_url: str, tmp_path: Path) -> None:
    db = Database.open(database_url)
    db.downgrade("base")
    assert db.schema_revision() is None
    db.engine.dispose()
    reopened = Database.open(database_url)
    assert reopened.schema_revision() == Database.head_revision()
    if database_url.startswith("sqlite"):
        assert list(tmp_path.glob("attunement.db.before-*.bak"))


def test_an_older_schema_without_migration_says_how(database_url: str) -> None:
    db = Database.open(database_url)
    db.downgrade("base")
    with pytest.raises(DatabaseError, match="run 'attune init' to upgrade it"):
        Database.open(database_url, migrate=False)


def test_a_newer_schema_is_refused(database_url: str) -> None:
    db = Database.open(database_url)
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="newer attunement"):
        Database.open(database_url)


def test_a_locked_sqlite_database_is_one_clear_sentence(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    db = Database.open(f"sqlite:///{path}", timeout_s=0.2)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")  # another program writing; readers still read (WAL)
    try:
        with pytest.raises(DatabaseError, match="is locked by another program"):
            with db.session() as session:
                session.execute(sa.text("INSERT INTO login_failures (handle, at) VALUES ('x', '2026-01-01')"))
        with db.session() as session:
            assert session.execute(sa.text("SELECT COUNT(*) FROM people")).scalar() == 0
    finally:
        holder.rollback()
        holder.close()
        db.engine.dispose()


def test_an_unreachable_server_is_one_clear_sentence() -> None:
    with pytest.raises(DatabaseError, match="Cannot reach the database at postgresql"):
        Database.open("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", timeout_s=1)


def test_a_malformed_url_is_one_clear_sentence() -> None:
    with pytest.raises(DatabaseError, match="is not a database URL"):
        Database.open("not a url")


def test_master_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    first = load_master_key(None, path, create=True)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_master_key(None, path, create=False) == first


@pytest.mark.parametrize(
    ("value", "message"), [("not base64!", "not valid base64"), ("YWJj", "must be 32 bytes")]
)
def test_malformed_master_key_is_named(value: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(CryptoError, match=message):
        load_master_key(value, tmp_path / "unused", create=False)


def test_missing_master_key_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(CryptoError, match="run 'attune init'"):
        load_master_key(None, tmp_path / "absent.key", create=False)


def test_sealed_values_differ_for_the_same_text(service: PracticeService) -> None:
    service.create_person("sam")
    person_id = service.person("sam").id
    with service.db.session() as session:
        first = service.keyring.seal(session, person_id, "same words")
        second = service.keyring.seal(session, person_id, "same words")
    assert isinstance(first, Sealed) and first.blob != second.blob


def test_a_connection_the_server_dropped_fails_one_unit_of_work_then_the_pool_recovers(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("only a database server drops connections")
    db = Database.open(database_url)
    with db.session() as session:
        session.execute(sa.text("SELECT 1"))
    url = sa.engine.make_url(database_url)
    admin = sa.create_engine(url.difference_update_query(["application_name"]))  # not one of them
    with admin.begin() as connection:
        connection.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": url.query["application_name"]},
        )
    admin.dispose()
    with pytest.raises(DatabaseError, match="Cannot reach the database"), db.session() as session:
        session.execute(sa.text("SELECT 1"))
    with db.session() as session:
        assert session.execute(sa.text("SELECT 1")).scalar() == 1
    db.engine.dispose()

"""Alembic environment: migrations run on the connection attunement hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from attunement.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:  # alembic's own CLI, used only to write new revisions
    url = context.config.get_main_option("sqlalchemy.url") or "sqlite://"
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

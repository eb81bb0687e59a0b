"""Alembic environment for chingin (DESIGN §2).

The URL comes from ``config.attributes["url"]`` (set by ``chingin_app.db.migrate``) or else
from ``CHINGIN_DATABASE_URL`` through ``chingin_app.settings``. Online migrations run on an
engine from ``chingin_app.db.make_engine``, so SQLite gets the same BEGIN handling as the app
and a whole upgrade is one transaction on both databases (transactional DDL).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import chingin_app.models  # noqa: F401  (registers every table in SQLModel.metadata)
from chingin_app.db import make_engine, normalise_url

config = context.config
target_metadata = SQLModel.metadata

# Only the alembic command line configures logging; migrate() leaves the app's logging alone.
if config.config_file_name is not None and "url" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = config.attributes.get("url")
    if not url:
        from chingin_app.settings import settings

        url = settings().database_url
    return normalise_url(str(url))


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit SQL for ``alembic upgrade --sql``."""
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on a live database."""
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure_and_run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

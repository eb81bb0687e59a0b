"""The schema the migrations build equals the models, and the engine set-up of chingin_app.db
(DESIGN §1, §2; SPEC §12 "SQLite … PostgreSQL")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

import chingin_app.models  # noqa: F401  (every table in the metadata)
from chingin_app.db import is_read_only, migrate, normalise_url, session_scope
from chingin_app.models import ClosedDay, MaintenanceWindowRecord, PaymentGroup
from tests import factories


def test_r_log_1_migrations_match_models(db_engine: Engine) -> None:
    """The hand-written migration creates exactly the models' schema (no autogenerate diff)."""
    dialect = db_engine.dialect.name

    def for_this_database(obj: object, _name: object, _kind: str, _reflected: bool,
                          _other: object) -> bool:
        # An index the model declares for one database only (``ddl_if``, e.g. 0015's
        # COLLATE "C" index on PostgreSQL) is compared there and nowhere else.
        only = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        return only is None or only == dialect

    with db_engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True,
                                                   "include_object": for_this_database}),
            SQLModel.metadata,
        )
    assert diff == []


def test_staff_no_code_point_index_on_postgresql(db_engine: Engine) -> None:
    """Issue 12: on PostgreSQL the lists' 職員番号 order (COLLATE "C") has its own index, which
    the schema comparison cannot see the collation of; SQLite needs none."""
    with db_engine.connect() as conn:
        if db_engine.dialect.name != "postgresql":
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))
            assert "ix_employees_contract_id_staff_no_c" not in set(names.scalars())
            return
        definition = conn.execute(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": "ix_employees_contract_id_staff_no_c"},
        ).scalar_one()
    assert definition.endswith('(contract_id, staff_no COLLATE "C")')


def test_migrate_again_is_a_no_op(db_url: str, db_engine: Engine) -> None:
    """``migrate`` at head changes nothing (safe to run at every start)."""
    from alembic.script import ScriptDirectory

    from chingin_app.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    migrate(db_url)
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head


def test_datetimes_are_stored_and_returned_as_aware_utc(db: Session) -> None:
    """STYLE §1: store UTC. A JST time comes back as the same instant in UTC on both DBs."""
    jst = timezone(timedelta(hours=9))
    start = datetime(2026, 4, 1, 19, 30, 15, 123456, tzinfo=jst)
    row = MaintenanceWindowRecord(
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        created_by="operator:test",
        created_at=factories.NOW,
    )
    db.add(row)
    db.commit()
    db.expunge_all()
    loaded = db.get(MaintenanceWindowRecord, row.id)
    assert loaded is not None
    assert loaded.starts_at == start
    assert loaded.starts_at.tzinfo == UTC
    assert loaded.starts_at.hour == 10


def test_naive_datetime_is_refused(db: Session) -> None:
    """A naive datetime is a bug, never stored as if it were UTC."""
    db.add(
        ClosedDay(
            day=factories.next_day(), created_by="operator:test", created_at=datetime(2026, 4, 1)
        )
    )
    with pytest.raises(StatementError, match="naive datetime"):
        db.flush()


def test_foreign_keys_are_enforced(db: Session) -> None:
    """SQLite needs ``PRAGMA foreign_keys = ON`` on every connection (db.make_engine)."""
    db.add(PaymentGroup(contract_id=999_999_999, number="001", name="本社"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_sqlite_connection_settings(db_engine: Engine) -> None:
    """SQLite: WAL and a 5 s busy timeout, so writers queue instead of failing at once."""
    if db_engine.dialect.name != "sqlite":
        assert db_engine.dialect.driver == "psycopg"
        return
    with db_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_read_only_session_is_marked_and_reads(db_engine: Engine) -> None:
    """``session_scope(read_only=True)``: deferred BEGIN on SQLite, READ ONLY on PostgreSQL."""
    with session_scope(bind=db_engine, read_only=True) as ro:
        assert is_read_only(ro)
        assert ro.exec(select(ClosedDay)).all() is not None
    with session_scope(bind=db_engine) as rw:
        assert not is_read_only(rw)


def test_read_only_session_cannot_write(db_engine: Engine) -> None:
    """PostgreSQL refuses writes in a READ ONLY transaction; SQLite has no such mode, so the
    services check ``is_read_only`` (the operation log refuses such a session)."""
    if db_engine.dialect.name != "postgresql":
        return
    with session_scope(bind=db_engine, read_only=True) as ro:
        ro.add(ClosedDay(day=factories.next_day(), created_by="x", created_at=factories.NOW))
        with pytest.raises(Exception, match="read-only transaction"):
            ro.flush()


def test_bare_postgresql_url_uses_psycopg3() -> None:
    """``postgresql://`` URLs from the environment get the installed driver (psycopg 3)."""
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"

"""DESIGN §1 "Production and scale" (R-DEP-4): "set `pool_size`/`max_overflow` from the
environment so workers × VMs × pool stays under PostgreSQL's `max_connections`; dispose of the
engine after a fork."

The ``CHINGIN_DB_*`` settings reach ``create_engine`` and the server, and a forked child (a
worker started by fork) opens its own connections while the parent's stay open.
"""

from __future__ import annotations

import os
import select
import signal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from chingin_app import db as chingin_db
from chingin_app.db import make_engine
from chingin_app.settings import DatabasePool, load_settings

POOL_ENV = {
    "CHINGIN_DB_POOL_SIZE": "3",
    "CHINGIN_DB_MAX_OVERFLOW": "2",
    "CHINGIN_DB_POOL_RECYCLE": "600",
    "CHINGIN_DB_STATEMENT_TIMEOUT": "7",
}


def test_r_dep_4_pool_settings_from_environment() -> None:
    """The four ``CHINGIN_DB_*`` variables, each with a default when unset."""
    assert load_settings(POOL_ENV).db_pool == DatabasePool(
        size=3, max_overflow=2, recycle=600, statement_timeout=7
    )
    assert load_settings({}).db_pool == DatabasePool(
        size=5, max_overflow=10, recycle=1800, statement_timeout=60
    )


@pytest.mark.parametrize(
    "name, value",
    [("CHINGIN_DB_POOL_SIZE", "0"), ("CHINGIN_DB_MAX_OVERFLOW", "-1"),
     ("CHINGIN_DB_POOL_RECYCLE", "-5"), ("CHINGIN_DB_STATEMENT_TIMEOUT", "1.5")],
)
def test_r_dep_4_pool_settings_refuse_nonsense(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        load_settings({name: value})


def test_r_dep_4_pool_settings_reach_create_engine(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the pool is sized, recycled and every connection gets the statement
    timeout; SQLite ignores them (one file, no server)."""
    seen: dict[str, Any] = {}
    real = chingin_db.create_engine

    def recording(url: str, **kwargs: Any) -> Engine:
        seen.update(kwargs)
        return real(url, **kwargs)

    monkeypatch.setattr(chingin_db, "create_engine", recording)
    eng = make_engine(db_url, pool=load_settings(POOL_ENV).db_pool)
    try:
        if db_url.startswith("sqlite"):
            assert "pool_size" not in seen and "max_overflow" not in seen
            return
        assert (seen["pool_size"], seen["max_overflow"], seen["pool_recycle"]) == (3, 2, 600)
        assert eng.pool.size() == 3  # type: ignore[attr-defined]
        with eng.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "7s"
    finally:
        eng.dispose()


def test_r_dep_4_process_engine_uses_the_pool_settings(
    app_env: object, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``db.engine()`` is built with ``settings().db_pool``; migrations (``make_engine``
    without a pool) run without a statement timeout."""
    for name, value in POOL_ENV.items():
        monkeypatch.setenv(name, value)
    chingin_db.settings.cache_clear()
    chingin_db.engine.cache_clear()
    if db_url.startswith("sqlite"):
        assert chingin_db.engine().dialect.name == "sqlite"
        return
    with chingin_db.engine().connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "7s"
    plain = make_engine(db_url)
    try:
        with plain.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "0"
    finally:
        plain.dispose()


def _sees_marker(conn: Connection) -> bool:
    """Whether this connection is the one that made the session-local table ``fork_marker``."""
    if conn.dialect.name == "postgresql":
        query = "SELECT to_regclass('pg_temp.fork_marker') IS NOT NULL"
    else:
        query = "SELECT count(*) > 0 FROM sqlite_temp_master WHERE name = 'fork_marker'"
    return bool(conn.execute(text(query)).scalar_one())


def test_r_dep_4_forked_child_opens_its_own_connections(db_url: str) -> None:
    """A child forked with a connection in the parent's pool gets a new connection of its own,
    and the parent's connection survives the child (``dispose(close=False)`` after fork)."""
    eng = make_engine(db_url)
    try:
        with eng.connect() as conn:
            # A temporary table lives exactly as long as its connection: a marker for it.
            conn.execute(text("CREATE TEMPORARY TABLE fork_marker (n INTEGER)"))
            conn.commit()
            assert _sees_marker(conn)
        assert eng.pool.checkedin() == 1  # type: ignore[attr-defined]
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report and leave without running any test machinery
            code = 1
            try:
                os.close(read_end)
                with eng.connect() as conn:
                    answer = b"shared" if _sees_marker(conn) else b"fresh"
                eng.dispose()
                os.write(write_end, answer)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        try:
            ready, _, _ = select.select([read_end], [], [], 60)
            if not ready:
                os.kill(pid, signal.SIGKILL)
            answer = os.read(read_end, 16) if ready else b"(no answer in 60 s)"
        finally:
            os.close(read_end)
            _, status = os.waitpid(pid, 0)
        assert answer == b"fresh"
        assert os.waitstatus_to_exitcode(status) == 0
        with eng.connect() as conn:  # still the parent's own connection, alive
            assert _sees_marker(conn)
    finally:
        eng.dispose()

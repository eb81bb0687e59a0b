"""Engines, sessions and migrations (DESIGN §1, §2 ``CHINGIN_DATABASE_URL``; SPEC §12).

The same code runs on SQLite (the one-VM default) and PostgreSQL.

SQLite transactions: the driver's own transaction handling is switched off and SQLAlchemy's
``begin`` event emits the BEGIN itself (the documented pysqlite recipe "Serializable
isolation / Savepoints / Transactional DDL"). A normal session starts with
``BEGIN IMMEDIATE``, so it holds SQLite's write lock from its first statement to its commit or
rollback: a read-modify-write service can never fail half-way with SQLITE_BUSY when another
writer commits in between, and operation-log appends are serialised (R-LOG-1). Waiting for
the lock is bounded by ``busy_timeout`` (5 s). Sessions opened with ``read_only=True`` use a
plain (deferred) BEGIN and never block writers (WAL). On PostgreSQL the same mark makes the
``begin`` event emit ``SET TRANSACTION READ ONLY``; writers lock what they must explicitly
(``SELECT … FOR UPDATE``).

Migrations (R-DEP-3): ``migrate`` upgrades under a lock — ``pg_advisory_lock`` on PostgreSQL,
an exclusive ``flock`` on a file beside the database on SQLite — so two at once run one after
the other and the second finds nothing to do. ``schema_status`` compares the database's
revision with the code's without changing anything (production refuses to run on a schema
older or newer than the code instead of migrating).
"""

from __future__ import annotations

import fcntl
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry, NullPool
from sqlmodel import Session

from chingin_app.settings import PROJECT_ROOT, DatabasePool, settings

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MIGRATION_LOCK_KEY",
    "READ_ONLY_OPTION",
    "Migration",
    "SchemaStatus",
    "alembic_config",
    "engine",
    "is_read_only",
    "make_engine",
    "migrate",
    "normalise_url",
    "schema_status",
    "session_scope",
    "writable_bind",
]

#: How long a SQLite connection waits for the write lock before "database is locked".
BUSY_TIMEOUT_MS: Final = 5000

#: Execution option marking a read-only session (deferred BEGIN on SQLite).
READ_ONLY_OPTION: Final = "chingin_read_only"

#: The PostgreSQL advisory lock ``migrate`` holds ("chingin" in ASCII; any constant would do,
#: as long as every migrating process uses the same one).
MIGRATION_LOCK_KEY: Final = 0x6368696E67696E

_ALEMBIC_INI: Final = PROJECT_ROOT / "alembic.ini"
_MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Pick psycopg 3 for a bare ``postgresql://`` URL (psycopg2 is not installed)."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's begin event emit BEGIN (the driver would skip it for SELECTs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_on_begin(conn: Connection) -> None:
    # psycopg then opens the transaction with BEGIN READ ONLY (or plain BEGIN): the same round
    # trip as BEGIN, where a SET TRANSACTION READ ONLY after it took one more per read.
    conn.connection.dbapi_connection.read_only = bool(  # type: ignore[union-attr]
        conn.get_execution_options().get(READ_ONLY_OPTION)
    )


def make_engine(url: str, *, pool: DatabasePool | None = None) -> Engine:
    """An engine for ``url`` (SQLite file or PostgreSQL).

    SQLite: ``check_same_thread=False`` (sessions move between threads in the app), WAL,
    ``busy_timeout`` 5000 ms and foreign keys ON on every connection, and the BEGIN handling
    the module docstring describes. PostgreSQL: psycopg 3 with ``pool_pre_ping``, and ``pool``
    (the process engine passes ``CHINGIN_DB_*``, DESIGN §1) sizing the pool, recycling its
    connections and setting each connection's ``statement_timeout``; without ``pool``,
    SQLAlchemy's defaults and no timeout (``chingin migrate``: a migration may rewrite a big
    table).

    Every engine made here forgets its pooled connections in a forked child (see
    :func:`_after_fork_in_child`).
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if (
            parsed.database
            and parsed.database != ":memory:"
            and not parsed.database.startswith("file:")
        ):
            # The default database lives under the data dir, which may not exist yet.
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(eng, "connect", _sqlite_on_connect)
        event.listen(eng, "begin", _sqlite_on_begin)
    else:
        options: dict[str, Any] = {}
        if pool is not None:
            options = {
                "pool_size": pool.size,
                "max_overflow": pool.max_overflow,
                "pool_recycle": pool.recycle or -1,
                "connect_args": {"options": f"-c statement_timeout={pool.statement_timeout}s"},
            }
        eng = create_engine(url, pool_pre_ping=True, **options)
        event.listen(eng, "begin", _postgresql_on_begin)
    _ENGINES.add(eng)
    return eng


#: Every engine ``make_engine`` made in this process, for the fork hook.
_ENGINES: Final[weakref.WeakSet[Engine]] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child (a worker started by fork) must not share the parent's connections: two
    processes on one socket interleave their protocol. ``dispose(close=False)`` gives each
    engine a fresh, empty pool and drops the inherited connections without closing them, so
    the parent's stay open (SQLAlchemy, "Using Connection Pools with Multiprocessing")."""
    for eng in list(_ENGINES):
        eng.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


@lru_cache(maxsize=1)
def engine() -> Engine:
    """The process-wide engine for ``settings().database_url``."""
    return make_engine(settings().database_url, pool=settings().db_pool)


def is_read_only(db: Session) -> bool:
    """Whether ``db`` was opened read-only (``session_scope(read_only=True)``)."""
    return bool(db.connection().get_execution_options().get(READ_ONLY_OPTION))


def writable_bind(bind: Engine) -> Engine:
    """``bind`` without the read-only mark (for a write that must happen anyway, such as
    logging a refusal seen in a read-only session)."""
    return bind.execution_options(**{READ_ONLY_OPTION: False})


@contextmanager
def session_scope(*, read_only: bool = False, bind: Engine | None = None) -> Iterator[Session]:
    """A session on the process engine (or ``bind``) for one unit of work (STYLE §2).

    Services commit once themselves; leaving the block rolls back anything not committed and
    closes the session (on SQLite that releases the write lock). Objects stay readable after
    commit (``expire_on_commit=False``). ``read_only=True`` for pages and reports that only
    read: no write lock on SQLite, a READ ONLY transaction on PostgreSQL.
    """
    target = bind if bind is not None else engine()
    target = target.execution_options(**{READ_ONLY_OPTION: read_only})
    with Session(target, expire_on_commit=False) as db:
        yield db


def alembic_config(url: str) -> Any:
    """The Alembic configuration for ``url`` (``alembic.ini`` at the repository root)."""
    from alembic.config import Config

    cfg = Config(str(_ALEMBIC_INI)) if _ALEMBIC_INI.exists() else Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS_DIR))
    cfg.attributes["url"] = normalise_url(url)
    return cfg


@dataclass(frozen=True)
class Migration:
    """What one ``migrate`` did: the revision before (None: an empty database) and after."""

    before: str | None
    after: str

    @property
    def upgraded(self) -> bool:
        """Whether this call changed the schema (False: another process had already done it)."""
        return self.before != self.after


@dataclass(frozen=True)
class SchemaStatus:
    """The database's revision against the code's (R-DEP-3)."""

    current: str | None  # None: no database, or no schema in it
    head: str
    known: bool  # the revision is one of the code's (False: written by newer code)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def newer(self) -> bool:
        """The database was migrated by a newer release than this code."""
        return self.current is not None and not self.known


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    name = parsed.database or ""
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _head_and_known(cfg: Any) -> tuple[str, frozenset[str]]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    assert head is not None, "the migrations have one head"
    return head, frozenset(rev.revision for rev in script.walk_revisions())


def _current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def schema_status(url: str) -> SchemaStatus:
    """The revision of the database at ``url`` against the code's head, changing nothing: a
    SQLite file that does not exist is reported as empty, not created."""
    cfg = alembic_config(url)
    head, known = _head_and_known(cfg)
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None and not sqlite_file.exists():
        return SchemaStatus(current=None, head=head, known=True)
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            current = _current_revision(conn)
    finally:
        eng.dispose()
    return SchemaStatus(current=current, head=head, known=current is None or current in known)


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """Hold the migration lock of the database at ``url`` (R-DEP-3)."""
    sqlite_file = _sqlite_file(url)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        lock_path = sqlite_file.with_name(sqlite_file.name + ".migrate-lock")
        with open(lock_path, "a+b") as lock_file:  # stays: removing it would race a waiter
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
        return
    if make_url(normalise_url(url)).get_backend_name() != "postgresql":
        yield  # an in-memory database has one connection: nothing to race
        return
    # A session-level advisory lock on a connection of its own (autocommit: no transaction is
    # left open while Alembic migrates on another connection); released by closing it.
    eng = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with eng.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    finally:
        eng.dispose()


def migrate(url: str) -> Migration:
    """Bring the database at ``url`` to the newest schema (Alembic ``upgrade head``) under the
    migration lock (R-DEP-3): a second ``migrate`` waits, then finds nothing to do."""
    from alembic import command

    cfg = alembic_config(url)
    with _migration_lock(url):
        before = schema_status(url).current
        command.upgrade(cfg, "head")
    head, _ = _head_and_known(cfg)
    return Migration(before=before, after=head)

"""`chingin migrate` under a database lock (SPEC R-DEP-3: "two at once run one after the
other"): with the lock held, two real `chingin migrate` processes both wait for it; released,
both succeed and exactly one of them upgrades."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from chingin_app.db import MIGRATION_LOCK_KEY, normalise_url, schema_status
from tests.integration.production_support import fresh_database

WAIT_SECONDS = 90.0  # two Python processes importing the app on a busy machine


def _migrate(url: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "CHINGIN_DATABASE_URL": url, "CHINGIN_DATA_DIR": str(data_dir),
           "CHINGIN_ENV": "production"}
    env.pop("CHINGIN_TEST_CLOCK_FILE", None)
    chingin = str(Path(sys.executable).parent / "chingin")
    return subprocess.Popen([chingin, "migrate"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _until_both_wait(procs: list[subprocess.Popen[str]], waiting: Callable[[], int]) -> None:
    """Until the lock has two waiters; a process that finishes meanwhile did not wait."""
    deadline = time.monotonic() + WAIT_SECONDS
    while waiting() < len(procs):
        for proc in procs:
            assert proc.poll() is None, "finished while the lock was held:\n" + str(
                proc.communicate()[0])
        assert time.monotonic() < deadline, "the migrations never waited for the lock"
        try:
            procs[0].wait(timeout=0.2)  # paces the poll; it must not end here
        except subprocess.TimeoutExpired:
            pass


def _finish(procs: list[subprocess.Popen[str]], url: str) -> None:
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=WAIT_SECONDS)
        assert proc.returncode == 0, out
        outputs.append(out)
    upgraded = [o for o in outputs if "スキーマを更新しました" in o]
    current = [o for o in outputs if "スキーマは最新です" in o]
    assert (len(upgraded), len(current)) == (1, 1), outputs
    assert schema_status(url).up_to_date


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_database("postgresql", tmp_path)


def test_r_dep_3_two_migrations_at_once_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """R-DEP-3: `chingin migrate` takes pg_advisory_lock; the second waits, both succeed, one
    upgrade."""
    dsn = make_url(normalise_url(pg_url)).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))

        def waiting() -> int:
            row = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()
            return int(row[0]) if row else 0

        procs = [_migrate(pg_url, tmp_path / "data") for _ in range(2)]
        try:
            _until_both_wait(procs, waiting)
            holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
            _finish(procs, pg_url)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()


def test_r_dep_3_two_migrations_at_once_on_sqlite(tmp_path: Path) -> None:
    """R-DEP-3 (SQLite: "a lock of its own"): an exclusive flock on a file beside the database;
    the kernel lists both migrations as waiting for it."""
    db_file = tmp_path / "data" / "chingin.db"
    db_file.parent.mkdir()
    url = f"sqlite:///{db_file}"
    lock_file = db_file.with_name("chingin.db.migrate-lock")
    with open(lock_file, "a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        inode = os.fstat(held.fileno()).st_ino

        def waiting() -> int:
            # /proc/locks lists a blocked request as "N: -> FLOCK ADVISORY WRITE pid maj:min:ino …"
            lines = Path("/proc/locks").read_text().splitlines()
            return sum("->" in line and line.split()[6].endswith(f":{inode}") for line in lines
                       if len(line.split()) > 6)

        procs = [_migrate(url, db_file.parent) for _ in range(2)]
        try:
            _until_both_wait(procs, waiting)
            fcntl.flock(held.fileno(), fcntl.LOCK_UN)
            _finish(procs, url)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()

"""Integration fixtures: every test runs on a real SQLite file and on PostgreSQL (STYLE §7,
DESIGN §4). Both databases are built with the Alembic migrations (``chingin_app.db.migrate``),
once per test session; tests share them, so each test makes its own contracts, users and
chains (``tests/factories.py`` hands out unique numbers) and never assumes an empty table.

PostgreSQL: a fresh database ``chingin_test_<random>`` on 127.0.0.1:5432 (user postgres,
trust auth; ``CHINGIN_TEST_PG_ADMIN`` overrides the admin DSN), dropped at the end. When the
server is down the PostgreSQL tests fail with a message saying how to start it: tests never
skip because a service is absent.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chingin_app import db as chingin_db
from chingin_app.db import make_engine, migrate, session_scope
from chingin_app.domain.clock import MovableClock
from chingin_app.services import passwords
from chingin_app.settings import settings

PG_ADMIN_DSN = os.environ.get(
    "CHINGIN_TEST_PG_ADMIN", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
PG_URL_TEMPLATE = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(scope="session", autouse=True)
def _cheap_argon2() -> Iterator[None]:
    """Hash with the test profile: the suite stays quick; production keeps the strong one."""
    passwords.use_test_profile()
    yield
    passwords.use_production_profile()


def _pg_admin() -> psycopg.Connection:
    problem: str
    try:
        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        problem = str(exc).strip()
    pytest.fail(
        f"PostgreSQL is not reachable ({PG_ADMIN_DSN}): {problem}\n"
        "Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main "
        "start  (or run .ci/run). The integration tests never skip a database.",
        pytrace=False,
    )


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database URL: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'chingin.db'}"
        migrate(url)
        yield url
        return
    name = f"chingin_test_{secrets.token_hex(6)}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_URL_TEMPLATE.format(name=name)
        migrate(url)
        yield url
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def db_engine(db_url: str) -> Iterator[Engine]:
    """The engine for ``db_url`` (``chingin_app.db.make_engine``), shared by the session."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(db_engine: Engine) -> Iterator[Session]:
    """A writing session like the app's (``session_scope``); closed (rolled back) afterwards."""
    with session_scope(bind=db_engine) as session:
        yield session


@pytest.fixture
def clock() -> MovableClock:
    """A fixed, movable clock at 2026-04-01 10:00 JST."""
    return MovableClock()


@pytest.fixture
def app_env(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The process settings (``settings()``, ``db.engine()``) pointed at the test database and a
    fresh data dir, as the running service or the CLI would see them; yields the data dir."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("CHINGIN_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CHINGIN_DATABASE_URL", db_url)
    monkeypatch.setenv("CHINGIN_CA_PASSPHRASE_FILE", str(tmp_path / "ca-passphrase"))
    monkeypatch.setenv("CHINGIN_BASE_URL", "https://chingin.example.jp")
    monkeypatch.setenv("CHINGIN_HELPDESK_NAME", "テストろうきん ヘルプデスク")
    monkeypatch.setenv("CHINGIN_HELPDESK_TEL", "0000-99-8888")
    monkeypatch.delenv("CHINGIN_TEST_CLOCK_FILE", raising=False)
    monkeypatch.delenv("CHINGIN_ENV", raising=False)
    settings.cache_clear()
    chingin_db.engine.cache_clear()
    yield data_dir
    if chingin_db.engine.cache_info().currsize:
        chingin_db.engine().dispose()
    chingin_db.engine.cache_clear()
    settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_ip_throttles() -> Iterator[None]:
    """The per-IP throttles (R-LOCK-5) live in process memory; each test starts with none."""
    from chingin_app.services import registration
    from chingin_app.services.certs import issuance

    issuance.ISSUANCE_THROTTLE.clear()
    registration.INITIAL_PASSWORD_THROTTLE.clear()
    yield

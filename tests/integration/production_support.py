"""What the production-mode tests share: a production environment in a temporary root (the
passphrase file and the TLS files outside the data dir, as an operator would keep them), a
fresh database of either kind, and the release steps without a real front-end build."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from chingin_app import db as chingin_db
from chingin_app.cli import main
from chingin_app.runtime.build import BuildStamp, source_digest, write_stamp
from chingin_app.settings import settings
from tests.integration.conftest import PG_ADMIN_DSN, PG_URL_TEMPLATE
from tests.support.production import not_private, tree, write_passphrase, write_tls_files

__all__ = ["not_private", "tree"]  # for the tests, with what is defined here

BASE_URL = "https://chingin.example.jp"


def production_env(root: Path, *, database_url: str | None = None) -> dict[str, str]:
    """A complete production environment (SMTP on loopback, self-signed TLS, always open)."""
    cert, key = write_tls_files(root / "tls")
    write_passphrase(root / "ca-passphrase")
    env = {
        "CHINGIN_ENV": "production",
        "CHINGIN_DATA_DIR": str(root / "data"),
        "CHINGIN_CA_PASSPHRASE_FILE": str(root / "ca-passphrase"),
        "CHINGIN_BASE_URL": BASE_URL,
        "CHINGIN_SMTP_HOST": "127.0.0.1",
        "CHINGIN_TLS_CERT": str(cert),
        "CHINGIN_TLS_KEY": str(key),
        "CHINGIN_SERVICE_HOURS": "always",
    }
    if database_url is not None:
        env["CHINGIN_DATABASE_URL"] = database_url
    return env


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Make ``env`` this process's settings (and drop what a test run may have set)."""
    for name in ("CHINGIN_DATABASE_URL", "CHINGIN_TEST_CLOCK_FILE", "CHINGIN_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    refresh_settings()


def refresh_settings() -> None:
    settings.cache_clear()
    if chingin_db.engine.cache_info().currsize:
        chingin_db.engine().dispose()
    chingin_db.engine.cache_clear()


def fake_build() -> None:
    """A build stamp for these settings and this code, as `chingin build` leaves it (without
    running Reflex: the e2e tests build for real)."""
    s = settings()
    client = s.web_dir / "build" / "client"
    client.mkdir(parents=True, exist_ok=True)
    (client / "index.html").write_text("<!DOCTYPE html>", encoding="utf-8")
    write_stamp(s, BuildStamp(base_url=s.base_url, source=source_digest(), script_hashes=(),
                              built_at=datetime.now(UTC).isoformat()))


def release(*, migrate: bool = True, pki_init: bool = True) -> None:
    """The release steps `chingin serve` expects in production (build faked)."""
    fake_build()
    if migrate:
        assert main(["migrate"]) == 0
    if pki_init:
        assert main(["pki", "init"]) == 0


def fresh_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of ``kind`` (a SQLite file or a new PostgreSQL database)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"chingin_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL_TEMPLATE.format(name=name)
    finally:
        refresh_settings()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def restore_umask() -> Iterator[None]:
    """Every `chingin` command sets the process umask to 077; put the test's back."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)

"""/healthz (SPEC R-DEP-8): "reports the database, Redis (when configured), CRL freshness and the
mail outbox backlog, 503 when one fails"."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from starlette.requests import Request

import pki
from chingin_app.db import migrate, session_scope
from chingin_app.models import MailOutbox
from chingin_app.services import health
from chingin_app.services.certs import ca, crl
from chingin_app.settings import settings
from chingin_app.web.health import healthz
from tests.integration.production_support import production_env, refresh_settings, use_env

NOW = datetime.now(UTC)


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A demo install of its own (database, both CAs and their CRLs)."""
    env = production_env(tmp_path)
    env["CHINGIN_ENV"] = "demo"
    use_env(monkeypatch, env)
    s = settings()
    migrate(s.database_url)
    ca.ensure_operator_hierarchy(s, now=NOW)  # both CAs: /healthz reports every CRL
    crl.refresh(s)
    yield tmp_path


def _check(app_now: datetime | None = None) -> health.HealthReport:
    now = datetime.now(UTC)
    return health.check(settings(), now=now, app_now=app_now or now)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get() -> tuple[int, dict[str, object]]:
    """The endpoint as the app serves it."""
    request = Request({"type": "http", "method": "GET", "path": "/healthz", "headers": []})
    response = asyncio.run(healthz(request))
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, json.loads(bytes(response.body))


def test_r_dep_8_healthy_install_answers_200(installed: Path) -> None:
    status, report = _get()
    assert status == 200
    assert report["status"] == "ok" and report["problems"] == []
    assert report["database"] is True and report["redis"] is None
    assert set(report["crl_next_update"]) == {  # type: ignore[arg-type]
        "issuing", "root", "operator_issuing", "operator_root"}
    assert report["outbox"] == {"pending": 0, "overdue": 0}


def test_r_dep_8_redis_is_checked_when_configured(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHINGIN_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings.cache_clear()
    assert _check().redis is True
    monkeypatch.setenv("CHINGIN_REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    settings.cache_clear()
    report = _check()
    assert report.redis is False and report.problems == ("redis",)
    assert _get()[0] == 503


def test_r_dep_8_a_crl_near_its_end_fails(installed: Path) -> None:
    """Less than 48 hours left (the jobs' alarm) on any CRL nginx reads: 503."""
    s = settings()
    hierarchy = ca.ensure_operator_hierarchy(s, now=NOW)
    short = pki.build_crl(hierarchy.issuing, [], now=NOW, next_update=timedelta(hours=47))
    (ca.operator_dir(s) / "issuing.crl.pem").write_bytes(short.public_bytes(Encoding.PEM))
    status, report = _get()
    assert status == 503
    assert report["problems"] == ["crl"] and report["crls_fresh"] is False


def test_r_dep_8_a_missing_crl_fails(installed: Path) -> None:
    (settings().pki_dir / "root.crl.pem").unlink()
    report = _check()
    assert report.problems == ("crl",)
    assert report.crl_next_update["root"] is None


def test_r_dep_8_an_overdue_outbox_fails(installed: Path) -> None:
    """A mail whose next try is more than 10 minutes overdue: nobody is sending."""
    # The service's clock read here, not at import: a long suite runs minutes after import.
    app_now = datetime.now(UTC)
    with session_scope() as db:
        for n, late in enumerate((timedelta(minutes=1), timedelta(minutes=11))):
            db.add(MailOutbox(
                message_id=f"<health-{n}@example.jp>", kind="notice", to_addr="a@example.jp",
                subject="s", created_at=app_now - late, next_attempt_at=app_now - late,
            ))
        db.commit()
    report = _check(app_now)
    assert (report.outbox_pending, report.outbox_overdue) == (2, 1)
    assert report.problems == ("outbox",)
    assert _get()[0] == 503


def test_r_dep_8_a_database_that_does_not_answer_fails(
    installed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "CHINGIN_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{_closed_port()}/x")
    refresh_settings()
    status, report = _get()
    assert status == 503
    assert report["database"] is False and "database" in report["problems"]  # type: ignore[operator]

"""What `/healthz` reports (SPEC R-DEP-8; DESIGN §3): the database, Redis when configured, the
freshness of every CRL nginx reads, and the mail outbox backlog. Each check catches its own
failure: the report is what a monitor reads, so it must come back even when a part is down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from sqlalchemy import func
from sqlmodel import col, select

from chingin_app.db import session_scope
from chingin_app.models import MailOutbox
from chingin_app.services.certs import ca
from chingin_app.settings import Settings

__all__ = ["CRL_MIN_LEFT", "OUTBOX_LATE", "HealthReport", "check"]

#: A CRL with less than this left fails the check: the same alarm as `chingin jobs run`
#: (DESIGN §3: the issuing CRL is re-signed daily for 7 days, so 48 hours left means the
#: job has not run for five days, and nginx refuses every certificate once it expires).
CRL_MIN_LEFT: Final = timedelta(hours=48)
#: A mail whose next try is this much overdue means nobody is sending (R-SEC-2: three tries
#: over 10 minutes).
OUTBOX_LATE: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class HealthReport:
    """One look at the service; ``ok`` is the HTTP status's answer (200 / 503)."""

    database: bool
    redis: bool | None  # None: not configured
    crl_next_update: dict[str, str | None]
    crls_fresh: bool
    outbox_pending: int | None  # None: the database did not answer
    outbox_overdue: int | None
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "fault",
            "database": self.database,
            "redis": self.redis,
            "crl_next_update": self.crl_next_update,
            "crls_fresh": self.crls_fresh,
            "outbox": {"pending": self.outbox_pending, "overdue": self.outbox_overdue},
            "problems": list(self.problems),
        }


def _crl_files(s: Settings) -> dict[str, Path]:
    operator = ca.operator_dir(s)
    return {
        "issuing": s.pki_dir / "issuing.crl.pem",
        "root": s.pki_dir / "root.crl.pem",
        "operator_issuing": operator / "issuing.crl.pem",
        "operator_root": operator / "root.crl.pem",
    }


def _next_update(path: Path) -> datetime | None:
    try:
        crl = x509.load_pem_x509_crl(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return crl.next_update_utc


def _database(app_now: datetime) -> tuple[bool, int | None, int | None]:
    """Whether the database answers, and the outbox: rows still to send, and those of them
    whose next try is more than OUTBOX_LATE overdue."""
    due = col(MailOutbox.next_attempt_at)
    try:
        with session_scope(read_only=True) as db:
            pending = db.exec(select(func.count()).where(due.is_not(None))).one()
            overdue = db.exec(select(func.count()).where(due < app_now - OUTBOX_LATE)).one()
    except Exception:
        return False, None, None
    return True, int(pending), int(overdue)


def _redis(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:
        return False


def check(s: Settings, *, now: datetime, app_now: datetime) -> HealthReport:
    """Look at everything R-DEP-8 names. ``now`` is real time (CRLs: nginx keeps real time);
    ``app_now`` is the service's clock (the outbox's times come from it)."""
    problems: list[str] = []
    db_ok, pending, overdue = _database(app_now)
    if not db_ok:
        problems.append("database")
    elif overdue:
        problems.append("outbox")
    redis_ok = _redis(s.redis_url) if s.redis_url else None
    if redis_ok is False:
        problems.append("redis")
    next_updates = {name: _next_update(path) for name, path in _crl_files(s).items()}
    fresh = all(n is not None and n - now >= CRL_MIN_LEFT for n in next_updates.values())
    if not fresh:
        problems.append("crl")
    return HealthReport(
        database=db_ok,
        redis=redis_ok,
        crl_next_update={k: v.isoformat() if v else None for k, v in next_updates.items()},
        crls_fresh=fresh,
        outbox_pending=pending,
        outbox_overdue=overdue,
        problems=tuple(problems),
    )
